// Package imagedata checks that bytes said to be an image are one whole
// image (Check: every pixel decoded within a pixel and memory budget,
// nothing after its end, the declared format its real one), and decodes
// images sent inline as text: plain base64 or a data:image/...;base64, URI
// (Maarch picture and signatures, avatars).
package imagedata

import (
	"encoding/base64"
	_ "image/gif"  // register GIF
	_ "image/jpeg" // register JPEG
	_ "image/png"  // register PNG
	"strings"

	"userbridge/internal/apperr"
)

// MaxBytes is the documented bound of one inline image, decoded: a Maarch
// picture or signature, a GraphQL inline avatar or signature.
const MaxBytes = 1 << 20

// Reasons of the errors Decode returns.
const (
	ReasonEmpty    = "empty_image"
	ReasonNotImage = "not_an_image"
	ReasonTooLarge = "image_too_large"
)

// Image is an image's bytes, as sent, with its real format ("png", "jpeg",
// "gif"), its content type and its size in pixels.
type Image struct {
	Data        []byte
	Format      string
	ContentType string
	Width       int
	Height      int
}

// Decode reads s as plain base64 (standard or URL alphabet, padded or not,
// whitespace ignored) or as a data:image/*;base64, URI, and checks (Check)
// that the bytes are one whole image of at most limit bytes (0: no bound).
// Returns invalid with reason empty_image, not_an_image or image_too_large.
func Decode(s string, limit int) (*Image, error) { return DecodeAs(s, limit, "") }

// DecodeAs is Decode for an image declared to be of wantFormat (see Check).
// Returns invalid with reason empty_image, not_an_image, format_mismatch or
// image_too_large.
func DecodeAs(s string, limit int, wantFormat string) (*Image, error) {
	data, err := Text(s, limit)
	if err != nil {
		return nil, err
	}
	return Check(data, wantFormat)
}

// Text reads s as Decode does, without checking the bytes are an image.
// Returns invalid with reason empty_image, not_an_image (not base64, or a
// data: URI of another type) or image_too_large (over limit bytes).
func Text(s string, limit int) ([]byte, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "data:"); ok {
		meta, payload, found := strings.Cut(rest, ",")
		if !found || !strings.HasPrefix(meta, "image/") || !strings.HasSuffix(meta, ";base64") {
			return nil, notImage()
		}
		s = payload
	}
	if s == "" {
		return nil, apperr.Invalidf("image", ReasonEmpty, "the image is empty")
	}
	if limit > 0 && len(s) > (limit/3+2)*4+len(s)/64+1024 {
		return nil, tooLarge()
	}
	data, err := decodeBase64(s)
	if err != nil {
		return nil, notImage()
	}
	if limit > 0 && len(data) > limit {
		return nil, tooLarge()
	}
	return data, nil
}

func decodeBase64(s string) ([]byte, error) {
	// One pass finds whitespace and the URL alphabet; most images have
	// neither, and are decoded without another copy of the text.
	space, url := false, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\n', '\r', '\t':
			space = true
		case '-', '_':
			url = true
		}
	}
	if space {
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, s)
	}
	s = strings.TrimRight(s, "=")
	if url {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func notImage() error {
	return apperr.Invalidf("image", ReasonNotImage, "the data is not an image")
}

func tooLarge() error {
	return apperr.Invalidf("image", ReasonTooLarge, "the image is too large")
}
