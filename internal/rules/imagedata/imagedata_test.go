package imagedata_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"testing"

	"userbridge/internal/apperr"
	"userbridge/internal/rules/imagedata"
)

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 2, 3))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecode(t *testing.T) {
	raw := pngBytes(t)
	b64 := base64.StdEncoding.EncodeToString(raw)
	ok := []struct{ name, in string }{
		{"plain base64", b64},
		{"data URI", "data:image/png;base64," + b64},
		{"unpadded URL alphabet", base64.RawURLEncoding.EncodeToString(raw)},
		{"wrapped lines", b64[:10] + "\n" + b64[10:]},
	}
	for _, c := range ok {
		t.Run(c.name+" decodes", func(t *testing.T) {
			img, err := imagedata.Decode(c.in, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if img.Format != "png" || img.Width != 2 || img.Height != 3 || !bytes.Equal(img.Data, raw) {
				t.Fatalf("got %s %dx%d", img.Format, img.Width, img.Height)
			}
		})
	}
	bad := []struct{ name, in, reason string }{
		{"empty", "", imagedata.ReasonEmpty},
		{"not base64", "deJOIJKiSDYUIfolpcdm!!", imagedata.ReasonNotImage},
		{"base64 of text", base64.StdEncoding.EncodeToString([]byte("hello world")), imagedata.ReasonNotImage},
		{"data URI of text", "data:text/plain;base64," + b64, imagedata.ReasonNotImage},
		{"legacy example signature", "deJOIJKiSDYUIfolpcdm", imagedata.ReasonNotImage},
	}
	for _, c := range bad {
		t.Run(c.name+" is refused", func(t *testing.T) {
			_, err := imagedata.Decode(c.in, 1<<20)
			if e := apperr.As(err); e == nil || e.Reason != c.reason {
				t.Fatalf("got %v, want reason %s", err, c.reason)
			}
		})
	}
	t.Run("over the size bound is refused", func(t *testing.T) {
		_, err := imagedata.Decode(b64, 10)
		if e := apperr.As(err); e == nil || e.Reason != imagedata.ReasonTooLarge {
			t.Fatalf("got %v", err)
		}
	})
}
