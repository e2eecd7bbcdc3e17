package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"userbridge/ent"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// Fetching by id (node, nodes, user) answers an object the viewer may not
// see exactly as an id that does not exist: NOT_FOUND, message "not found",
// no id and no detail, so that ids tell nothing (policy.ReadNode).

// node loads any entity by global id and shows it only if the viewer may
// see it.
func (r *Resolver) node(ctx context.Context, v *auth.Viewer, id int) (ent.Noder, error) {
	if err := policy.Authenticated(v); err != nil {
		return nil, err
	}
	n, err := r.Client.Noder(ctx, id)
	restore := func() {}
	if err == nil {
		n, restore, err = r.withOwner(ctx, n)
	}
	if err != nil {
		return nil, notFoundOr(err)
	}
	err = policy.ReadNode(v, n)
	restore()
	if err != nil {
		return nil, err
	}
	return n, nil
}

// user is node for users only: another entity's id is not found too.
func (r *Resolver) user(ctx context.Context, v *auth.Viewer, id int) (*ent.User, error) {
	if err := policy.Authenticated(v); err != nil {
		return nil, err
	}
	u, err := r.Client.User.Get(ctx, id)
	if err != nil {
		return nil, notFoundOr(err)
	}
	if err := policy.ReadNode(v, u); err != nil {
		return nil, err
	}
	return u, nil
}

// nodes is node for a list: each entry it may not show is null with its
// own error at its index.
func (r *Resolver) nodes(ctx context.Context, v *auth.Viewer, ids []int) ([]ent.Noder, error) {
	if err := policy.Authenticated(v); err != nil {
		return nil, err
	}
	// entgql's Noders reports a missing id itself, with the raw internal
	// id in its message; it reports into a response of its own here, and
	// only a failure other than not found is kept.
	var failed error
	quiet := graphql.WithResponseContext(ctx, func(_ context.Context, err error) *gqlerror.Error {
		if !isNotFound(err) && failed == nil {
			failed = err
		}
		return nil
	}, graphql.DefaultRecover)
	ns, err := r.Client.Noders(quiet, ids)
	if err == nil {
		err = failed
	}
	if err != nil && isNotFound(err) && len(ids) == 1 {
		// Noders fails the whole list for one missing id (it calls Noder);
		// inside a list that id is a null entry like a hidden one.
		ns, err = []ent.Noder{nil}, nil
	}
	if err != nil {
		return nil, notFoundOr(err)
	}
	for i, n := range ns {
		var err error = apperr.ErrNotFound
		if n != nil {
			var restore func()
			if n, restore, err = r.withOwner(ctx, n); err != nil {
				return nil, notFoundOr(err)
			}
			ns[i] = n
			err = policy.ReadNode(v, n)
			restore()
		}
		if err != nil {
			ns[i] = nil
			graphql.AddError(graphql.WithPathContext(ctx, graphql.NewPathWithIndex(i)), err)
		}
	}
	return ns, nil
}

// withOwner returns n with what policy.ReadNode needs of its owner: entgql
// loads only the columns the query selects, and a credential's user_id is
// not in the schema, so a credential is read again whole; a file's or
// signature's owner is loaded (its role: an administrator's are hidden
// from managers) when a manager other than an administrator asks for
// another user's.
//
// That owner holds only its id and role: restore, called once
// policy.ReadNode has decided, puts back the owner edge n had before (none,
// or the one the query's field collection loaded), so that the File.owner
// or Signature.owner the query shows is read whole and not answered from
// the policy's partial user (its timestamps zero, its e-mail empty).
func (r *Resolver) withOwner(ctx context.Context, n ent.Noder) (ent.Noder, func(), error) {
	v := auth.FromContext(ctx)
	other := func(ownerID int) bool {
		return ownerID != v.UserID() && policy.OwnerRoleMatters(v)
	}
	switch n := n.(type) {
	case *ent.Credential:
		if n.UserID == nil {
			c, err := r.Client.Credential.Get(ctx, n.ID)
			return c, func() {}, err
		}
	case *ent.File: // owner_id is read only when the query selects a field that needs it
		if n.OwnerID == 0 || other(n.OwnerID) {
			return n, restoreOwner(&n.Edges.Owner), loadOwner(ctx, n.QueryOwner(), &n.OwnerID, &n.Edges.Owner)
		}
	case *ent.Signature:
		if n.OwnerID == 0 || other(n.OwnerID) {
			return n, restoreOwner(&n.Edges.Owner), loadOwner(ctx, n.QueryOwner(), &n.OwnerID, &n.Edges.Owner)
		}
	}
	return n, func() {}, nil
}

// restoreOwner returns a func that puts the owner edge back as it is now.
func restoreOwner(edge **ent.User) func() {
	before := *edge
	return func() { *edge = before }
}

// loadOwner reads what policy needs of an object's owner (its id and role)
// into the object's owner id and owner edge.
func loadOwner(ctx context.Context, q *ent.UserQuery, id *int, edge **ent.User) error {
	owner, err := q.Select(user.FieldID, user.FieldRole).Only(ctx)
	if err == nil {
		*id, *edge = owner.ID, owner
	}
	return err
}

// owner loads the id and role of a user, what policy needs of an owner.
func (r *Resolver) owner(ctx context.Context, id int) (*ent.User, error) {
	return r.Client.User.Query().Where(user.ID(id)).Select(user.FieldID, user.FieldRole).Only(ctx)
}

// notFoundOr answers not found for any kind of missing object (ent's, or
// entgql's for an id of no known type) and an internal error, without
// detail to the client, otherwise.
func notFoundOr(err error) error {
	if isNotFound(err) {
		return apperr.ErrNotFound
	}
	return apperr.Wrap(err, "loading by id")
}

func isNotFound(err error) bool {
	if ent.IsNotFound(err) {
		return true
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		var gerr *gqlerror.Error
		if errors.As(e, &gerr) && gerr.Extensions["code"] == "NOT_FOUND" {
			return true
		}
	}
	return false
}

// withRole returns u with its role when policy needs it to decide on what
// u owns (policy.OwnerRoleMatters). A page of users selects it then
// (user_columns.go); a user loaded otherwise without it is read again.
func (r *Resolver) withRole(ctx context.Context, u *ent.User) (*ent.User, error) {
	v := auth.FromContext(ctx)
	if u.Role != "" || v.UserID() == u.ID || !policy.OwnerRoleMatters(v) {
		return u, nil
	}
	owner, err := r.owner(ctx, u.ID)
	return owner, apperr.Classify(err)
}
