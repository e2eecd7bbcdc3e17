package graph_test

import (
	"testing"

	"userbridge/ent/signature"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/imagedata/imagetest"
	"userbridge/internal/store/db/dbtest"
)

// Every image attack of the issue is refused at each GraphQL entry point:
// setExternalSignatures, setAvatar with an inline image, and setAvatar
// adopting an uploaded temporary file. Nothing is stored or adopted.
func TestGraphQLImageAttacksAreRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url)
		u := env.User(t, "img@example.com")
		tok := env.Token(t, u)
		wantBadInput := func(t *testing.T, r apptest.GraphQLResponse, reason string) {
			t.Helper()
			if len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_USER_INPUT" || r.Errors[0].Extensions["reason"] != reason {
				t.Fatalf("got %+v, want BAD_USER_INPUT %s", r.Errors, reason)
			}
		}
		sigReason := map[string]string{"image_too_large": "image_too_large", "not_an_image": "not_an_image",
			"empty_image": "not_an_image", "format_mismatch": "format_mismatch"}
		for _, a := range append(imagetest.Attacks(), imagetest.FormatMismatch()) {
			t.Run("setExternalSignatures "+a.Name, func(t *testing.T) {
				r := env.GraphQL(t, tok, `mutation($u: ID!, $s: [SignatureInput!]!) { setExternalSignatures(userId: $u, application: "attack", signatures: $s) { id } }`,
					map[string]any{"u": gidOf(u.ID), "s": []any{map[string]any{"format": a.Format, "encodedSignature": b64(a.Data)}}})
				wantBadInput(t, r, sigReason[a.Reason])
			})
		}
		for _, a := range imagetest.Attacks() {
			t.Run("setAvatar image "+a.Name, func(t *testing.T) {
				r := env.GraphQL(t, tok, `mutation($i: String) { setAvatar(image: $i) { id } }`, map[string]any{"i": b64(a.Data)})
				wantBadInput(t, r, a.Reason)
			})
			t.Run("setAvatar temporaryFileId "+a.Name, func(t *testing.T) {
				rec := env.Do(multipartOp(t, tok, `mutation($file: Upload!) { uploadTemporaryFile(file: $file) { id } }`, "a."+a.Format, a.Data))
				var tmp struct{ UploadTemporaryFile struct{ ID string } }
				decode(t, rec.Body.Bytes()).Decode(t, &tmp)
				r := env.GraphQL(t, tok, `mutation($id: ID) { setAvatar(temporaryFileId: $id) { id } }`, map[string]any{"id": tmp.UploadTemporaryFile.ID})
				wantBadInput(t, r, "invalid_avatar")
			})
		}
		if n := env.Store.Client.Signature.Query().Where(signature.OwnerID(u.ID)).CountX(t.Context()); n != 0 {
			t.Fatalf("%d signatures stored", n)
		}
		if got, _ := env.Store.Client.User.Get(t.Context(), u.ID); got.AvatarID != nil {
			t.Fatalf("avatar set: %d", *got.AvatarID)
		}
	})
}
