package usersv1

import (
	"net/http"
	"testing"
	"time"

	"userbridge/ent"
	"userbridge/rest/jsonio"
)

// discard is a ResponseWriter that keeps nothing, so that only the legacy
// encoding is measured.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// BenchmarkEncodeUser is the legacy encoding of GET /v1/users/{id}: the
// conversion (display name, whole-second UTC stamps) and the JSON write.
func BenchmarkEncodeUser(b *testing.B) {
	at := time.Date(2024, 1, 15, 10, 30, 0, 123456000, time.UTC)
	u := &ent.User{ID: 7, PublicID: "3KX0TDpR", Email: "user@example.com", FirstName: "John", LastName: "Doe",
		CreatedAt: at, UpdatedAt: at.Add(time.Hour), Status: "active", Role: "admin"}
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		jsonio.Write(w, http.StatusOK, newUserBody(u, "usr_"+u.PublicID, true))
	}
}
