package graph

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"userbridge/graph/model"
	"userbridge/internal/edge/budget"
	"userbridge/internal/edge/ratelimit"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/auth"
)

// The cost budget (internal/edge/budget, docs/rate-limits.md) over
// GraphQL, in three places:
//
//   - withBudget (HTTP, after the credential is known) names the client's
//     bucket, waits for one of its slots, and turns the response into a
//     429 with Retry-After when the budget refused it;
//   - spendBudget (an operation context mutator after every limit) spends
//     the operation's complexity, which limitsGuard computed, before
//     anything executes;
//   - costExtension (response middleware, every response) spends
//     RefusedCost for a request that never got that far (it did not
//     parse, failed validation or a limit) and adds extensions.cost.

// charge is one request's dealings with the budget.
type charge struct {
	budget *budget.Budget
	key    string

	mu        sync.Mutex
	computed  bool // limitsGuard measured the operation
	requested int  // its complexity
	spent     bool // points were taken (or refused): nothing more to charge
	result    ratelimit.Result
	refused   *budget.Refused
}

type chargeKey struct{}

func chargeOf(ctx context.Context) *charge {
	c, _ := ctx.Value(chargeKey{}).(*charge)
	return c
}

// recordCost keeps the complexity limitsGuard computed for spendBudget.
func recordCost(ctx context.Context, total int) {
	if c := chargeOf(ctx); c != nil {
		c.mu.Lock()
		c.computed, c.requested = true, total
		c.mu.Unlock()
	}
}

// spend takes n points once per request and remembers the outcome.
func (c *charge) spend(ctx context.Context, n int) *budget.Refused {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.spent {
		return c.refused
	}
	c.spent, c.requested = true, n
	res, err := c.budget.Spend(ctx, c.key, n)
	c.result = res
	if r := (*budget.Refused)(nil); errors.As(err, &r) {
		c.refused = r
	}
	// Any other error is Redis failing with no fallback: the budget
	// protects the service and authorizes no one, so the request runs.
	return c.refused
}

// withBudget gives the request its charge and one of its client's slots.
func withBudget(b *budget.Budget, w http.ResponseWriter, r *http.Request, v *auth.Viewer, next http.Handler) {
	ctx := r.Context()
	c := &charge{budget: b, key: budget.Key(v, reqinfo.ClientAddr(ctx))}
	release, err := b.Enter(ctx, c.key)
	if err != nil {
		var refused *budget.Refused
		if !errors.As(err, &refused) {
			refused = &budget.Refused{RetryAfter: time.Second, Reason: "concurrency"}
		}
		c.spent, c.refused = true, refused
		c.result, _ = b.Peek(ctx, c.key)
		writeRefused(w, c)
		return
	}
	defer release()
	next.ServeHTTP(&budgetWriter{ResponseWriter: w, c: c}, r.WithContext(context.WithValue(ctx, chargeKey{}, c)))
	// Answered without reaching the executor (a body over its cap): the
	// refusal is charged all the same, while the slot is still held. An
	// OPTIONS request asks what the endpoint allows: it refuses nothing,
	// unless it sends a body (read, and refused when over the cap, like
	// any other).
	if r.Method != http.MethodOptions || r.ContentLength != 0 {
		_ = c.spend(ctx, b.Settings().RefusedCost) // its outcome is the charge's, read by the extension
	}
}

// writeRefused answers a request refused before it reached the executor.
func writeRefused(w http.ResponseWriter, c *charge) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", strconv.Itoa(c.refused.RetryAfterSeconds()))
	w.WriteHeader(http.StatusTooManyRequests)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors":     []any{rateLimitedError(c.refused)},
		"extensions": map[string]any{"cost": c.extension()},
	})
}

func rateLimitedError(r *budget.Refused) *gqlerror.Error {
	return &gqlerror.Error{Message: r.Error(), Extensions: map[string]any{
		"code": "RATE_LIMITED", "reason": r.Reason, "retryAfter": r.RetryAfterSeconds(),
	}}
}

// extension is extensions.cost: what the request asked for, what is left
// and when the bucket is full again.
func (c *charge) extension() map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.budget.Points() {
		return map[string]any{"requested": c.requested}
	}
	return map[string]any{
		"requested": c.requested,
		"remaining": c.result.Remaining,
		"limit":     c.result.Limit,
		"resetAt":   time.Now().Add(c.result.ResetAfter).UTC().Truncate(time.Second).Format(time.RFC3339),
	}
}

// budgetWriter turns the response of a request the budget refused into a
// 429 with Retry-After.
type budgetWriter struct {
	http.ResponseWriter
	c     *charge
	wrote bool
}

