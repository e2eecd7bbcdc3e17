package maarch_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"

	"userbridge/ent"
	"userbridge/ent/signature"
	"userbridge/internal/rules/imagedata/imagetest"
	"userbridge/internal/store/db/dbtest"
)

func sigPath(id any) string { return fmt.Sprintf("/rest/users/%v/externalSignatures", id) }

func TestExternalSignatures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := context.Background()
		pic := pngBase64(t, 2, 2, false)
		stored := func(t *testing.T, u *ent.User, app string) []*ent.Signature {
			t.Helper()
			s, err := e.Store.Client.Signature.Query().
				Where(signature.OwnerID(u.ID), signature.ExternalApplication(app)).
				Order(ent.Asc(signature.FieldID)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		jpg := base64.StdEncoding.EncodeToString(imagetest.JPEG(3, 2))
		gif := base64.StdEncoding.EncodeToString(imagetest.GIF(2, 2, 1))
		two := fmt.Sprintf(`{"externalApplication":"MaarchCourrier","signatures":[{"format":"png","encodedSignature":%q},{"format":"jpeg","encodedSignature":"data:image/jpeg;base64,%s"}]}`, pic, jpg)
		one := fmt.Sprintf(`{"externalApplication":"MaarchCourrier","signatures":[{"format":" gif ","encodedSignature":%q}]}`, gif)

		t.Run("replace-204", func(t *testing.T) {
			expect(t, e.call(t, "PUT", sigPath(e.member.ID), e.memberTok, two), http.StatusNoContent, "")
			if got := stored(t, e.member, "MaarchCourrier"); len(got) != 2 || got[0].Format != "png" || got[1].Format != "jpeg" {
				t.Fatalf("stored %v", got)
			}
			other := fmt.Sprintf(`{"externalApplication":"Other","signatures":[{"format":"png","encodedSignature":%q}]}`, pic)
			expect(t, e.call(t, "PUT", sigPath(e.member.ID), e.managerTok, other), http.StatusNoContent, "")
			// The whole set of one application is replaced, the others stay.
			expect(t, e.call(t, "PUT", sigPath(e.member.ID), e.adminTok, one), http.StatusNoContent, "")
			if got := stored(t, e.member, "MaarchCourrier"); len(got) != 1 || got[0].Format != "gif" {
				t.Fatalf("stored %v", got)
			}
			if got := stored(t, e.member, "Other"); len(got) != 1 {
				t.Fatalf("other application's signatures: %v", got)
			}
		})

		t.Run("replace-403", func(t *testing.T) {
			expect(t, e.call(t, "PUT", sigPath(e.admin.ID), e.memberTok, two), http.StatusForbidden, errJSON("Privilege forbidden"))
			// A non-integer id is nobody's own: privilege first.
			expect(t, e.call(t, "PUT", sigPath("abc"), e.memberTok, two), http.StatusForbidden, errJSON("Privilege forbidden"))
			// An unknown id, to a non-manager, is someone else.
			expect(t, e.call(t, "PUT", sigPath(999999), e.memberTok, two), http.StatusForbidden, errJSON("Privilege forbidden"))
		})
		t.Run("replace-401", func(t *testing.T) {
			expect(t, e.call(t, "PUT", sigPath(e.member.ID), "", two), http.StatusUnauthorized, errJSON("Authentication Failed"))
		})

		t.Run("replace-400", func(t *testing.T) {
			big := pngBase64(t, 700, 700, true) // over 1 MiB decoded
			sig := func(format, encoded string) string {
				return fmt.Sprintf(`{"format":%s,"encodedSignature":%s}`, format, encoded)
			}
			body := func(sigs ...string) string {
				s := `{"externalApplication":"App","signatures":[`
				for i, x := range sigs {
					if i > 0 {
						s += ","
					}
					s += x
				}
				return s + "]}"
			}
			good := sig(`"png"`, fmt.Sprintf("%q", pic))
			cases := []struct{ name, path, body, want string }{
				{"route id not an integer", sigPath("abc"), two, errJSON("Route id is not an integer")},
				{"route id with a fraction", sigPath("1.5"), two, errJSON("Route id is not an integer")},
				{"route id overflowing", sigPath("99999999999999999999999"), two, errJSON("Route id is not an integer")},
				{"route id before the user", sigPath("x"), "", errJSON("Route id is not an integer")},
				{"user does not exist", sigPath(999999), two, errJSON("User does not exist")},
				{"user before the body", sigPath(999999), "", errJSON("User does not exist")},
				{"no body", sigPath(e.member.ID), "", errJSON("Body signature is empty or not an array")},
				{"signatures missing", sigPath(e.member.ID), `{"externalApplication":"App"}`, errJSON("Body signature is empty or not an array")},
				{"signatures empty", sigPath(e.member.ID), `{"externalApplication":"App","signatures":[]}`, errJSON("Body signature is empty or not an array")},
				{"signatures not an array", sigPath(e.member.ID), `{"externalApplication":"App","signatures":"x"}`, errJSON("Body signature is empty or not an array")},
				{"signatures an object", sigPath(e.member.ID), `{"externalApplication":"App","signatures":{"a":1}}`, errJSON("Body signature is empty or not an array")},
				{"signatures before application", sigPath(e.member.ID), `{"signatures":null}`, errJSON("Body signature is empty or not an array")},
				{"application missing", sigPath(e.member.ID), `{"signatures":[` + good + `]}`, errJSON("Body externalApplication is empty or not a string")},
				{"application not a string", sigPath(e.member.ID), `{"externalApplication":5,"signatures":[` + good + `]}`, errJSON("Body externalApplication is empty or not a string")},
				{"application blank", sigPath(e.member.ID), `{"externalApplication":" ","signatures":[` + good + `]}`, errJSON("Body externalApplication is empty or not a string")},
				{"application before signature 0", sigPath(e.member.ID), `{"externalApplication":"","signatures":[{}]}`, errJSON("Body externalApplication is empty or not a string")},
				{"encodedSignature missing", sigPath(e.member.ID), body(`{"format":"png"}`), errJSON("Body signatures[0] encodedSignature is empty")},
				{"encodedSignature empty at index 1", sigPath(e.member.ID), body(good, sig(`"png"`, `""`)), errJSON("Body signatures[1] encodedSignature is empty")},
				{"encodedSignature zero", sigPath(e.member.ID), body(sig(`"png"`, `"0"`)), errJSON("Body signatures[0] encodedSignature is empty")},
				{"element not an object", sigPath(e.member.ID), body(`"x"`), errJSON("Body signatures[0] encodedSignature is empty")},
				{"encodedSignature before format", sigPath(e.member.ID), body(sig(`5`, `null`)), errJSON("Body signatures[0] encodedSignature is empty")},
				{"format missing", sigPath(e.member.ID), body(`{"encodedSignature":"abc"}`), errJSON("Body signatures[0] format is empty or not a string")},
				{"format not a string", sigPath(e.member.ID), body(good, sig(`1`, `"abc"`)), errJSON("Body signatures[1] format is empty or not a string")},
				{"format before image", sigPath(e.member.ID), body(sig(`""`, `"abc"`)), errJSON("Body signatures[0] format is empty or not a string")},
				{"not an image", sigPath(e.member.ID), body(sig(`"png"`, `"aGVsbG8="`)), errJSON("Signature is not an image")},
				{"not a string is not an image", sigPath(e.member.ID), body(sig(`"png"`, `123`)), errJSON("Signature is not an image")},
				{"index 0 fails before index 1", sigPath(e.member.ID), body(sig(`"png"`, `"aGVsbG8="`), `{}`), errJSON("Signature is not an image")},
				{"too large", sigPath(e.member.ID), body(good, sig(`"png"`, fmt.Sprintf("%q", big))), errJSON("Max file size reached (1 MB)")},
			}
			before := stored(t, e.member, "MaarchCourrier")
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					expect(t, e.call(t, "PUT", c.path, e.adminTok, c.body), http.StatusBadRequest, c.want)
				})
			}
			// Refused requests replaced nothing.
			after := stored(t, e.member, "MaarchCourrier")
			if len(after) != len(before) || after[0].ID != before[0].ID {
				t.Fatalf("signatures changed: %v -> %v", before, after)
			}
			if n, _ := e.Store.Client.Signature.Query().Where(signature.ExternalApplication("App")).Count(ctx); n != 0 {
				t.Fatalf("%d signatures stored for App", n)
			}
		})
	})
}
