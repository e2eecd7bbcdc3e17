// Package matrix holds the authorization matrix of userbridge: every route
// of the real router and every GraphQL operation, filter and order field of
// the real schema, against every kind of viewer, each cell's outcome derived
// from the contract (../shared/contract/authorization.md) and checked through
// real HTTP requests. The table is also the reviewer's document,
// docs/authorization.md, regenerated with
//
//	go test ./internal/authz/matrix -run TestAuthorizationDoc -update
//
// The package has no code of its own: everything lives in its tests.
package matrix
