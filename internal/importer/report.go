package importer

import (
	"encoding/json"
	"io"
	"sync"

	"userbridge/internal/interchange"
)

// reportLine is one line of --report: a record rejected, merged, skipped
// or in conflict. It never holds a password, a hash, a token or a secret.
type reportLine struct {
	Line        int                    `json:"line"`
	Email       string                 `json:"email,omitempty"`
	LegacyIDs   *interchange.LegacyIDs `json:"legacy_ids,omitempty"`
	Application string                 `json:"application,omitempty"`
	Outcome     string                 `json:"outcome"`
	Reason      string                 `json:"reason,omitempty"`
	Field       string                 `json:"field,omitempty"`
	Fields      []string               `json:"fields,omitempty"`
	Kept        string                 `json:"kept,omitempty"`
	Detail      string                 `json:"detail,omitempty"`
}

// reporter writes report lines, or drops them without --report.
type reporter struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newReporter(w io.Writer) *reporter {
	if w == nil {
		return &reporter{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &reporter{enc: enc}
}

func (r *reporter) line(l reportLine) {
	if r.enc == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.enc.Encode(l)
}
