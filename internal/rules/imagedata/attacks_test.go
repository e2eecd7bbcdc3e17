package imagedata_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"runtime"
	"sync"
	"testing"

	"userbridge/internal/apperr"
	"userbridge/internal/rules/imagedata"
	"userbridge/internal/rules/imagedata/imagetest"
)

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	if e := apperr.As(err); e == nil || e.Kind != apperr.Invalid || e.Reason != reason {
		t.Fatalf("got %v, want invalid with reason %s", err, reason)
	}
}

func TestCheckAcceptsWholeImages(t *testing.T) {
	for _, c := range []struct {
		name, format string
		data         []byte
		w, h         int
	}{
		{"png", "png", imagetest.PNG(3, 2), 3, 2},
		{"jpeg", "jpeg", imagetest.JPEG(17, 9), 17, 9},
		{"jpeg declared jpg", "JPG", imagetest.JPEG(1, 1), 1, 1},
		{"gif of three frames", "image/gif", imagetest.GIF(5, 4, 3), 5, 4},
		{"png, no format declared", "", imagetest.PNG(1, 1), 1, 1},
		{"the largest png", "png", imagetest.ZlibBomb(4096), 4096, 4096},
	} {
		t.Run(c.name, func(t *testing.T) {
			img, err := imagedata.Check(c.data, c.format)
			if err != nil {
				t.Fatal(err)
			}
			if img.Width != c.w || img.Height != c.h || &img.Data[0] != &c.data[0] {
				t.Fatalf("got %dx%d, bytes kept: %v", img.Width, img.Height, &img.Data[0] == &c.data[0])
			}
		})
	}
}

// The first image attack: a PNG declaring 50,000 x 50,000 pixels,
// accepted by a header-only check and served back.
func TestFiftyThousandSquarePNGHeaderIsRefused(t *testing.T) {
	_, err := imagedata.Check(imagetest.PNGHeader(50000, 50000), "png")
	wantReason(t, err, imagedata.ReasonTooLarge)
}

// A 20,000² zlib bomb is refused from its header: nothing near its 400 MB
// is ever allocated.
func TestZlibBombIsRefusedBeforeDecoding(t *testing.T) {
	bomb := imagetest.ZlibBomb(20000)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := imagedata.Check(bomb, "png")
	runtime.ReadMemStats(&after)
	wantReason(t, err, imagedata.ReasonTooLarge)
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("refusing the bomb allocated %d bytes", n)
	}
}

// The stored-200-MiB attack's blobs: a valid 1x1 PNG header followed by
// random bytes.
func TestRandomBytesAfterValidHeaderAreRefused(t *testing.T) {
	for _, n := range []int{16, 4096, 1 << 20} {
		_, err := imagedata.Check(imagetest.HeaderThenRandom(n, uint64(n)), "png")
		wantReason(t, err, imagedata.ReasonNotImage)
	}
}

func TestTrailingGarbageIsRefused(t *testing.T) {
	for name, img := range map[string][]byte{
		"png": imagetest.PNG(2, 2), "jpeg": imagetest.JPEG(8, 8), "gif": imagetest.GIF(2, 2, 2),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := imagedata.Check(img, name); err != nil {
				t.Fatalf("the image alone: %v", err)
			}
			_, err := imagedata.Check(imagetest.WithTrailingGarbage(img), name)
			wantReason(t, err, imagedata.ReasonNotImage)
		})
	}
}

func TestCutShortImagesAreRefused(t *testing.T) {
	for name, img := range map[string][]byte{
		"png": imagetest.PNG(20, 20), "jpeg": imagetest.JPEG(20, 20), "gif": imagetest.GIF(20, 20, 1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := imagedata.Check(img[:len(img)-3], name)
			wantReason(t, err, imagedata.ReasonNotImage)
		})
	}
}

// A PNG whose chunks are well formed but whose pixels do not decode (a
// corrupt zlib stream) passes a structural check; the full decode refuses it.
func TestUndecodablePixelsAreRefused(t *testing.T) {
	img := imagetest.PNG(4, 4)
	bad := append([]byte(nil), img...)
	idat := 8 + 25 + 8 // the first IDAT's data
	for i := idat + 2; i < idat+10; i++ {
		bad[i] ^= 0x55
	}
	_, err := imagedata.Check(bad, "png")
	wantReason(t, err, imagedata.ReasonNotImage)
}

func TestDeclaredFormatMustMatch(t *testing.T) {
	for _, c := range []struct {
		format string
		data   []byte
	}{
		{"jpeg", imagetest.PNG(1, 1)},
		{"png", imagetest.JPEG(1, 1)},
		{"gif", imagetest.PNG(1, 1)},
		{"svg", imagetest.PNG(1, 1)},
	} {
		_, err := imagedata.Check(c.data, c.format)
		wantReason(t, err, imagedata.ReasonFormatMismatch)
	}
}

func TestZeroByZeroIsRefused(t *testing.T) {
	for name, img := range map[string][]byte{"png": imagetest.ZeroPNG(), "gif": imagetest.ZeroGIF()} {
		t.Run(name, func(t *testing.T) {
			_, err := imagedata.Check(img, "")
			wantReason(t, err, imagedata.ReasonEmpty)
		})
	}
	_, err := imagedata.Check(nil, "")
	wantReason(t, err, imagedata.ReasonEmpty)
}

// Concurrent decodes of the largest images wait for one another: together
// they never hold more than DecodeMemory.
func TestConcurrentDecodesStayWithinBudget(t *testing.T) {
	big := imagetest.JPEG(4096, 4096) // 4096² pixels, 64 MiB by the budget's count
	imagedata.DecodePeak()
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := imagedata.Check(big, "jpeg"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if p := imagedata.DecodePeak(); p < 64<<20 || p > imagedata.DecodeMemory {
		t.Fatalf("peak %d, budget %d", p, imagedata.DecodeMemory)
	}
}

// Every PNG Go's encoder writes (each colour type and depth) passes the
// scanline check, and a PNG whose scanlines say too much, too little or an
// unknown filter is refused.
func TestPNGScanlinesAreChecked(t *testing.T) {
	r := image.Rect(0, 0, 13, 7)
	pal := color.Palette{color.Black, color.White, color.Gray{128}}
	for name, img := range map[string]image.Image{
		"gray": image.NewGray(r), "gray16": image.NewGray16(r), "nrgba": image.NewNRGBA(r),
		"rgba64": image.NewRGBA64(r), "paletted": image.NewPaletted(r, pal),
	} {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if _, err := imagedata.Check(b.Bytes(), "png"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A 4x4 image whose data holds 5 rows, 3 rows, or a filter type 9.
	for name, raw := range map[string][]byte{
		"a row too many": make([]byte, 5*(1+4)), "a row too few": make([]byte, 3*(1+4)),
		"unknown filter": append([]byte{9}, make([]byte, 4*(1+4)-1)...),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := imagedata.Check(imagetest.GreyPNGOf(4, 4, raw), "png")
			wantReason(t, err, imagedata.ReasonNotImage)
		})
	}
	if _, err := imagedata.Check(imagetest.GreyPNGOf(4, 4, make([]byte, 4*(1+4))), "png"); err != nil {
		t.Fatalf("the right rows: %v", err)
	}
}

// The PNG that costs Go's decoder the most memory for its size (4096²,
// 16-bit RGBA: 128 MiB decoded) is checked without holding its image.
func TestSixteenBitPNGIsCheckedInConstantMemory(t *testing.T) {
	img := imagetest.SixteenBitZeros(4096)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := imagedata.Check(img, "png"); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
		t.Fatalf("checking allocated %d bytes", n)
	}
}
