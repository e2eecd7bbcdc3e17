// Command sdl writes the public GraphQL schema, as the service serves it, to
// graph/schema.graphql for code generators and reviewers. `go generate` at
// the module root runs it after graph/gqlgen; it takes no arguments.
package main

import (
	"fmt"
	"os"

	"userbridge/graph"
)

func main() {
	if err := os.WriteFile("graph/schema.graphql", []byte(graph.SDLFile()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "sdl:", err)
		os.Exit(1)
	}
}
