package maarch_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"userbridge/ent/signature"
	"userbridge/internal/app"
	"userbridge/internal/rules/imagedata/imagetest"
	"userbridge/internal/store/db/dbtest"
)

// Every image attack of the issue, sent as a Maarch signature, is refused
// in Maarch's shape and nothing is stored.
func TestExternalSignaturesImageAttacksAreRefused(t *testing.T) {
	texts := map[string]string{
		"image_too_large": "Max image size reached (4096x4096 pixels)",
		"not_an_image":    "Signature is not an image",
		"empty_image":     "Signature is not an image",
		"format_mismatch": "Body signatures[0] format is not the image's format",
	}
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		for _, a := range append(imagetest.Attacks(), imagetest.FormatMismatch()) {
			t.Run(a.Name, func(t *testing.T) {
				body := fmt.Sprintf(`{"externalApplication":"Attack","signatures":[{"format":%q,"encodedSignature":%q}]}`,
					a.Format, base64.StdEncoding.EncodeToString(a.Data))
				expect(t, e.call(t, "PUT", sigPath(e.member.ID), e.memberTok, body), http.StatusBadRequest, errJSON(texts[a.Reason]))
			})
		}
		if n := e.Store.Client.Signature.Query().Where(signature.ExternalApplication("Attack")).CountX(t.Context()); n != 0 {
			t.Fatalf("%d signatures stored", n)
		}
	})
}

// The same images as a Maarch picture: "Picture is not an image", and no
// user is created.
func TestCreatePictureImageAttacksAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		before := e.countUsers(t)
		for i, a := range imagetest.Attacks() {
			t.Run(a.Name, func(t *testing.T) {
				body := fmt.Sprintf(`{"login":"pic%d","email":"pic%d@example.com","firstname":"P","lastname":"Q","picture":%q}`,
					i, i, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(a.Data))
				expect(t, e.call(t, "POST", "/rest/users", e.adminTok, body), http.StatusBadRequest, errJSON("Picture is not an image"))
			})
		}
		if n := e.countUsers(t); n != before {
			t.Fatalf("%d users created", n-before)
		}
	})
}

// The storage attack in Maarch's shape: past the signature sets or
// bytes a user may keep, 400 with the bound in Maarch's wording, and
// nothing more is stored.
func TestExternalSignaturesPastTheUserBoundsAreRefused(t *testing.T) {
	img := base64.StdEncoding.EncodeToString(imagetest.NoisePNG(20, 20, 5)) // about 1.6 KB
	put := func(t *testing.T, e *env, app string) *httptest.ResponseRecorder {
		return e.call(t, "PUT", sigPath(e.member.ID), e.memberTok,
			fmt.Sprintf(`{"externalApplication":%q,"signatures":[{"format":"png","encodedSignature":%q}]}`, app, img))
	}
	for _, c := range []struct {
		name, refusal string
		config        func(*app.Config)
	}{
		{"sets", "Max signature sets reached (2 external applications per user)", func(c *app.Config) { c.SignatureSets = 2 }},
		{"bytes", "Max signatures size reached (4000 bytes per user)", func(c *app.Config) { c.SignatureBytes = 4000 }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, url string) {
				e := newEnv(t, url, c.config)
				expect(t, put(t, e, "A"), http.StatusNoContent, "")
				expect(t, put(t, e, "B"), http.StatusNoContent, "")
				expect(t, put(t, e, "C"), http.StatusBadRequest, errJSON(c.refusal))
				if n := e.Store.Client.Signature.Query().Where(signature.OwnerID(e.member.ID)).CountX(t.Context()); n != 2 {
					t.Fatalf("%d signatures stored", n)
				}
				expect(t, put(t, e, "A"), http.StatusNoContent, "") // replacing a kept set
			})
		})
	}
}
