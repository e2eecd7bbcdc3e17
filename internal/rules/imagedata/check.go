package imagedata

import (
	"bytes"
	"fmt"
	"image"
	"image/gif"
	"strings"

	"userbridge/internal/apperr"
)

// MaxPixels bounds the pixels of one image (all frames of an animated GIF
// together). An image is refused from its header, before any pixel is
// decoded, when it declares more: a signature or an avatar needs far fewer,
// and a decoder's memory grows with the pixels, not with the bytes sent.
const MaxPixels = 4096 * 4096

// Reasons of the errors Check returns besides ReasonEmpty, ReasonNotImage
// and ReasonTooLarge.
const (
	ReasonFormatMismatch = "format_mismatch"
)

// Check verifies that data is exactly one whole image: PNG, JPEG or GIF,
// of at least 1x1 and at most MaxPixels pixels, nothing before or after it
// (a PNG ends with its IEND chunk, a JPEG with its EOI marker, a GIF with
// its trailer), and every pixel decodes. wantFormat, when not empty, is the
// format the client declared ("png", "jpeg" or "jpg", "gif", optionally as
// "image/png"; case does not matter): it must be the image's real format.
// The bytes are kept as sent (Image.Data is data): legacy clients compare
// what they read back with what they sent.
//
// Decoding runs within a process-wide memory budget (decodeBudget): a
// decode waits while others hold it, so that concurrent requests cannot
// together decode more than the budget.
// Returns invalid with reason empty_image (no bytes, or 0 pixels wide or
// high), not_an_image, format_mismatch or image_too_large.
func Check(data []byte, wantFormat string) (*Image, error) {
	if len(data) == 0 {
		return nil, empty()
	}
	h, err := parse(data)
	if err != nil {
		return nil, err
	}
	if wantFormat != "" && normalFormat(wantFormat) != h.format {
		return nil, apperr.Invalidf("format", ReasonFormatMismatch,
			"the image is %s, not %s", h.format, strings.TrimSpace(wantFormat))
	}
	if h.width <= 0 || h.height <= 0 {
		return nil, apperr.Invalidf("image", ReasonEmpty, "the image has no pixels (%dx%d)", h.width, h.height)
	}
	if h.pixels() > MaxPixels {
		return nil, apperr.Invalidf("image", ReasonTooLarge,
			"the image declares %dx%d pixels, over the limit of %d pixels", h.width, h.height, MaxPixels)
	}
	if h.end != len(data) {
		return nil, apperr.Invalidf("image", ReasonNotImage,
			"the data goes on for %d bytes after the image's end", len(data)-h.end)
	}
	release := decodeBudget.acquire(h.memory())
	defer release()
	if err := decodeAll(data, h); err != nil {
		return nil, err
	}
	return &Image{Data: data, Format: h.format, ContentType: "image/" + h.format, Width: h.width, Height: h.height}, nil
}

// normalFormat spells a declared format as Check's formats are spelled.
func normalFormat(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "image/")
	if s == "jpg" {
		return "jpeg"
	}
	return s
}

// decodeAll checks every pixel of data: a PNG's scanlines (checkPNG), or
// every frame of a GIF and a JPEG's image through Go's decoders, which
// must see the image the header declared.
func decodeAll(data []byte, h *header) error {
	switch h.format {
	case "png":
		return checkPNG(data, h)
	case "gif":
		g, err := gif.DecodeAll(bytes.NewReader(data))
		if err != nil || len(g.Image) != h.frames || g.Config.Width != h.width || g.Config.Height != h.height {
			return notImage()
		}
		return nil
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil || format != h.format {
		return notImage()
	}
	if b := img.Bounds(); b.Dx() != h.width || b.Dy() != h.height {
		return notImage()
	}
	return nil
}

func empty() error { return apperr.Invalidf("image", ReasonEmpty, "the image is empty") }

func notImageErr(format string, args ...any) error {
	return apperr.Invalidf("image", ReasonNotImage, "the data is not an image: %s", fmt.Sprintf(format, args...))
}
