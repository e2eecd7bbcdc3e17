// Command gqlgen runs gqlgen's code generator on gqlgen.yml, with six
// changes to the executor it writes. The first two resolve a request in its
// own goroutine (see sequential.go for why):
//
//   - the sequentialFields plugin resolves the fields of every object but
//     the root types one after the other;
//   - lists are marshaled by graph.marshalListInOrder instead of
//     graphql.MarshalSliceConcurrently, which gqlgen offers no setting to
//     avoid: the call is renamed in the generated file (same signature);
//   - every object's marshaler starts with an empty deferred group instead
//     of graphql.NewDeferredGroup, which builds the object's path, a field
//     set and a map for @defer: the schema declares no @defer, so the group
//     stays empty, and building it was 5 % of the CPU of a page of 50 users
//     (bench/README.md). The generator fails if the generated code ever
//     handles a deferred field;
//   - a scalar field read straight off its struct is marshaled directly,
//     without a field context (plain.go);
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
	return rewrite(cfg.Exec.Filename)
}

// rewrites are the replacements made in the generated executor; each must
// match, or gqlgen has changed what it writes.
var rewrites = []struct{ from, to, why string }{
	{"graphql.MarshalSliceConcurrently(", "marshalListInOrder(", "how it marshals lists"},
	{"deferred := graphql.NewDeferredGroup(ctx)", "var deferred graphql.DeferredGroup // the schema has no @defer", "how it starts an object's deferred group"},
}

func rewrite(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if bytes.Contains(src, []byte("Deferrable")) {
		return fmt.Errorf("%s handles deferred fields: the empty deferred group no longer holds", path)
	}
	for _, r := range rewrites {
		if !bytes.Contains(src, []byte(r.from)) {
			return fmt.Errorf("%s: no %q to replace: has gqlgen changed %s?", path, r.from, r.why)
		}
		src = bytes.ReplaceAll(src, []byte(r.from), []byte(r.to))
	}
	out, n, err := marshalPlainScalars(string(src))
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", path, err)
	case n == 0:
		return fmt.Errorf("%s: no plain scalar field found: has gqlgen changed how it writes a field?", path)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}
