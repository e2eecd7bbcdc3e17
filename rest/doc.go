// Package rest is the mount point of the legacy dialects: one package per
// legacy API under rest/<dialect>/, each with its route table (routes.go),
// its legacy payloads, its error shape (errors.go) and its OpenAPI document.
// rest/jsonio and rest/openapitest hold what every dialect shares.
package rest