func (w *budgetWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	w.c.mu.Lock()
	refused := w.c.refused
	w.c.mu.Unlock()
	if refused != nil && code < 500 {
		w.Header().Set("Retry-After", strconv.Itoa(refused.RetryAfterSeconds()))
		code = http.StatusTooManyRequests
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *budgetWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *budgetWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// spendBudget spends an operation's complexity before it runs. It comes
// after every guard, so the complexity is known; a guard that refuses the
// operation stops it earlier, and costExtension charges the refusal.
type spendBudget struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = spendBudget{}

func (spendBudget) ExtensionName() string                   { return "CostBudget" }
func (spendBudget) Validate(graphql.ExecutableSchema) error { return nil }

func (spendBudget) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	c := chargeOf(ctx)
	if c == nil {
		return nil
	}
	c.mu.Lock()
	n := c.requested
	if !c.computed {
		n = 1 // complexity off: every operation costs a point
	}
	c.mu.Unlock()
	if onlyRateLimit(oc.Doc, oc.Operation) {
		n = 0
	}
	if r := c.spend(ctx, n); r != nil {
		return rateLimitedError(r)
	}
	return nil
}

// onlyRateLimit reports whether a document is nothing but one query
// reading the budget once, which costs nothing: a client must be able to
// ask when it may resume. Another operation or a fragment beside it would
// be parsed and validated for free, and each alias of rateLimit reads
// the bucket again (in Redis, a round trip): those are paid like any
// field (budget_outsider_test.go).
func onlyRateLimit(doc *ast.QueryDocument, op *ast.OperationDefinition) bool {
	if doc == nil || op == nil || op.Operation != ast.Query || len(doc.Operations) != 1 || len(doc.Fragments) != 0 {
		return false
	}
	found := 0
	var only func(set ast.SelectionSet) bool
	only = func(set ast.SelectionSet) bool {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				if sel.Name != "rateLimit" && sel.Name != "__typename" {
					return false
				}
				if sel.Name == "rateLimit" {
					found++
				}
			case *ast.InlineFragment:
				if !only(sel.SelectionSet) {
					return false
				}
			default:
				return false
			}
		}
		return true
	}
	return only(op.SelectionSet) && found == 1
}

// chargeRefusal makes an operation that was measured and paid for, then
// refused by its transport (a mutation sent with GET), cost what any
// refusal costs at least.
func chargeRefusal(ctx context.Context) {
	c := chargeOf(ctx)
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	more := c.budget.Settings().RefusedCost - c.requested
	if !c.spent || c.refused != nil || more <= 0 {
		return
	}
	c.requested += more
	res, err := c.budget.Spend(ctx, c.key, more)
	c.result = res
	if r := (*budget.Refused)(nil); errors.As(err, &r) {
		c.refused = r
	}
}

// InterceptResponse is costExtension: a request that reaches a response
// without having spent (refused before it ran) pays RefusedCost; when
// even that is past its budget, the answer is RATE_LIMITED. Every answer
// then carries extensions.cost.
func (spendBudget) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	c := chargeOf(ctx)
	if resp == nil || c == nil {
		return resp
	}
	c.mu.Lock()
	spent := c.spent
	c.mu.Unlock()
	if !spent {
		if r := c.spend(ctx, c.budget.Settings().RefusedCost); r != nil {
			resp.Errors = gqlerror.List{rateLimitedError(r)}
			resp.Data = nil
		}
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["cost"] = c.extension()
	return resp
}

// rateLimitOf reads the caller's budget without spending it (the
// rateLimit field).
func rateLimitOf(ctx context.Context) (*model.RateLimit, error) {
	c := chargeOf(ctx)
	now := time.Now().UTC().Truncate(time.Second)
	if c == nil {
		return &model.RateLimit{ResetAt: now}, nil
	}
	s := c.budget.Settings()
	out := &model.RateLimit{Enabled: c.budget.Points(), RefusedCost: s.RefusedCost, Concurrency: s.Concurrency, ResetAt: now}
	if !out.Enabled {
		out.RefusedCost = 0
		return out, nil
	}
	res, err := c.budget.Peek(ctx, c.key)
	if err != nil {
		return nil, err
	}
	out.Limit, out.Remaining = s.Limit.Burst, res.Remaining
	out.RefillPerSecond = float64(s.Limit.Rate) / s.Limit.Period.Seconds()
	out.ResetAt = time.Now().Add(res.ResetAfter).UTC().Truncate(time.Second)
	return out, nil
}
