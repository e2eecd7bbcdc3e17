//go:build importwip

package exporter

// TEMPORARY: replaced when legacy ids and passwords land.

import (
	"context"

	"userbridge/ent"
	"userbridge/internal/interchange"
)

func legacyOf(ctx context.Context, c *ent.Client, users []*ent.User) (map[int]*interchange.LegacyIDs, error) {
	return map[int]*interchange.LegacyIDs{}, nil
}

func secretSpec(stored string) *interchange.Hash {
	return &interchange.Hash{Algorithm: "sha256", Value: stored, Encoding: "hex"}
}

func passwordSpec(stored string) *interchange.Hash {
	return &interchange.Hash{Algorithm: "argon2", Value: stored}
}
