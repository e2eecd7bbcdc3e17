// Package imagetest makes the images tests send: valid ones of each format,
// and the attacks imagedata.Check refuses (dimension bombs, a zlib bomb,
// random bytes after a valid header, trailing garbage, 0x0 images). It is
// imported by tests only.
package imagetest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"sync"
)

// PNG is a valid w x h PNG.
func PNG(w, h int) []byte {
	var b bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// JPEG is a valid w x h baseline JPEG.
func JPEG(w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// GIF is a valid w x h GIF of frames frames.
func GIF(w, h, frames int) []byte {
	g := &gif.GIF{}
	pal := color.Palette{color.Black, color.White}
	for range frames {
		g.Image = append(g.Image, image.NewPaletted(image.Rect(0, 0, w, h), pal))
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// chunk is one PNG chunk with its CRC.
func chunk(kind string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data))) //nolint:gosec // test chunks are small
	out = append(out, kind...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(kind), data...)))
}

func ihdr(w, h int, depth, colorType byte) []byte {
	d := binary.BigEndian.AppendUint32(nil, uint32(w)) //nolint:gosec // sizes a PNG header can hold
	d = binary.BigEndian.AppendUint32(d, uint32(h))    //nolint:gosec // sizes a PNG header can hold
	return chunk("IHDR", append(d, depth, colorType, 0, 0, 0))
}

const pngMagic = "\x89PNG\r\n\x1a\n"

// PNGHeader is a PNG that declares w x h pixels (8-bit grey) and holds one
// tiny IDAT: well formed chunk by chunk, its header all a header-only check
// reads. A 50,000 x 50,000 one is a dimension bomb.
func PNGHeader(w, h int) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write([]byte{0, 0})
	_ = zw.Close()
	out := append([]byte(pngMagic), ihdr(w, h, 8, 0)...)
	out = append(out, chunk("IDAT", z.Bytes())...)
	return append(out, chunk("IEND", nil)...)
}

var (
	bombOnce sync.Once
	bomb     []byte
)

// ZlibBomb is a valid side x side PNG, 1 bit a pixel, every pixel black:
// its zlib stream inflates to side*(side/8+1) bytes and Go's decoder would
// hold side*side bytes. ZlibBomb(20000) is about 60 KB and inflates to
// 50 MB, a 400 MB image.
func ZlibBomb(side int) []byte {
	if side == 20000 {
		bombOnce.Do(func() { bomb = zlibBomb(side) })
		return bomb
	}
	return zlibBomb(side)
}

func zlibBomb(side int) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	row := make([]byte, 1+(side+7)/8)
	for range side {
		_, _ = zw.Write(row)
	}
	_ = zw.Close()
	out := append([]byte(pngMagic), ihdr(side, side, 1, 0)...)
	out = append(out, chunk("IDAT", z.Bytes())...)
	return append(out, chunk("IEND", nil)...)
}

// SixteenBitZeros is a valid side x side RGBA PNG, 16 bits a sample, every
// pixel zero: the most memory a small PNG buys from Go's decoder (8 bytes
// a pixel; 4096 x 4096 is about 130 KB that decode to 128 MiB).
func SixteenBitZeros(side int) []byte {
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	row := make([]byte, 1+side*8)
	for range side {
		_, _ = zw.Write(row)
	}
	_ = zw.Close()
	out := append([]byte(pngMagic), ihdr(side, side, 16, 6)...)
	out = append(out, chunk("IDAT", z.Bytes())...)
	return append(out, chunk("IEND", nil)...)
}

// HeaderThenRandom is the fake signature: the signature and IHDR
// of a valid 1x1 PNG followed by n random bytes (seeded: the same n gives
// the same bytes).
func HeaderThenRandom(n int, seed uint64) []byte {
	out := append([]byte(pngMagic), ihdr(1, 1, 8, 6)...)
	r := rand.New(rand.NewPCG(seed, 26)) //nolint:gosec // reproducible test bytes, not secrets
	tail := make([]byte, n)
	for i := range tail {
		tail[i] = byte(r.Uint32()) //nolint:gosec // the low byte is wanted
	}
	return append(out, tail...)
}

// WithTrailingGarbage is img followed by text that is no part of it.
func WithTrailingGarbage(img []byte) []byte {
	return append(append([]byte(nil), img...), []byte("<?php system($_GET['c']); ?>")...)
}

// GreyPNGOf is a w x h 8-bit grey PNG whose image data is raw (filter
// bytes and scanlines, as they are before compression), whether or not
// raw fits its size.
func GreyPNGOf(w, h int, raw []byte) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, _ = zw.Write(raw)
	_ = zw.Close()
	out := append([]byte(pngMagic), ihdr(w, h, 8, 0)...)
	out = append(out, chunk("IDAT", z.Bytes())...)
	return append(out, chunk("IEND", nil)...)
}

// ZeroPNG is a well formed PNG of 0 x 0 pixels.
func ZeroPNG() []byte { return PNGHeader(0, 0) }

// ZeroGIF is a GIF whose screen and only frame are 0 x 0 pixels.
func ZeroGIF() []byte {
	out := []byte("GIF89a")
	out = append(out, 0, 0, 0, 0, 0x80, 0, 0) // 0x0 screen, 2-colour table
	out = append(out, 0, 0, 0, 255, 255, 255)
	out = append(out, 0x2C, 0, 0, 0, 0, 0, 0, 0, 0, 0) // 0x0 frame
	out = append(out, 2, 2, 0x44, 0x01, 0)             // LZW data
	return append(out, 0x3B)
}

// NoisePNG is a valid w x h PNG of random pixels: it does not compress,
// so its size is about 4*w*h bytes (500 x 500 is just under 1 MiB).
func NoisePNG(w, h int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1)) //nolint:gosec // reproducible test pixels, not secrets
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32()) //nolint:gosec // the low byte is wanted
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Attack is one image the attackers sent, with the format they
// declared and the reason imagedata.Check gives.
type Attack struct {
	Name, Format, Reason string
	Data                 []byte
}

// Attacks are the images every entry point must refuse: a 50,000 x 50,000
// PNG header, a 20,000² zlib bomb, random bytes after a valid header,
// trailing garbage after a whole image, and 0x0 images. A format mismatch
// needs a declared format: FormatMismatch.
func Attacks() []Attack {
	return []Attack{
		{"50000x50000 PNG header", "png", "image_too_large", PNGHeader(50000, 50000)},
		{"20000x20000 zlib bomb", "png", "image_too_large", ZlibBomb(20000)},
		{"random bytes after a valid header", "png", "not_an_image", HeaderThenRandom(4096, 3)},
		{"trailing garbage", "png", "not_an_image", WithTrailingGarbage(PNG(2, 2))},
		{"0x0 PNG", "png", "empty_image", ZeroPNG()},
		{"0x0 GIF", "gif", "empty_image", ZeroGIF()},
	}
}

// FormatMismatch is a whole PNG declared as a JPEG.
func FormatMismatch() Attack {
	return Attack{"format mismatch", "jpeg", "format_mismatch", PNG(2, 2)}
}
