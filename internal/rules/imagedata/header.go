package imagedata

import (
	"bytes"
	"encoding/binary"
)

// header is what parse learns from an image's structure without decoding
// a pixel: its format, its size, where it ends, and what decoding it takes.
type header struct {
	format        string
	width, height int
	end           int   // offset just past the image's last byte
	frames        int   // GIF: images in the stream
	framePixels   int64 // GIF: pixels of every frame together
	progressive   bool  // JPEG: coefficients are kept for the whole image
}

// pixels is what the budget counts: the canvas, or for a GIF its frames
// when they are more.
func (h *header) pixels() int64 {
	n := int64(h.width) * int64(h.height)
	if h.format == "gif" {
		n = max(n, h.framePixels)
	}
	return n
}

// memory is an upper bound of the bytes checking takes: a PNG is
// inflated scanline by scanline (checkPNG: a 32 KiB buffer and zlib's
// window); Go's JPEG decoder holds the image at most 4 bytes a pixel
// (CMYK), a progressive one 4 more per component for its coefficients;
// its GIF decoder 1 a pixel per frame and its canvas.
func (h *header) memory() int64 {
	switch h.format {
	case "png":
		return 128 << 10
	case "jpeg":
		if h.progressive {
			return h.pixels() * 16
		}
		return h.pixels() * 4
	}
	return h.pixels() * 2
}

var (
	pngMagic = []byte("\x89PNG\r\n\x1a\n")
	gifMagic = [][]byte{[]byte("GIF87a"), []byte("GIF89a")}
)

// parse identifies data's format by its signature and walks its
// structure to its end. Returns invalid with reason not_an_image when data
// is none of the three formats or its structure is broken or cut short.
func parse(data []byte) (*header, error) {
	switch {
	case bytes.HasPrefix(data, pngMagic):
		return parsePNG(data)
	case bytes.HasPrefix(data, gifMagic[0]) || bytes.HasPrefix(data, gifMagic[1]):
		return parseGIF(data)
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return parseJPEG(data)
	}
	return nil, notImage()
}

// parsePNG walks the chunks from the signature to IEND: the first is IHDR
// (width, height, bit depth).
func parsePNG(data []byte) (*header, error) {
	h := &header{format: "png"}
	at := len(pngMagic)
	for first := true; ; first = false {
		if len(data)-at < 12 {
			return nil, notImageErr("PNG cut short before IEND")
		}
		n := binary.BigEndian.Uint32(data[at:])
		kind := string(data[at+4 : at+8])
		if n > 0x7fffffff || int64(len(data)-at-12) < int64(n) {
			return nil, notImageErr("PNG chunk %q longer than the data", kind)
		}
		body := data[at+8 : at+8+int(n)]
		if first {
			if kind != "IHDR" || n != 13 {
				return nil, notImageErr("PNG does not start with IHDR")
			}
			h.width = int(binary.BigEndian.Uint32(body[0:]) & 0x7fffffff)
			h.height = int(binary.BigEndian.Uint32(body[4:]) & 0x7fffffff)
		}
		at += 12 + int(n)
		if kind == "IEND" {
			h.end = at
			return h, nil
		}
	}
}

// parseGIF walks the blocks from the logical screen descriptor to the
// trailer, counting the frames and their pixels.
func parseGIF(data []byte) (*header, error) {
	h := &header{format: "gif"}
	if len(data) < 13 {
		return nil, notImageErr("GIF cut short")
	}
	h.width = int(binary.LittleEndian.Uint16(data[6:]))
	h.height = int(binary.LittleEndian.Uint16(data[8:]))
	at := 13
	if data[10]&0x80 != 0 {
		at += 3 << (data[10]&7 + 1)
	}
	for at < len(data) {
		switch data[at] {
		case 0x3B: // trailer
			h.end = at + 1
			return h, nil
		case 0x21: // extension: label, then sub-blocks
			if at+2 > len(data) {
				return nil, notImageErr("GIF cut short")
			}
			end, ok := skipSubBlocks(data, at+2)
			if !ok {
				return nil, notImageErr("GIF extension cut short")
			}
			at = end
		case 0x2C: // image descriptor, local colour table, LZW code size, data
			if at+11 > len(data) {
				return nil, notImageErr("GIF cut short")
			}
			w := int64(binary.LittleEndian.Uint16(data[at+5:]))
			ht := int64(binary.LittleEndian.Uint16(data[at+7:]))
			h.frames++
			h.framePixels += w * ht
			flags := data[at+9]
			at += 10
			if flags&0x80 != 0 {
				at += 3 << (flags&7 + 1)
			}
			end, ok := skipSubBlocks(data, at+1)
			if !ok {
				return nil, notImageErr("GIF image data cut short")
			}
			at = end
		default:
			return nil, notImageErr("GIF block 0x%02x unknown", data[at])
		}
	}
	return nil, notImageErr("GIF cut short before its trailer")
}

// skipSubBlocks returns the offset past the sub-blocks starting at at
// (each a length byte and that many bytes, ending with a zero length).
func skipSubBlocks(data []byte, at int) (int, bool) {
	for at < len(data) {
		n := int(data[at])
		at++
		if n == 0 {
			return at, true
		}
		at += n
	}
	return 0, false
}

// parseJPEG walks the markers from SOI to EOI, skipping each segment by
// its length and each scan's entropy-coded data up to the next marker;
// the frame header (SOFn) gives the size.
func parseJPEG(data []byte) (*header, error) {
	h := &header{format: "jpeg"}
	at := 2
	sawFrame := false
	for {
		if at >= len(data) || data[at] != 0xFF {
			return nil, notImageErr("JPEG marker expected")
		}
		for at < len(data) && data[at] == 0xFF { // fill bytes
			at++
		}
		if at >= len(data) {
			return nil, notImageErr("JPEG cut short before EOI")
		}
		m := data[at]
		at++
		switch {
		case m == 0xD9: // EOI
			if !sawFrame {
				return nil, notImageErr("JPEG without a frame")
			}
			h.end = at
			return h, nil
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // no length
			continue
		case m == 0x00 || m == 0xD8:
			return nil, notImageErr("JPEG marker 0x%02x out of place", m)
		}
		if at+2 > len(data) {
			return nil, notImageErr("JPEG cut short")
		}
		n := int(binary.BigEndian.Uint16(data[at:]))
		if n < 2 || at+n > len(data) {
			return nil, notImageErr("JPEG segment longer than the data")
		}
		seg := data[at+2 : at+n]
		at += n
		switch {
		case m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC: // SOFn
			if len(seg) < 5 || sawFrame {
				return nil, notImageErr("JPEG frame header malformed")
			}
			sawFrame = true
			h.height = int(binary.BigEndian.Uint16(seg[1:]))
			h.width = int(binary.BigEndian.Uint16(seg[3:]))
			h.progressive = m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE
		case m == 0xDA: // SOS: entropy-coded data follows, up to a marker
			at = skipEntropy(data, at)
		}
	}
}

// skipEntropy returns the offset of the first marker at or after at that
// ends entropy-coded data: 0xFF followed by neither 0x00 (a stuffed
// byte), a restart marker nor another 0xFF.
func skipEntropy(data []byte, at int) int {
	for at+1 < len(data) {
		if data[at] != 0xFF {
			at++
			continue
		}
		switch b := data[at+1]; {
		case b == 0x00 || (b >= 0xD0 && b <= 0xD7):
			at += 2
		case b == 0xFF:
			at++
		default:
			return at
		}
	}
	return len(data)
}
