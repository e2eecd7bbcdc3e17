package main

// Order matters: ent writes the data layer and graph/ent.graphqls, which
// gqlgen then reads; graph/sdl prints the schema gqlgen compiled in to
// graph/schema.graphql. The playground's assets are built by
// `go generate ./playground` (npm ci + esbuild).
//go:generate sh -c "cd ent && go run -mod=mod entc.go"
//go:generate go run ./graph/gqlgen
//go:generate go run ./graph/sdl
