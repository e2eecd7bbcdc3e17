// Package schema is the data model: one file per entity (fields, edges,
// indexes, annotations, hooks), and the limits of its text fields
// (limits.go) that the rules and the OpenAPI documents share. entc
// generates package ent from it.
package schema
