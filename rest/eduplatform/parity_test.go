package eduplatform_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"userbridge/graph/gid"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// TestParity shows that what this dialect writes GraphQL reads, and the
// reverse: a user file uploaded here is listed by GraphQL with the same id,
// name, type, nature, scenario and time; names changed by updateViewer show
// in POST /oauth; a file uploaded by uploadUserFile is listed here.
func TestParity(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		var first int

		t.Run("upload here, GraphQL lists it", func(t *testing.T) {
			rec := e.upload(t, e.tok, part{"nature", "", "auto"}, part{"scenario_id", "", "s1"}, part{"file", "parity.JSON", "{}"})
			var out struct {
				UserFile struct {
					ID        int    `json:"id"`
					FileType  string `json:"file_type"`
					CreatedAt string `json:"created_at"`
				} `json:"user_file"`
			}
			decode(t, rec.Body.Bytes(), &out)
			first = out.UserFile.ID
			res := e.GraphQL(t, e.tok, `{ viewer { files(first: 10) { edges { node {
				id name fileType nature scenarioID createdAt url } } } } }`, nil)
			var data struct {
				Viewer struct {
					Files struct {
						Edges []struct {
							Node struct {
								ID, Name, FileType, Nature, URL string
								ScenarioID                      *string
								CreatedAt                       time.Time
							}
						}
					}
				}
			}
			res.Decode(t, &data)
			edges := data.Viewer.Files.Edges
			if len(res.Errors) > 0 || len(edges) != 1 {
				t.Fatalf("graphql: %s %v", res.Data, res.Errors)
			}
			n := edges[0].Node
			if n.ID != gid.Encode(out.UserFile.ID) || n.Name != "parity.JSON" || n.FileType != out.UserFile.FileType ||
				n.FileType != "json" || n.Nature != "AUTO" || n.ScenarioID == nil || *n.ScenarioID != "s1" ||
				n.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z") != out.UserFile.CreatedAt || !linkRe("parity.JSON").MatchString(n.URL) {
				t.Fatalf("graphql node %+v, dialect %+v", n, out.UserFile)
			}
		})

		t.Run("updateViewer in GraphQL, show here", func(t *testing.T) {
			res := e.GraphQL(t, e.tok, `mutation { updateViewer(input: {firstName: "Jean", lastName: "Dupont"}) { id } }`, nil)
			if len(res.Errors) > 0 {
				t.Fatalf("graphql: %v", res.Errors)
			}
			john := e.reload(t, e.john.ID)
			if john.FirstName != "Jean" || john.LastName != "Dupont" {
				t.Fatalf("stored %q %q", john.FirstName, john.LastName)
			}
			expect(t, e.call(t, "POST", "/oauth", e.tok), 200, `{"user":`+userJSON(john)+`}`)
		})

		t.Run("uploadUserFile in GraphQL, listed here", func(t *testing.T) {
			rec := e.Do(graphQLUpload(e.tok, "from-graphql.txt", "hello"))
			var res struct {
				Data struct{ UploadUserFile struct{ ID string } }
			}
			decode(t, rec.Body.Bytes(), &res)
			id, err := gid.Decode(res.Data.UploadUserFile.ID)
			if rec.Code != http.StatusOK || err != nil {
				t.Fatalf("graphql upload: %d %s", rec.Code, rec.Body.String())
			}
			list := e.call(t, "GET", "/user_files", e.tok)
			john := e.reload(t, e.john.ID)
			expect(t, withoutLinks(t, list, "parity.JSON", "from-graphql.txt"), 200, fmt.Sprintf(`{"user_files":[%s,%s]}`,
				userFileJSON(e.file(t, first), john), userFileJSON(e.file(t, id), john)))
		})
	})
}

// graphQLUpload is an uploadUserFile request by the GraphQL multipart
// request specification.
func graphQLUpload(token, name, content string) *http.Request {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("operations", `{"query": "mutation ($f: Upload!) { uploadUserFile(file: $f) { id } }", "variables": {"f": null}}`)
	_ = mw.WriteField("map", `{"0": ["variables.f"]}`)
	w, _ := mw.CreateFormFile("0", name)
	_, _ = w.Write([]byte(content))
	_ = mw.Close()
	req := apptest.Request("POST", "/graphql", token, b.Bytes())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}
