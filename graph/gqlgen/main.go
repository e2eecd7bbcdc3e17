// Command gqlgen runs gqlgen's code generator on gqlgen.yml with one
// plugin, sequentialFields (sequential.go), which sets the exported
// DisableConcurrency of the objects it generates. The generated executor is
// written by gqlgen alone: nothing edits it afterwards.
//
// `go generate` at the module root runs it; it takes no arguments.
package main

import (
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
	return api.Generate(cfg, api.AddPlugin(sequentialFields{}))
}
