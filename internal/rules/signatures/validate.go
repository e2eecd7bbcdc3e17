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
	ReasonFormatMismatch   = "format_mismatch"     // the image is not of the declared format
	ReasonTooManyPixels    = "image_too_large"     // over imagedata.MaxPixels
)

// Validate checks each signature in order and returns the decoded images,
// their bytes as sent. For signature k it checks, in Maarch's order:
// encodedSignature not empty, format not empty, base64 of at most MaxBytes,
// then one whole image (imagedata.Check): of the declared format, within
// imagedata.MaxPixels, nothing after its end. The error
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
		data, err := imagedata.Text(in.Encoded, MaxBytes)
		switch {
		case err != nil && apperr.As(err).Reason == imagedata.ReasonTooLarge:
			return nil, invalid(field+"encodedSignature", ReasonTooLarge,
				"signatures[%d] is over the maximum size (1 MB)", k)
		case err != nil:
			return nil, invalid(field+"encodedSignature", ReasonNotImage,
				"signatures[%d] is not an image", k)
		}
		img, err := imagedata.Check(data, in.Format)
		var reason string
		if err != nil {
			reason = apperr.As(err).Reason
		}
		switch {
		case err == nil:
		case reason == imagedata.ReasonFormatMismatch:
			return nil, invalid(field+"format", ReasonFormatMismatch,
				"signatures[%d]: %s", k, apperr.As(err).Message)
		case reason == imagedata.ReasonTooLarge:
			return nil, invalid(field+"encodedSignature", ReasonTooManyPixels,
				"signatures[%d] has more than %d pixels", k, imagedata.MaxPixels)
		default:
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
