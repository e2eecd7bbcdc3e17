package usersv1

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/auth"
)

// rateLimit spends one token of each of the caller's buckets per request
// (spend) and reports the tighter one in the RateLimit-* headers of every response,
// errors included; an empty bucket answers 429 with Retry-After. Without a
// limiter it does nothing.
//
// When the limiter fails (Redis down and no fallback), the request goes
// through unthrottled and the failure is logged: fail open, because the
// limit protects the service, it does not authorize anyone.
func (h handlers) rateLimit(next http.Handler) http.Handler {
	if h.Limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := h.spend(r, rateKeys(r))
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

// spend takes one token from each bucket of keys in turn, stopping at the
// first that refuses (its answer is the request's: a refused request
// spends nothing more, and counts once among the refusals); when all
// admit, the answer is the one with the fewest tokens left.
func (h handlers) spend(r *http.Request, keys []string) (ratelimit.Result, error) {
	var out ratelimit.Result
	for i, k := range keys {
		res, err := h.Limiter.Allow(r.Context(), k)
		if err != nil || !res.Allowed {
			return res, err
		}
		if i == 0 || res.Remaining < out.Remaining {
			out = res
		}
	}
	return out, nil
}

// rateKeys names the caller's buckets: its credential and its user (so
// that minting more keys buys no more requests), else the application
// acting alone, else (anonymous or a bad header) the client address.
func rateKeys(r *http.Request) []string {
	v, err := auth.Resolve(r.Context())
	switch {
	case err == nil && v != nil && v.Credential != nil && v.User != nil:
		return []string{"cred:" + strconv.Itoa(v.Credential.ID), "user:" + strconv.Itoa(v.User.ID)}
	case err == nil && v != nil && v.Credential != nil:
		return []string{"cred:" + strconv.Itoa(v.Credential.ID)}
	case err == nil && v != nil && v.App != nil:
		return []string{"app:" + strconv.Itoa(v.App.ID)}
	}
	return []string{"addr:" + reqinfo.ClientAddr(r.Context())}
}

// seconds rounds d up to whole seconds, as the headers count them.
func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
