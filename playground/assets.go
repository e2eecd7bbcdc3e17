package playground

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"time"
)

// asset is one embedded bundle file with the validator that lets browsers
// cache it for a year: the page links it as name?v=hash, so a rebuilt bundle
// gets a new URL.
type asset struct {
	body        []byte
	contentType string
	hash        string
}

// assetSet is the bundle by file name.
type assetSet map[string]asset

// assetTypes lists the files the page needs and their Content-Type; naming
// them explicitly keeps anything else in dist/ unreachable.
var assetTypes = map[string]string{
	"graphiql.js":  "text/javascript; charset=utf-8",
	"graphiql.css": "text/css; charset=utf-8",
}

// mustLoadAssets reads the bundle from fsys. A missing file is a build
// mistake (dist/ not generated), so it panics at startup rather than serving
// a blank page.
func mustLoadAssets(fsys fs.FS) assetSet {
	set := assetSet{}
	for name, contentType := range assetTypes {
		body, err := fs.ReadFile(fsys, "dist/"+name)
		if err != nil {
			panic("playground: bundle missing, run `go generate ./playground`: " + err.Error())
		}
		sum := sha256.Sum256(body)
		set[name] = asset{body: body, contentType: contentType, hash: hex.EncodeToString(sum[:8])}
	}
	return set
}

// url returns the cache-busting path of name relative to base.
func (s assetSet) url(base, name string) string {
	return base + assetPrefix + name + "?v=" + s[name].hash
}

// serve writes the named asset, answering conditional requests via its ETag.
// Only the current hash is cached as immutable: a stale ?v= (an old page
// after a deploy) must revalidate instead of pinning the old bundle.
func (s assetSet) serve(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := s[name]
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", `"`+a.hash+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}
