package app_test

import (
	"regexp"
	"strconv"
	"testing"

	"userbridge/ent/schema"
	"userbridge/internal/app"
	"userbridge/internal/rules/files"
	"userbridge/rest/edufocus"
	"userbridge/rest/eduplatform"
	"userbridge/rest/jsonio"
	"userbridge/rest/maarch"
	"userbridge/rest/usersv1"
)

// TestDefaultsStatedOnce: the upload and JSON defaults are defined once
// (files.DefaultMaxUpload, jsonio.DefaultMaxBytes), app.Defaults takes
// them, and every figure "N MiB by default" an OpenAPI document prints is
// one of them, so a changed default fails here until the documents say it.
func TestDefaultsStatedOnce(t *testing.T) {
	d := app.Defaults()
	if d.MaxUploadBytes != files.DefaultMaxUpload || d.MaxJSONBytes != jsonio.DefaultMaxBytes {
		t.Fatalf("app.Defaults: upload %d, JSON %d", d.MaxUploadBytes, d.MaxJSONBytes)
	}
	known := map[string]bool{
		strconv.Itoa(files.DefaultMaxUpload>>20) + " MiB":     true,
		strconv.Itoa(jsonio.DefaultMaxBytes>>20) + " MiB":     true,
		strconv.Itoa(maarch.DefaultMaxBodyBytes>>20) + " MiB": true,
		strconv.Itoa(files.DefaultTempBytes>>20) + " MiB":     true,
	}
	figure := regexp.MustCompile(`(\d+ MiB)\)? by default|(\d+ MiB)\); the whole body`)
	for name, doc := range map[string][]byte{
		"edufocus": edufocus.OpenAPI, "eduplatform": eduplatform.OpenAPI,
		"maarch": maarch.OpenAPI, "usersv1": usersv1.OpenAPI,
	} {
		found := figure.FindAllSubmatch(doc, -1)
		if len(found) == 0 {
			t.Errorf("%s: states no default size", name)
		}
		for _, m := range found {
			f := string(m[1]) + string(m[2])
			if !known[f] {
				t.Errorf("%s: states %q, not a default of the service (%v)", name, f, known)
			}
		}
	}
}

// TestNameLimitStatedOnce: every name limit an OpenAPI document prints is
// the model's (schema.MaxNameLen, in characters).
func TestNameLimitStatedOnce(t *testing.T) {
	figure := regexp.MustCompile(`(?i)names? over (\d+) characters|at most (\d+) characters, no control`)
	want := strconv.Itoa(schema.MaxNameLen)
	seen := 0
	for name, doc := range map[string][]byte{
		"edufocus": edufocus.OpenAPI, "eduplatform": eduplatform.OpenAPI,
		"maarch": maarch.OpenAPI, "usersv1": usersv1.OpenAPI,
	} {
		for _, m := range figure.FindAllSubmatch(doc, -1) {
			seen++
			if got := string(m[1]) + string(m[2]); got != want {
				t.Errorf("%s: names limited to %s characters, the model to %s", name, got, want)
			}
		}
	}
	if seen < 3 {
		t.Errorf("%d name limits found in the documents, want the 3 of edufocus, maarch and users-v1", seen)
	}
}
