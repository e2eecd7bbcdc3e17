// Package loadresult is the line the load generator (bench/load) prints and
// the harness (bench) reads: one definition for both processes.
package loadresult

// Result is one run of the load generator.
type Result struct {
	Requests  int            `json:"requests"`
	Warmup    int            `json:"warmup_requests"`
	Errors    int            `json:"errors"`
	Non2xx    int            `json:"non2xx"`
	Status    map[string]int `json:"status"`
	Seconds   float64        `json:"seconds"`
	RPS       float64        `json:"rps"`
	P50ms     float64        `json:"p50_ms"`
	P99ms     float64        `json:"p99_ms"`
	MaxMs     float64        `json:"max_ms"`
	BytesIn   int64          `json:"bytes_in"`
	FirstErr  string         `json:"first_error,omitempty"`
	FirstBody string         `json:"first_non2xx_body,omitempty"`
}
