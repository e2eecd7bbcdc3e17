package graph_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// multipartOp builds a GraphQL multipart request (operations, map, file
// part "0" bound to variables.file).
func multipartOp(t *testing.T, token, query, name string, data []byte) *http.Request {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": map[string]any{"file": nil}})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", `{"0":["variables.file"]}`)
	fw, err := mw.CreateFormFile("0", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req := apptest.Request("POST", "/graphql", token, nil)
	req.Body = io.NopCloser(&body)
	req.ContentLength = int64(body.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

func decode(t *testing.T, b []byte) apptest.GraphQLResponse {
	t.Helper()
	var out apptest.GraphQLResponse
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return out
}

func countBlobs(t *testing.T, env *apptest.Env) int {
	t.Helper()
	n := 0
	it := env.Files.Bucket().List(nil)
	for {
		if _, err := it.Next(context.Background()); errors.Is(err, io.EOF) {
			return n
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
}

const uploadUserFile = `mutation($file: Upload!) { uploadUserFile(file: $file, nature: AUTO, scenarioId: "s1") { id name fileType size kind nature scenarioID url } }`

func TestFilesGraphQL(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url, func(c *app.Config) { c.MaxUploadBytes = 4096; c.SweepEvery = -1 })
		a := env.User(t, "a@example.com")
		b := env.User(t, "b@example.com")
		ta, tb := env.Token(t, a), env.Token(t, b)

		rec := env.Do(multipartOp(t, ta, uploadUserFile, "../Report.JSON", []byte(`{"a":1}`)))
		res := decode(t, rec.Body.Bytes())
		if rec.Code != 200 || len(res.Errors) != 0 {
			t.Fatalf("upload: %d %s", rec.Code, rec.Body)
		}
		var up struct {
			UploadUserFile struct {
				ID, Name, FileType, Kind, Nature, ScenarioID, URL string
				Size                                              int
			}
		}
		res.Decode(t, &up)
		f := up.UploadUserFile
		if f.Name != "Report.JSON" || f.FileType != "json" || f.Size != 7 || f.Kind != "USER_FILE" ||
			f.Nature != "AUTO" || f.ScenarioID != "s1" || !strings.HasSuffix(f.URL, "/Report.JSON") {
			t.Fatalf("file %+v", f)
		}
		dl := env.Do(apptest.Request("GET", strings.TrimPrefix(f.URL, apptest.PublicURL), "", nil))
		if dl.Code != 200 || dl.Body.String() != `{"a":1}` {
			t.Fatalf("download %d %q", dl.Code, dl.Body)
		}

		t.Run("viewer-files", func(t *testing.T) {
			r := env.GraphQL(t, ta, `{ viewer { files { totalCount edges { node { id } } } } }`, nil)
			if len(r.Errors) != 0 || !strings.Contains(string(r.Data), f.ID) {
				t.Fatalf("%+v %s", r.Errors, r.Data)
			}
		})
		t.Run("files-need-scope", func(t *testing.T) {
			application, _ := env.Application(t, "scoped", true)
			tok := env.Issue(t, accounts.IssueInput{UserEmail: a.Email, AppID: application.ClientID,
				Scopes: []string{"identity"}, Consent: true})
			r := env.GraphQL(t, tok, `{ viewer { files { totalCount } } }`, nil)
			if got := r.Codes(); len(got) != 1 || got[0] != "FORBIDDEN" {
				t.Fatalf("codes %v", got)
			}
		})
		t.Run("other-users-file-not-found", func(t *testing.T) {
			r := env.GraphQL(t, tb, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": f.ID})
			if got := r.Codes(); len(got) != 1 || got[0] != "NOT_FOUND" {
				t.Fatalf("node: codes %v", got)
			}
			r = env.GraphQL(t, tb, `mutation($id: ID!) { deleteUserFile(id: $id) }`, map[string]any{"id": f.ID})
			if got := r.Codes(); len(got) != 1 || got[0] != "NOT_FOUND" {
				t.Fatalf("delete: codes %v", got)
			}
		})
		t.Run("upload-413", func(t *testing.T) {
			before := countBlobs(t, env)
			// Over the file limit but inside the body's slack: the file rules refuse it.
			rec := env.Do(multipartOp(t, ta, uploadUserFile, "big.bin", make([]byte, 5000)))
			r := decode(t, rec.Body.Bytes())
			if rec.Code != 413 || len(r.Codes()) != 1 || r.Codes()[0] != "PAYLOAD_TOO_LARGE" {
				t.Fatalf("file over limit: %d %s", rec.Code, rec.Body)
			}
			// Over the body cap: refused while streaming, before any resolver.
			req := multipartOp(t, ta, uploadUserFile, "huge.bin", make([]byte, 2<<20))
			req.ContentLength = -1
			rec = env.Do(req)
			want := `{"errors":[{"extensions":{"code":"PAYLOAD_TOO_LARGE","reason":"too_large"},"message":"request body over the limit"}]}`
			if rec.Code != 413 || strings.TrimSpace(rec.Body.String()) != want {
				t.Fatalf("body over cap: %d %s", rec.Code, rec.Body)
			}
			if after := countBlobs(t, env); after != before {
				t.Fatalf("blobs %d -> %d", before, after)
			}
		})
		t.Run("avatar", func(t *testing.T) {
			var pngData bytes.Buffer
			_ = png.Encode(&pngData, image.NewRGBA(image.Rect(0, 0, 1, 1)))
			rec := env.Do(multipartOp(t, ta, `mutation($file: Upload!) { uploadTemporaryFile(file: $file) { id kind expiresAt } }`, "me.png", pngData.Bytes()))
			var tmp struct{ UploadTemporaryFile struct{ ID, Kind string } }
			decode(t, rec.Body.Bytes()).Decode(t, &tmp)
			if tmp.UploadTemporaryFile.Kind != "TEMPORARY" {
				t.Fatalf("temporary upload: %s", rec.Body)
			}
			r := env.GraphQL(t, ta, `mutation($id: ID) { setAvatar(temporaryFileId: $id) { avatar { id kind contentType } } }`,
				map[string]any{"id": tmp.UploadTemporaryFile.ID})
			if len(r.Errors) != 0 || !strings.Contains(string(r.Data), `"kind":"AVATAR"`) {
				t.Fatalf("adopt: %+v %s", r.Errors, r.Data)
			}
			r = env.GraphQL(t, ta, `mutation { setAvatar(image: "aGVsbG8=") { id } }`, nil)
			if got := r.Codes(); len(got) != 1 || got[0] != "BAD_USER_INPUT" {
				t.Fatalf("bad image: %v", got)
			}
			r = env.GraphQL(t, ta, `mutation { setAvatar { avatar { id } } }`, nil)
			if len(r.Errors) != 0 || !strings.Contains(string(r.Data), `"avatar":null`) {
				t.Fatalf("remove: %+v %s", r.Errors, r.Data)
			}
		})
		t.Run("signatures", func(t *testing.T) {
			var pngData bytes.Buffer
			_ = png.Encode(&pngData, image.NewRGBA(image.Rect(0, 0, 1, 1)))
			sig := fmt.Sprintf("data:image/png;base64,%s", b64(pngData.Bytes()))
			q := `mutation($u: ID!, $s: [SignatureInput!]!) { setExternalSignatures(userId: $u, application: "maarch", signatures: $s) { format externalApplication } }`
			r := env.GraphQL(t, ta, q, map[string]any{"u": gidOf(a.ID), "s": []any{map[string]any{"format": "png", "encodedSignature": sig}}})
			if len(r.Errors) != 0 {
				t.Fatalf("%+v", r.Errors)
			}
			r = env.GraphQL(t, ta, `{ viewer { signatures { format encodedSignature } } }`, nil)
			if len(r.Errors) != 0 || !strings.Contains(string(r.Data), b64(pngData.Bytes())) {
				t.Fatalf("%+v %s", r.Errors, r.Data)
			}
			r = env.GraphQL(t, tb, q, map[string]any{"u": gidOf(a.ID), "s": []any{}})
			if got := r.Codes(); len(got) != 1 || got[0] != "FORBIDDEN" {
				t.Fatalf("other user: %v", got)
			}
			r = env.GraphQL(t, ta, q, map[string]any{"u": gidOf(a.ID), "s": []any{map[string]any{"format": "png", "encodedSignature": "aGVsbG8="}}})
			if len(r.Errors) != 1 || r.Errors[0].Extensions["field"] != "signatures[0].encodedSignature" {
				t.Fatalf("not an image: %+v", r.Errors)
			}
		})
	})
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
