package app_test

import (
	"regexp"
	"strconv"
	"testing"

	"userbridge/app"
	"userbridge/files"
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
		strconv.Itoa(files.DefaultMaxUpload>>20) + " MiB": true,
		strconv.Itoa(jsonio.DefaultMaxBytes>>20) + " MiB": true,
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
