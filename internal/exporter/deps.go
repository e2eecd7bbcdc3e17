package exporter

import (
	"context"

	"userbridge/ent"
	"userbridge/internal/interchange"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/rules/passwords"
)

// legacyOf reads the ids a page of users shows in each dialect, in one
// query: an import elsewhere gives every person the ids its clients know.
func legacyOf(ctx context.Context, c *ent.Client, users []*ent.User) (map[int]*interchange.LegacyIDs, error) {
	all, err := legacyids.OfUsers(ctx, c, users)
	if err != nil {
		return nil, err
	}
	out := make(map[int]*interchange.LegacyIDs, len(all))
	for id, ids := range all {
		edu, maarch := int64(ids.Eduplatform), int64(ids.Maarch)
		focus, v1 := ids.Edufocus, ids.Usersv1
		out[id] = &interchange.LegacyIDs{Eduplatform: &edu, Edufocus: &focus, Usersv1: &v1, Maarch: &maarch}
	}
	return out, nil
}

// secretSpec and passwordSpec write a stored hash in the interchange form.
func secretSpec(stored string) *interchange.Hash { return hashOf(stored) }

func passwordSpec(stored string) *interchange.Hash { return hashOf(stored) }

func hashOf(stored string) *interchange.Hash {
	s := passwords.SpecOf(stored)
	if s == nil {
		return nil
	}
	h := interchange.Hash(*s)
	return &h
}
