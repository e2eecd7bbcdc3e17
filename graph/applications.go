package graph

import (
	"userbridge/graph/model"
	"userbridge/internal/rules/accounts"
)

// appInput converts GraphQL's ApplicationInput for accounts.
func appInput(in model.ApplicationInput) accounts.AppInput {
	out := accounts.AppInput{Name: in.Name, RedirectURIs: in.RedirectUris, Scopes: in.Scopes, Permissions: in.Permissions}
	if in.Verified != nil {
		out.Verified = *in.Verified
	}
	if in.Public != nil {
		out.Public = *in.Public
	}
	return out
}
