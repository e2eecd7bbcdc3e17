package files

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"userbridge/ent"
	"userbridge/ent/file"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/policy"
)

// Download serves GET and HEAD /files/{signed}/{name}: the link is the
// credential, so it needs no Authorization header. It answers 403 when the
// link is expired or tampered with, 404 when the file (or its blob) is gone
// or its owner may no longer be served (policy.ServeFile: banned or suspended),
// and otherwise the bytes with the stored content type, an attachment
// Content-Disposition, the SHA-256 as ETag, and Range support. The {name}
// segment is for the browser's benefit only; the signed part decides.
func (s *Service) Download(w http.ResponseWriter, r *http.Request) {
	id, err := s.verify(chi.URLParam(r, "signed"))
	switch {
	case errors.Is(err, errExpiredLink):
		writeStatus(w, http.StatusForbidden, "This link has expired.")
		return
	case err != nil:
		writeStatus(w, http.StatusForbidden, "This link is not valid.")
		return
	}
	ctx := r.Context()
	f, err := s.client.File.Query().Where(file.ID(id)).WithOwner().Only(ctx)
	if err == nil {
		err = policy.ServeFile(f.Edges.Owner)
	}
	if ent.IsNotFound(err) || apperr.Is(err, apperr.NotFound) {
		writeStatus(w, http.StatusNotFound, "Couldn't find a record for the requested ID.")
		return
	}
	if apperr.Is(err, apperr.Unavailable) {
		w.Header().Set("Retry-After", apperr.RetryAfter) // logged once per outage by the store
		writeStatus(w, http.StatusServiceUnavailable, "Service temporarily unavailable, retry later.")
		return
	}
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "download: loading file", "err", err)
		writeStatus(w, http.StatusInternalServerError, "Internal server error.")
		return
	}
	start := time.Now()
	rd, err := s.bucket.NewReader(ctx, f.StorageKey, nil)
	s.cfg.ObserveStorage("open", time.Since(start), err)
	if isNotFound(err) {
		writeStatus(w, http.StatusNotFound, "Couldn't find a record for the requested ID.")
		return
	}
	if err != nil {
		s.cfg.Logger.ErrorContext(ctx, "download: opening blob", "err", err)
		writeStatus(w, http.StatusInternalServerError, "Internal server error.")
		return
	}
	defer rd.Close()
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", ContentDisposition(f.Name))
	h.Set("ETag", strconv.Quote(f.Sha256))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	h.Set("Cache-Control", "private, no-transform")
	http.ServeContent(w, r, "", f.CreatedAt, rd)
}

// ContentDisposition returns an attachment disposition for name per RFC
// 6266: a quoted ASCII fallback (non-ASCII, quotes and backslashes replaced
// by "_") and, when the name is not plain ASCII, the exact name as an RFC
// 5987 filename* in UTF-8.
func ContentDisposition(name string) string {
	var fallback strings.Builder
	plain := true
	for _, r := range name {
		switch {
		case r == '"' || r == '\\' || r < 0x20 || r == 0x7f:
			fallback.WriteByte('_')
			plain = false
		case r > 0x7e:
			fallback.WriteByte('_')
			plain = false
		default:
			fallback.WriteRune(r)
		}
	}
	v := `attachment; filename="` + fallback.String() + `"`
	if !plain {
		v += "; filename*=UTF-8''" + encode5987(name)
	}
	return v
}

// encode5987 percent-encodes every byte of s outside RFC 5987 attr-char.
func encode5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// writeStatus answers an error in the education platform's shape, the
// dialect whose clients follow these links.
func writeStatus(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"status": map[string]any{"code": code, "message": msg}})
}
