package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"strings"
	"testing"

	"userbridge/graph"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// mapRequest builds a GraphQL multipart request whose one file (part "0",
// size bytes) fills paths.
func mapRequest(t *testing.T, query string, vars map[string]any, paths []string, size int) (*bytes.Buffer, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	ops, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	m, _ := json.Marshal(map[string][]string{"0": paths})
	_ = mw.WriteField("operations", string(ops))
	_ = mw.WriteField("map", string(m))
	fw, err := mw.CreateFormFile("0", "a.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(bytes.Repeat([]byte("x"), size))
	_ = mw.Close()
	return &body, mw.FormDataContentType()
}

// TestMultipartMapOneFileToManyPaths sends one file mapped to many
// variables. gqlgen's transport opened the spooled file once per path, so
// one file mapped to 50,000 paths held 50,000 descriptors (accept4: too
// many open files); a file may now fill at most MaxUploadPaths variables,
// each reading the one spooled file through its own reader.
func TestMultipartMapOneFileToManyPaths(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, dbURL string) {
		env := apptest.New(t, dbURL)
		tok := env.Token(t, env.Admin(t, "paths@example.com"))
		send := func(query string, vars map[string]any, paths []string, size int) (int, []byte) {
			body, ct := mapRequest(t, query, vars, paths, size)
			req := apptest.Request("POST", "/graphql", tok, nil)
			req.Body, req.ContentLength = io.NopCloser(body), int64(body.Len())
			req.Header.Set("Content-Type", ct)
			rec := env.Do(req)
			return rec.Code, rec.Body.Bytes()
		}

		t.Run("upload-400/one file mapped to 50,000 paths is refused unread", func(t *testing.T) {
			paths := make([]string, 50000)
			for i := range paths {
				paths[i] = "variables.f"
			}
			status, body := send(`mutation($f: Upload!) { uploadTemporaryFile(file: $f) { id } }`,
				map[string]any{"f": nil}, paths, 2<<20)
			res := decodeErrors(t, status, body)
			if status != 400 || res.errors[0].Code() != "BAD_USER_INPUT" || res.errors[0].Extensions["reason"] != "too_many_uploads" {
				t.Fatalf("%d %s", status, body)
			}
		})
		t.Run("upload-400/more files than the map allows", func(t *testing.T) {
			var b strings.Builder
			b.WriteString("{")
			for i := range graph.MaxUploadFiles + 1 {
				if i > 0 {
					b.WriteString(",")
				}
				fmt.Fprintf(&b, `"%d":["variables.f"]`, i)
			}
			b.WriteString("}")
			var body bytes.Buffer
			mw := multipart.NewWriter(&body)
			_ = mw.WriteField("operations", `{"query":"mutation($f: Upload!) { uploadTemporaryFile(file: $f) { id } }","variables":{"f":null}}`)
			_ = mw.WriteField("map", b.String())
			_ = mw.Close()
			req := apptest.Request("POST", "/graphql", tok, nil)
			req.Body, req.ContentLength = io.NopCloser(&body), int64(body.Len())
			req.Header.Set("Content-Type", mw.FormDataContentType())
			rec := env.Do(req)
			res := decodeErrors(t, rec.Code, rec.Body.Bytes())
			if rec.Code != 400 || res.errors[0].Extensions["reason"] != "too_many_uploads" {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
		})
		t.Run("upload-200/one spooled file filling several variables is read whole by each", func(t *testing.T) {
			var query strings.Builder
			query.WriteString("mutation(")
			vars := map[string]any{}
			var paths []string
			for i := range graph.MaxUploadPaths {
				fmt.Fprintf(&query, "$f%d: Upload! ", i)
				vars[fmt.Sprintf("f%d", i)] = nil
				paths = append(paths, fmt.Sprintf("variables.f%d", i))
			}
			query.WriteString(") {")
			for i := range graph.MaxUploadPaths {
				fmt.Fprintf(&query, " u%d: uploadUserFile(file: $f%d) { size }", i, i)
			}
			query.WriteString(" }")
			const size = 2 << 20 // over the in-memory threshold: spooled to disk
			status, body := send(query.String(), vars, paths, size)
			if status != 200 {
				t.Fatalf("%d %s", status, body)
			}
			var out struct {
				Data   map[string]struct{ Size int } `json:"data"`
				Errors []any                         `json:"errors"`
			}
			if err := json.Unmarshal(body, &out); err != nil || len(out.Errors) > 0 || len(out.Data) != graph.MaxUploadPaths {
				t.Fatalf("%v %s", err, body)
			}
			for alias, f := range out.Data {
				if f.Size != size {
					t.Fatalf("%s stored %d bytes, want %d", alias, f.Size, size)
				}
			}
		})
		t.Run("upload-400/one path more than a file may fill", func(t *testing.T) {
			paths := make([]string, graph.MaxUploadPaths+1)
			for i := range paths {
				paths[i] = "variables.f"
			}
			status, body := send(`mutation($f: Upload!) { uploadTemporaryFile(file: $f) { id } }`,
				map[string]any{"f": nil}, paths, 10)
			if status != 400 || !strings.Contains(string(body), "too_many_uploads") {
				t.Fatalf("%d %s", status, body)
			}
		})
		t.Run("upload-400/a path into a value that is not a list is refused, not a panic", func(t *testing.T) {
			status, body := send(`mutation($f: Upload!) { uploadTemporaryFile(file: $f) { id } }`,
				map[string]any{"f": "x"}, []string{"variables.f.3"}, 10)
			res := decodeErrors(t, status, body)
			if status != 400 || res.errors[0].Extensions["reason"] != "invalid_multipart" {
				t.Fatalf("%d %s", status, body)
			}
		})
	})
}
