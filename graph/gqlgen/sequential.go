package main

import "github.com/99designs/gqlgen/codegen"

// sequentialFields makes the generated executor resolve the fields of every
// object but the root types one after the other, in the request's
// goroutine.
//
// By default gqlgen starts a goroutine for each field that has a resolver
// or a method taking a context, on each object: for a page of 50 users
// asking for email, avatar and files that is 100 goroutines, each growing a
// fresh stack through gqlgen's deep call chain. Our fields never wait on
// anything but the database, and their data is eager-loaded by entgql's
// CollectFields before they run, so the goroutines bought nothing but stack
// growth (bench/README.md, fix 6).
//
// The root types keep gqlgen's behaviour (Mutation is already sequential,
// as the GraphQL specification requires; Query fields stay concurrent).
// Lists of objects are marshaled as gqlgen writes them
// (graphql.MarshalSliceConcurrently): it has no setting to marshal them in
// order.
type sequentialFields struct{}

func (sequentialFields) Name() string { return "sequentialfields" }

func (sequentialFields) GenerateCode(data *codegen.Data) error {
	for _, o := range data.Objects {
		if !o.Root {
			o.DisableConcurrency = true
		}
	}
	return nil
}
