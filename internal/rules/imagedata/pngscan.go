package imagedata

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// pngInfo is what checkPNG needs of a PNG's header and chunks.
type pngInfo struct {
	depth, colorType, interlace byte
	idat                        [][]byte // the IDAT chunks' data, in order
	palette                     bool
}

// samples is the channels of a PNG colour type; 0 for an unknown type.
func samples(colorType byte) int {
	switch colorType {
	case 0, 3:
		return 1
	case 4:
		return 2
	case 2:
		return 3
	case 6:
		return 4
	}
	return 0
}

// validDepth reports whether PNG allows depth with colorType.
func validDepth(colorType, depth byte) bool {
	switch colorType {
	case 0:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16
	case 3:
		return depth == 1 || depth == 2 || depth == 4 || depth == 8
	case 2, 4, 6:
		return depth == 8 || depth == 16
	}
	return false
}

// adam7 are the seven passes of an interlaced PNG: first column and row,
// then the steps between columns and rows.
var adam7 = [7][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}

// rows lists, pass by pass, the byte length of each scanline (its filter
// byte excluded) and how many there are.
func (p *pngInfo) rows(w, h int) [][2]int64 {
	bits := int64(samples(p.colorType)) * int64(p.depth)
	line := func(width int) int64 { return (int64(width)*bits + 7) / 8 }
	if p.interlace == 0 {
		return [][2]int64{{line(w), int64(h)}}
	}
	var out [][2]int64
	for _, a := range adam7 {
		pw := (w - a[0] + a[2] - 1) / a[2]
		ph := (h - a[1] + a[3] - 1) / a[3]
		if pw > 0 && ph > 0 {
			out = append(out, [2]int64{line(pw), int64(ph)})
		}
	}
	return out
}

// checkPNG inflates a PNG's image data and checks every scanline (its
// filter type, its length, the zlib stream ending with the last one and
// its checksum) in constant memory: a PNG's pixels are its unfiltered
// scanline bytes, any value valid, so this is all decoding would check,
// without holding the image (Go's decoder would hold 8 bytes a pixel).
func checkPNG(data []byte, h *header) error {
	p, err := pngChunks(data)
	if err != nil {
		return err
	}
	if !validDepth(p.colorType, p.depth) || p.interlace > 1 || (p.colorType == 3 && !p.palette) || len(p.idat) == 0 {
		return notImageErr("PNG header or chunks invalid")
	}
	readers := make([]io.Reader, len(p.idat))
	for i, d := range p.idat {
		readers[i] = bytes.NewReader(d)
	}
	z, err := zlib.NewReader(io.MultiReader(readers...))
	if err != nil {
		return notImageErr("PNG image data is not zlib")
	}
	defer z.Close()
	buf := make([]byte, 32<<10)
	for _, pass := range p.rows(h.width, h.height) {
		for range pass[1] {
			if _, err := io.ReadFull(z, buf[:1]); err != nil {
				return notImageErr("PNG image data cut short")
			}
			if buf[0] > 4 {
				return notImageErr("PNG filter type %d unknown", buf[0])
			}
			for left := pass[0]; left > 0; {
				n := min(left, int64(len(buf)))
				if _, err := io.ReadFull(z, buf[:n]); err != nil {
					return notImageErr("PNG image data cut short")
				}
				left -= n
			}
		}
	}
	// The stream ends here: its checksum is read and checked at EOF.
	if n, err := z.Read(buf[:1]); n != 0 || !errors.Is(err, io.EOF) {
		return notImageErr("PNG image data longer than its image")
	}
	return nil
}

// pngChunks checks every chunk's CRC and gathers what checkPNG needs; the
// structure (IHDR first, IEND last) was walked by parsePNG.
func pngChunks(data []byte) (*pngInfo, error) {
	p := &pngInfo{}
	at := len(pngMagic)
	lastIDAT := -1
	for i := 0; ; i++ {
		n := int(binary.BigEndian.Uint32(data[at:]))
		kind := data[at+4 : at+8]
		body := data[at+8 : at+8+n]
		if crc32.ChecksumIEEE(data[at+4:at+8+n]) != binary.BigEndian.Uint32(data[at+8+n:]) {
			return nil, notImageErr("PNG chunk %q fails its CRC", kind)
		}
		switch string(kind) {
		case "IHDR":
			p.depth, p.colorType, p.interlace = body[8], body[9], body[12]
			if body[10] != 0 || body[11] != 0 {
				return nil, notImageErr("PNG compression or filter method unknown")
			}
		case "PLTE":
			p.palette = true
		case "IDAT":
			if lastIDAT >= 0 && lastIDAT != i-1 {
				return nil, notImageErr("PNG IDAT chunks not consecutive")
			}
			lastIDAT = i
			p.idat = append(p.idat, body)
		case "IEND":
			return p, nil
		}
		at += 12 + n
	}
}
