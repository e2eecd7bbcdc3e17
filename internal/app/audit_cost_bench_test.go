package app_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"userbridge/graph/gid"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// BenchmarkAuditCheapWrites is the audit trail's cost on the cheap writes
// of issue 32, the bench harness's three (bench/scenarios.go): a users-v1
// PUT of a name by an administrator, an Edu-Focus PATCH of the viewer's
// first name, a GraphQL updateUser of it, each a new value every time,
// with the events on and off (AUDIT_EVENTS=false), on every backend the
// tests have. The service logs JSON to a file, as the harness's does, so
// the event's log line costs what it costs there. Compare "on" with "off"
// of the same write, interleaving runs (-count, on a loaded machine
// cpu-ns/op, the process's CPU time, varies less than ns/op); it also
// reports the SQL statements of one write (stmts/op).
// Figures: bench/README.md, "The audit trail's cost on cheap writes".
func BenchmarkAuditCheapWrites(b *testing.B) {
	for _, backend := range dbtest.Available() {
		for _, events := range []bool{true, false} {
			name := fmt.Sprintf("%s/events=%v", backend, map[bool]string{true: "on", false: "off"}[events])
			b.Run(name, func(b *testing.B) {
				logs, err := os.Create(filepath.Join(b.TempDir(), "service.log"))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { logs.Close() })
				e := apptest.New(b, dbtest.URL(b, backend), func(c *app.Config) {
					c.AuditOff = !events
					// As the harness runs it: --rate-limit 0,
					// --graphql-budget-rate 0, --graphql-concurrency 0.
					c.APIRate.Rate, c.Budget.Limit.Rate, c.Budget.Concurrency = 0, 0, 0
					c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
				})
				admin := e.Admin(b, "admin@bench.example")
				viewer := e.User(b, "viewer@bench.example")
				adminToken, viewerToken := e.Token(b, admin), e.Token(b, viewer)
				writes := []struct {
					name string
					req  func(n int) *http.Request
				}{
					{"users-v1 PUT", func(n int) *http.Request {
						return apptest.Request("PUT", "/v1/users/usr_"+viewer.PublicID, adminToken,
							fmt.Sprintf(`{"name":"Bench %d"}`, n))
					}},
					{"edu-focus PATCH", func(n int) *http.Request {
						return apptest.Request("PATCH", "/users/@current", viewerToken,
							fmt.Sprintf(`{"first_name":"Bench%d"}`, n))
					}},
					{"GraphQL updateUser", func(n int) *http.Request {
						return apptest.Request("POST", "/graphql", viewerToken, map[string]any{
							"operationName": "UpdateUser",
							"query":         `mutation UpdateUser($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { id } }`,
							"variables":     map[string]any{"id": gid.Encode(viewer.ID), "in": map[string]any{"firstName": fmt.Sprintf("Bench%d", n)}},
						})
					}},
				}
				for _, w := range writes {
					b.Run(w.name, func(b *testing.B) {
						n := 0
						if rec := e.Do(w.req(-1)); rec.Code != http.StatusOK {
							b.Fatalf("%s: %d %s", w.name, rec.Code, rec.Body)
						}
						stmts, cpu := e.Store.Statements(), cpuTime()
						b.ResetTimer()
						for b.Loop() {
							n++
							if rec := e.Do(w.req(n)); rec.Code != http.StatusOK {
								b.Fatalf("%s: %d %s", w.name, rec.Code, rec.Body)
							}
						}
						b.ReportMetric(float64(e.Store.Statements()-stmts)/float64(n), "stmts/op")
						b.ReportMetric(float64(cpuTime()-cpu)/float64(n), "cpu-ns/op")
					})
				}
			})
		}
	}
}

// cpuTime is the CPU time (user and system) the process has used, in ns:
// on a machine others load, it varies less than the wall clock.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
