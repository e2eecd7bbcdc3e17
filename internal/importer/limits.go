package importer

import (
	"userbridge/internal/interchange"
	"userbridge/internal/rules/imagedata"
	"userbridge/internal/rules/signatures"
)

// Limits are the service's own bounds, which imported records meet like
// any other write.
type Limits struct {
	MaxUpload         int64 // one user file, bytes (MAX_UPLOAD_BYTES)
	Quota             int   // user files kept per user and nature (USER_FILE_QUOTA)
	MaxImageBytes     int   // one avatar
	MaxSignatureBytes int   // one signature
	MaxSignatureSets  int   // external applications with signatures, per user (SIGNATURE_SETS_PER_USER; 0: no bound)
	MaxSignatureTotal int64 // signature bytes per user (SIGNATURE_BYTES_PER_USER; 0: no bound)
}

// lineOverhead bounds what a user line holds besides its contents: names,
// ids, hashes, credentials (interchange bounds items and keys).
const lineOverhead = 4 << 20

// MaxLine is the longest line a valid record can take: every content at
// its bound, inline in base64, plus the rest of the record. A longer line
// is rejected unread.
func (l Limits) MaxLine() int {
	b64 := func(n int64) int64 { return (n + 2) / 3 * 4 }
	sigs := int64(l.MaxSignatureBytes) * 2
	if l.MaxSignatureTotal > 0 {
		sigs = l.MaxSignatureTotal
	}
	n := b64(l.MaxUpload)*int64(2*l.Quota) + b64(int64(l.MaxImageBytes)) + b64(sigs) + lineOverhead
	if n > int64(interchange.MaxLine) {
		n = int64(interchange.MaxLine)
	}
	return int(n)
}

// checkSignatureBounds applies the per-user signature bounds.
func (r *run) checkSignatureBounds(p *plan) *rejection {
	l := r.im.Limits
	if l.MaxSignatureSets > 0 && len(p.signatures) > l.MaxSignatureSets {
		return reject(signatures.ReasonSetsLimit, "more signature sets than SIGNATURE_SETS_PER_USER (%d)", l.MaxSignatureSets)
	}
	var total int64
	for _, set := range p.signatures {
		for _, s := range set {
			total += int64(len(s.data))
		}
	}
	if l.MaxSignatureTotal > 0 && total > l.MaxSignatureTotal {
		return reject(signatures.ReasonBytesLimit, "signatures larger than SIGNATURE_BYTES_PER_USER (%d bytes)", l.MaxSignatureTotal)
	}
	return nil
}

// DefaultLimits are the service's bounds for a store configured with this
// user-file quota and upload bound.
func DefaultLimits(quota int, maxUpload int64) Limits {
	return Limits{MaxUpload: maxUpload, Quota: quota, MaxImageBytes: imagedata.MaxBytes,
		MaxSignatureBytes: signatures.MaxBytes, MaxSignatureSets: signatures.DefaultMaxSets,
		MaxSignatureTotal: signatures.DefaultMaxUserBytes}
}
