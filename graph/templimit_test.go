package graph_test

import (
	"testing"

	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// TestUploadTemporaryFileLimit: past TEMPORARY_FILES_PER_USER pending
// temporary files, uploadTemporaryFile is RATE_LIMITED with reason
// temporary_files_limit.
func TestUploadTemporaryFileLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		env := apptest.New(t, url, func(c *app.Config) { c.TemporaryFiles = 1 })
		tok := env.Token(t, env.User(t, "a@example.com"))
		const op = `mutation($file: Upload!) { uploadTemporaryFile(file: $file) { id } }`
		if r := decode(t, env.Do(multipartOp(t, tok, op, "a.txt", []byte("a"))).Body.Bytes()); len(r.Errors) != 0 {
			t.Fatalf("first: %+v", r.Errors)
		}
		r := decode(t, env.Do(multipartOp(t, tok, op, "b.txt", []byte("b"))).Body.Bytes())
		if len(r.Errors) != 1 || r.Errors[0].Code() != "RATE_LIMITED" || r.Errors[0].Extensions["reason"] != "temporary_files_limit" {
			t.Fatalf("second: %+v", r.Errors)
		}
	})
}
