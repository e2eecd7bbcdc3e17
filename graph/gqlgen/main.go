// Command gqlgen runs gqlgen's code generator on gqlgen.yml, with two
// changes to the executor it writes, both to resolve a request in its own
// goroutine (see sequential.go for why):
//
//   - the sequentialFields plugin resolves the fields of every object but
//     the root types one after the other;
//   - lists are marshaled by graph.marshalListInOrder instead of
//     graphql.MarshalSliceConcurrently, which gqlgen offers no setting to
//     avoid: the call is renamed in the generated file (same signature).
//
// `go generate` at the module root runs it; it takes no arguments.
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen/config"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.LoadConfig("gqlgen.yml")
	if err != nil {
		return err
	}
	if err := api.Generate(cfg, api.AddPlugin(sequentialFields{})); err != nil {
		return err
	}
	return marshalListsInOrder(cfg.Exec.Filename)
}

func marshalListsInOrder(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	from, to := []byte("graphql.MarshalSliceConcurrently("), []byte("marshalListInOrder(")
	if !bytes.Contains(src, from) {
		return fmt.Errorf("%s: no %s call to replace: has gqlgen changed how it marshals lists?", path, from)
	}
	return os.WriteFile(path, bytes.ReplaceAll(src, from, to), 0o644)
}
