// Package imagedata decodes images sent inline as text: plain base64 or a
// data:image/...;base64, URI (Maarch picture and signatures, avatars). It
// checks that the bytes really are an image by parsing the image header.
package imagedata

import (
	"bytes"
	"encoding/base64"
	"image"
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

// Image is decoded image bytes with the format the header names ("png",
// "jpeg", "gif") and its content type.
type Image struct {
	Data        []byte
	Format      string
	ContentType string
	Width       int
	Height      int
}

// Decode reads s as plain base64 (standard or URL alphabet, padded or not,
// whitespace ignored) or as a data:image/*;base64, URI, and checks that the
// bytes are an image of at most limit bytes (0: no bound).
// Returns invalid with reason empty_image, not_an_image or image_too_large.
func Decode(s string, limit int) (*Image, error) {
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
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, notImage()
	}
	return &Image{Data: data, Format: format, ContentType: "image/" + format, Width: cfg.Width, Height: cfg.Height}, nil
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
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
