package main

// Order matters: ent writes graph/ent.graphqls, which gqlgen then reads.
//go:generate go generate ./ent
//go:generate go run github.com/99designs/gqlgen generate

