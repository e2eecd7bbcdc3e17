package files

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"userbridge/ent/schema"
)

// MaxNameBytes bounds a stored file name: the model's limit, in bytes
// (the stricter bound, and what file systems count).
const MaxNameBytes = schema.MaxFileNameLen

// FallbackName is the name of a file sent without a usable one.
const FallbackName = "file"

// SanitizeName turns a client's file name into one safe to store and to send
// back in a URL or a Content-Disposition header: the last path element only
// (either slash), invalid UTF-8, control and invisible formatting characters
// removed, surrounding spaces and dots trimmed, at most MaxNameBytes bytes
// with the extension kept. A name with nothing left becomes FallbackName.
func SanitizeName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if name == "" {
		return FallbackName
	}
	if len(name) > MaxNameBytes {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		name = truncateUTF8(strings.TrimSuffix(name, ext), MaxNameBytes-len(ext)) + ext
	}
	return name
}

// FileType is the lowercased extension of a sanitized name without the dot
// ("json" for "a.JSON"), or "" when it has none.
func FileType(name string) string {
	ext := path.Ext(name)
	if len(ext) <= 1 || len(ext) > 16 {
		return ""
	}
	return strings.ToLower(ext[1:])
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
