package usersv1

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/auth"
)

// rateLimit spends one token of the caller's bucket per request and says so
// in the RateLimit-* headers of every response, errors included; an empty
// bucket answers 429 with Retry-After. Without a limiter it does nothing.
//
// When the limiter fails (Redis down and no fallback), the request goes
// through unthrottled and the failure is logged: fail open, because the
// limit protects the service, it does not authorize anyone.
func (h handlers) rateLimit(next http.Handler) http.Handler {
	if h.Limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := h.Limiter.Allow(r.Context(), rateKey(r))
		if err != nil {
			h.Logger.ErrorContext(r.Context(), "usersv1: rate limiter failed, admitting",
				"err", err, "request_id", reqinfo.RequestID(r.Context()))
			next.ServeHTTP(w, r)
			return
		}
		hd := w.Header()
		hd.Set("RateLimit-Limit", strconv.Itoa(res.Limit))
		hd.Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
		hd.Set("RateLimit-Reset", strconv.Itoa(seconds(res.ResetAfter)))
		if !res.Allowed {
			hd.Set("Retry-After", strconv.Itoa(max(1, seconds(res.RetryAfter))))
			h.fail(w, r, errRateLimited)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rateKey names the caller's bucket: its credential, else the application
// acting alone, else (anonymous or a bad header) the client address.
func rateKey(r *http.Request) string {
	v, err := auth.Resolve(r.Context())
	switch {
	case err == nil && v != nil && v.Credential != nil:
		return "cred:" + strconv.Itoa(v.Credential.ID)
	case err == nil && v != nil && v.App != nil:
		return "app:" + strconv.Itoa(v.App.ID)
	}
	return "addr:" + reqinfo.ClientAddr(r.Context())
}

// seconds rounds d up to whole seconds, as the headers count them.
func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
