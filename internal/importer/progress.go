package importer

import "time"

// Progress is what a run has done so far, told after each batch and at
// the end (the CLI draws it as a bar on a terminal, JSON lines otherwise).
type Progress struct {
	Summary
	Total   int // user records in the file, 0 when unknown
	Elapsed time.Duration
	Done    bool
}

type progress struct {
	total int
	tell  func(Progress)
	start time.Time
}

func newProgress(tell func(Progress)) *progress {
	return &progress{tell: tell, start: time.Now()}
}

// add is called after each batch; the teller decides how often to show.
func (p *progress) add(_ int, s Summary) {
	if p.tell == nil {
		return
	}
	p.tell(Progress{Summary: s, Total: p.total, Elapsed: time.Since(p.start)})
}

func (p *progress) done(s Summary) {
	if p.tell != nil {
		p.tell(Progress{Summary: s, Total: p.total, Elapsed: time.Since(p.start), Done: true})
	}
}
