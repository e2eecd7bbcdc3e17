package signatures

import (
	"fmt"
	"strconv"
	"strings"

	"userbridge/internal/apperr"
	"userbridge/internal/rules/imagedata"
)

// Reasons of the validation errors, one per Maarch message.
const (
	ReasonEmptyApplication = "empty_application"
	ReasonEmptySignature   = "empty_signature"     // "Body signatures[k] encodedSignature is empty"
	ReasonEmptyFormat      = "empty_format"        // "Body signatures[k] format is empty or not a string"
	ReasonNotImage         = "not_an_image"        // "Signature is not an image"
	ReasonTooLarge         = "signature_too_large" // "Max file size reached (1 MB)"
)

// Validate checks each signature in order and returns the decoded images.
// For signature k it checks, in Maarch's order: encodedSignature not
// empty, format not empty, an image, at most MaxBytes decoded. The error
// names the offending signature in Field, e.g.
// "signatures[2].encodedSignature"; Index(err) returns k.
// Returns invalid with one of the reasons above.
func Validate(sigs []Input) ([][]byte, error) {
	out := make([][]byte, len(sigs))
	for k, in := range sigs {
		field := fmt.Sprintf("signatures[%d].", k)
		if strings.TrimSpace(in.Encoded) == "" {
			return nil, invalid(field+"encodedSignature", ReasonEmptySignature,
				"signatures[%d] encodedSignature is empty", k)
		}
		if strings.TrimSpace(in.Format) == "" {
			return nil, invalid(field+"format", ReasonEmptyFormat,
				"signatures[%d] format is empty or not a string", k)
		}
		// Bounded: an oversized one is refused from its length, before it
		// is decoded.
		img, err := imagedata.Decode(in.Encoded, MaxBytes)
		switch {
		case err != nil && apperr.As(err).Reason == imagedata.ReasonTooLarge:
			return nil, invalid(field+"encodedSignature", ReasonTooLarge,
				"signatures[%d] is over the maximum size (1 MB)", k)
		case err != nil:
			return nil, invalid(field+"encodedSignature", ReasonNotImage,
				"signatures[%d] is not an image", k)
		}
		out[k] = img.Data
	}
	return out, nil
}

func invalid(field, reason, format string, args ...any) error {
	return apperr.Invalidf(field, reason, format, args...)
}

// Index returns k when err is a validation error of signature k.
func Index(err error) (int, bool) {
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.Invalid {
		return 0, false
	}
	rest, ok := strings.CutPrefix(e.Field, "signatures[")
	if !ok {
		return 0, false
	}
	n, _, ok := strings.Cut(rest, "]")
	if !ok {
		return 0, false
	}
	k, err := strconv.Atoi(n)
	return k, err == nil
}
