package maarch

import (
	"fmt"
	"net/http"
	"testing"

	"userbridge/rest/jsonio"
)

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkListEncode is the legacy side of GET /rest/users for 10,000
// users: the order by last name, first name (ignoring case), then id, and
// the JSON of the list. The database read is not included.
func BenchmarkListEncode(b *testing.B) {
	last := []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Petit", "Durand", "Leroy"}
	first := []string{"Alice", "Bruno", "Chloé", "David", "Emma", "Hugo", "Inès", "Zoé"}
	src := make([]listedUser, 10_000)
	for i := range src {
		src[i] = listedUser{ID: i + 1, Login: fmt.Sprintf("user%06d", i+1),
			Firstname: first[(i*7)%len(first)], Lastname: last[(i*3)%len(last)]}
	}
	users := make([]listedUser, len(src))
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		copy(users, src)
		sortByName(users)
		jsonio.Write(w, http.StatusOK, listBody{Users: users})
	}
}
