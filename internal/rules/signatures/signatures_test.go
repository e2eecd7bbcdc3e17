package signatures_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/png"
	"testing"

	"userbridge/ent/signature"
	"userbridge/ent/user"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/signatures"
	"userbridge/internal/store/db/dbtest"
)

func pngB64(t *testing.T, w, h int) string {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func TestReplaceExternal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		store := dbtest.Open(t, url)
		ctx := context.Background()
		acc := &accounts.Service{Client: store.Client}
		mk := func(email string, admin bool) *auth.Viewer {
			in := accounts.CreateInput{Email: email}
			if admin {
				in.Role = new(user.RoleAdmin)
			}
			u, err := acc.Bootstrap(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			return &auth.Viewer{User: u, Scopes: auth.AllScopes, Consented: true}
		}
		s := &signatures.Service{Client: store.Client}
		v, other, admin := mk("a@example.com", false), mk("b@example.com", false), mk("c@example.com", true)
		img := pngB64(t, 2, 2)
		count := func(app string) int {
			return store.Client.Signature.Query().Where(signature.OwnerID(v.User.ID), signature.ExternalApplication(app)).CountX(ctx)
		}

		got, err := s.ReplaceExternal(ctx, v, v.User.ID, "maarch", []signatures.Input{{"png", img}, {"png", "data:image/png;base64," + img}})
		if err != nil || len(got) != 2 {
			t.Fatalf("replace: %v %v", got, err)
		}
		if _, err := s.ReplaceExternal(ctx, admin, v.User.ID, "other-app", []signatures.Input{{"png", img}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReplaceExternal(ctx, v, v.User.ID, "maarch", []signatures.Input{{"PNG", img}}); err != nil {
			t.Fatal(err)
		}
		if count("maarch") != 1 || count("other-app") != 1 {
			t.Fatalf("after replace: maarch %d, other-app %d", count("maarch"), count("other-app"))
		}

		huge := base64.StdEncoding.EncodeToString(append(mustDecode(t, img), make([]byte, signatures.MaxBytes)...))
		cases := []struct {
			name, reason, field string
			sigs                []signatures.Input
		}{
			{"empty-encoded", signatures.ReasonEmptySignature, "signatures[1].encodedSignature", []signatures.Input{{"png", img}, {"png", ""}}},
			{"empty-format", signatures.ReasonEmptyFormat, "signatures[0].format", []signatures.Input{{" ", img}}},
			{"not-an-image", signatures.ReasonNotImage, "signatures[2].encodedSignature", []signatures.Input{{"png", img}, {"png", img}, {"png", "aGVsbG8="}}},
			{"too-large", signatures.ReasonTooLarge, "signatures[0].encodedSignature", []signatures.Input{{"png", huge}}},
		}
		for _, c := range cases {
			_, err := s.ReplaceExternal(ctx, v, v.User.ID, "maarch", c.sigs)
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid || e.Reason != c.reason || e.Field != c.field {
				t.Errorf("%s: got %#v, want %s on %s", c.name, e, c.reason, c.field)
			}
			if k, ok := signatures.Index(err); !ok || k != int(c.field[11]-'0') {
				t.Errorf("%s: Index = %d %v", c.name, k, ok)
			}
		}
		if count("maarch") != 1 {
			t.Fatal("a refused replacement changed the set")
		}

		_, err = s.ReplaceExternal(ctx, other, v.User.ID, "maarch", nil)
		if e := apperr.As(err); e == nil || e.Kind != apperr.Forbidden || e.Reason != "privilege" {
			t.Fatalf("another user: %v", err)
		}
		_, err = s.ReplaceExternal(ctx, admin, 1<<40, "maarch", nil)
		if !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
