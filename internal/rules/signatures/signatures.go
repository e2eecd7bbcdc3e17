// Package signatures holds the rules for users' signature images: the
// atomic replacement of the set a user keeps for one external application
// (Maarch externalSignatures, GraphQL setExternalSignatures). Each function checks policy, validates, writes in one transaction
// and returns apperr kinds.
package signatures

import (
	"context"
	"fmt"
	"strings"
	"time"

	"userbridge/ent"
	"userbridge/ent/schema"
	"userbridge/ent/signature"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// MaxBytes bounds one decoded signature image (1 MB, 1,048,576 bytes).
const MaxBytes = schema.MaxSignatureBytes

// Service is the signature rule set over one store.
type Service struct {
	Client  *ent.Client
	Dialect string // the store's: "postgres" locks the owner's row
	// MaxSets and MaxUserBytes bound the signature sets and their bytes
	// one user keeps; 0 takes DefaultMaxSets, DefaultMaxUserBytes.
	MaxSets      int
	MaxUserBytes int64
	Now          func() time.Time
}

// Input is one signature as a client sends it: a format ("png", "jpeg")
// and the image as base64 or a data:image URI. A dialect that receives a
// format that is not a string passes "" (reason ReasonEmptyFormat).
type Input struct {
	Format  string
	Encoded string
}

// MayReplace is policy.ManageSignatures: whether the viewer could replace
// the signatures of userID at all, for transports that refuse before
// looking the user up or reading the body (Maarch).
func (s *Service) MayReplace(v *auth.Viewer, userID int) error {
	return policy.ManageSignatures(v, userID)
}

// ReplaceExternal replaces the signatures userID keeps for the external
// application with sigs, as one step: the old set is deleted and the new
// one inserted in one transaction, or nothing changes. The checks run in
// the order Maarch documents: privilege, the user, then each signature
// (see Validate).
// Returns forbidden per policy.ManageSignatures (before the user is looked
// up) and policy.SignaturesOf (after: an administrator's need an
// administrator), not found when the user does not exist, invalid (see
// Validate, and reasons empty_application, signature_sets_limit and
// signature_bytes_limit past the per-user bounds, checked with the user
// held so that concurrent replacements cannot pass them together).
func (s *Service) ReplaceExternal(ctx context.Context, v *auth.Viewer, userID int, application string, sigs []Input) ([]*ent.Signature, error) {
	if err := policy.ManageSignatures(v, userID); err != nil {
		return nil, err
	}
	target, err := s.Client.User.Get(ctx, userID)
	if err != nil {
		return nil, apperr.Classify(err)
	}
	if err := policy.SignaturesOf(v, target); err != nil {
		return nil, err
	}
	if strings.TrimSpace(application) == "" {
		return nil, apperr.Invalidf("application", ReasonEmptyApplication, "the external application is empty")
	}
	decoded, err := Validate(sigs)
	if err != nil {
		return nil, err
	}
	tx, err := s.Client.Tx(ctx)
	if err != nil {
		return nil, apperr.Wrap(err, "starting transaction")
	}
	out, err := s.replace(ctx, tx, userID, application, sigs, decoded)
	if err != nil {
		_ = tx.Rollback()
		return nil, apperr.Classify(err)
	}
	if err := tx.Commit(); err != nil {
		return nil, apperr.Classify(fmt.Errorf("committing: %w", err))
	}
	return out, nil
}

func (s *Service) replace(ctx context.Context, tx *ent.Tx, userID int, app string, sigs []Input, data [][]byte) ([]*ent.Signature, error) {
	if err := s.lockOwner(ctx, tx, userID); err != nil {
		return nil, err
	}
	var n int64
	for _, d := range data {
		n += int64(len(d))
	}
	if err := s.withinBounds(ctx, tx, userID, app, len(sigs), n); err != nil {
		return nil, err
	}
	if _, err := tx.Signature.Delete().
		Where(signature.OwnerID(userID), signature.ExternalApplication(app)).Exec(ctx); err != nil {
		return nil, err
	}
	if len(sigs) == 0 {
		return nil, nil
	}
	now := s.now()
	creates := make([]*ent.SignatureCreate, len(sigs))
	for i, in := range sigs {
		creates[i] = tx.Signature.Create().SetOwnerID(userID).SetExternalApplication(app).
			SetFormat(strings.TrimSpace(in.Format)).SetData(data[i]).SetCreatedAt(now)
	}
	return tx.Signature.CreateBulk(creates...).Save(ctx)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}
