// Package ent is the generated data layer; its schemas live in ent/schema.
package ent

//go:generate go run -mod=mod entc.go
