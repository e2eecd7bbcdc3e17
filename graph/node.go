package graph

import (
	"context"

	"userbridge/apperr"
	"userbridge/auth"
	"userbridge/ent"
	"userbridge/policy"
)

// node loads any entity by global id and shows it only if the viewer may
// see it; anything else is NOT_FOUND.
func (r *Resolver) node(ctx context.Context, v *auth.Viewer, id int) (ent.Noder, error) {
	if err := policy.Authenticated(v); err != nil {
		return nil, err
	}
	n, err := r.Client.Noder(ctx, id)
	if err != nil {
		return nil, apperr.ErrNotFound
	}
	if err := visible(v, n); err != nil {
		return nil, err
	}
	return n, nil
}

// nodes is node for a list; invisible entries are null with an error each.
func (r *Resolver) nodes(ctx context.Context, v *auth.Viewer, ids []int) ([]ent.Noder, error) {
	if err := policy.Authenticated(v); err != nil {
		return nil, err
	}
	ns, err := r.Client.Noders(ctx, ids)
	if err != nil {
		return nil, apperr.Classify(err)
	}
	for i, n := range ns {
		if n != nil && visible(v, n) != nil {
			ns[i] = nil
		}
	}
	return ns, nil
}

func visible(v *auth.Viewer, n ent.Noder) error {
	switch n := n.(type) {
	case *ent.User:
		return policy.ReadUser(v, n)
	case *ent.File:
		return policy.ReadOwned(v, n.OwnerID)
	case *ent.Signature:
		return policy.ReadOwned(v, n.OwnerID)
	case *ent.Credential:
		return policy.ReadCredential(v, n)
	}
	return apperr.ErrNotFound
}
