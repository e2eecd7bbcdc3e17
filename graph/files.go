package graph

import (
	"cmp"
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"userbridge/ent"
	"userbridge/graph/model"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/files"
	"userbridge/internal/rules/imagedata"
	"userbridge/internal/rules/policy"
	"userbridge/internal/rules/signatures"
)

// upload hands a multipart file to the file rules. gqlgen has already
// spooled it (to a temporary file past MaxMemory), so it is read, not held.
func upload(f graphql.Upload) files.Upload {
	return files.Upload{Name: f.Filename, Body: f.File}
}

// setAvatar adopts a temporary file, stores an inline image, or, given
// neither, removes the viewer's avatar, then returns the viewer.
func (r *Resolver) setAvatar(ctx context.Context, v *auth.Viewer, tempID *int, image *string) (*ent.User, error) {
	if err := policy.HasUser(v); err != nil {
		return nil, err
	}
	switch {
	case tempID != nil && image != nil:
		return nil, apperr.Invalidf("avatar", "invalid_avatar", "give temporaryFileId or image, not both")
	case image != nil:
		img, err := imagedata.Decode(*image, imagedata.MaxBytes)
		if err != nil {
			return nil, err
		}
		if err := r.Files.SetAvatarImage(ctx, v, v.User.ID, img); err != nil {
			return nil, err
		}
	default:
		if _, err := r.Files.SetAvatar(ctx, v, v.User.ID, tempID); err != nil {
			return nil, err
		}
	}
	u, err := r.Client.User.Get(ctx, v.User.ID)
	return u, apperr.Classify(err)
}

func signatureInputs(in []*model.SignatureInput) []signatures.Input {
	out := make([]signatures.Input, len(in))
	for i, s := range in {
		out[i] = signatures.Input{Format: s.Format, Encoded: s.EncodedSignature}
	}
	return out
}

// signaturesByID puts a user's signatures in the order of their ids, the
// order they were stored in. The statement that loads them has no ORDER
// BY of its own: loaded by ent, edge by edge, they came in the order of
// the (owner_id, external_application) index on SQLite and of the heap on
// PostgreSQL; planned, by id (docs/graphql-pages.md, "Order").
// TestDifferentialPlannedAndEdgeByEdge found the difference. Sorted in
// place: the slice is the user's loaded edge, which this order suits.
func signaturesByID(sigs []*ent.Signature) []*ent.Signature {
	byID := func(a, b *ent.Signature) int { return cmp.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(sigs, byID) {
		slices.SortFunc(sigs, byID)
	}
	return sigs
}
