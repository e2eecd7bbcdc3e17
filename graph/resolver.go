// Package graph is the GraphQL face of userbridge: hand-written schema files
// (*.graphqls), the ent-generated entity schema (ent.graphqls), short
// resolvers that call the shared rules, and the server built by NewHandler.
package graph

import (
	"sync"

	"userbridge/ent"
	"userbridge/graph/relay"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/signatures"
)

// Resolver is the dependency-injection root of the GraphQL API.
type Resolver struct {
	Client     *ent.Client
	Accounts   *accounts.Service
	Files      *files.Service
	Signatures *signatures.Service

	cursorsOnce sync.Once // see cursorCodec
	cursors     *relay.Codec
}
