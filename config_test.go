package main

import (
	"flag"
	"testing"
)

func TestGraphQLLimitFlags(t *testing.T) {
	t.Run("flags set every GraphQL limit", func(t *testing.T) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		resolve := serverFlags(fs)
		if err := fs.Parse([]string{"--graphql-selections=300", "--graphql-repeats=7", "--graphql-nodes=9",
			"--graphql-introspection-depth=16", "--graphql-complexity=500", "--graphql-list-size=25"}); err != nil {
			t.Fatal(err)
		}
		cfg, err := resolve()
		if err != nil {
			t.Fatal(err)
		}
		l := cfg.GraphQL.Limits
		if l.Selections != 300 || l.Repeats != 7 || l.NodesIDs != 9 || l.IntrospectionDepth != 16 ||
			cfg.GraphQL.Complexity != 500 || cfg.GraphQL.ListSize != 25 {
			t.Fatalf("%+v complexity=%d list=%d", l, cfg.GraphQL.Complexity, cfg.GraphQL.ListSize)
		}
	})
	t.Run("environment sets them when no flag does", func(t *testing.T) {
		t.Setenv("GRAPHQL_MAX_SELECTIONS", "123")
		resolve := serverFlags(flag.NewFlagSet("serve", flag.ContinueOnError))
		cfg, err := resolve()
		if err != nil || cfg.GraphQL.Limits.Selections != 123 || cfg.GraphQL.Limits.Repeats != 20 {
			t.Fatalf("%v %+v", err, cfg.GraphQL.Limits)
		}
	})
	t.Run("a value that is not a number is refused", func(t *testing.T) {
		t.Setenv("GRAPHQL_MAX_NODES", "lots")
		if _, err := serverFlags(flag.NewFlagSet("serve", flag.ContinueOnError))(); err == nil {
			t.Fatal("accepted")
		}
	})
}
