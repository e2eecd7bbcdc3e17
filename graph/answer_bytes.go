package graph

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"userbridge/internal/rules/signatures"
)

// DefaultMaxAnswerBytes bounds the bytes of large fields one answer may
// carry (GRAPHQL_MAX_ANSWER_BYTES).
const DefaultMaxAnswerBytes = 16 << 20

// codeAnswerBytes is the extensions.code of an operation refused because
// its answer could carry, or did carry, more than MaxAnswerBytes.
const codeAnswerBytes = "ANSWER_BYTES_LIMIT_EXCEEDED"

// answerGuard bounds the bytes of the large fields (a signature's image,
// base64) one answer carries, twice:
//
//   - before execution, the operation's most bytes are counted from the
//     document as complexity counts fields: each large field at its largest
//     value, times the items its lists and pages may bring, except that a
//     user's signatures together are at most the per-user bound. An
//     operation that could answer more is refused, nothing executed;
//   - while executing, each large field charges its real size to the
//     operation's budget (chargeAnswer) before it is encoded: past it, the
//     field and then the whole answer are refused. This holds for rows
//     stored before the per-user bounds, which the estimate assumes.
//
// Either way the client gets ANSWER_BYTES_LIMIT_EXCEEDED and no data,
// never an answer of hundreds of megabytes built in memory. And operations
// that may answer large fields draw their estimate from a budget the
// whole process shares (inFlight, AnswersInFlight answers of the largest
// size) before they execute, so that many at once wait rather than hold
// many answers in memory together.
type answerGuard struct {
	max      int64
	listSize int
	pageSize int
	inFlight *answerSlots
	// valueBytes is the most one large field can answer, by its
	// coordinate (Type.field); groupBytes the most the large fields
	// directly under a list can answer together, for each parent.
	valueBytes map[string]int64
	groupBytes map[string]int64
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = answerGuard{}

// newAnswerGuard bounds answers to maxBytes (0: DefaultMaxAnswerBytes);
// userBytes is the bytes of signatures one user may keep.
func newAnswerGuard(maxBytes int64, listSize, pageSize int, userBytes int64) answerGuard {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxAnswerBytes
	}
	b64 := func(n int64) int64 { return int64(base64.StdEncoding.EncodedLen(int(n))) }
	return answerGuard{max: maxBytes, listSize: listSize, pageSize: pageSize,
		inFlight:   &answerSlots{free: AnswersInFlight * maxBytes},
		valueBytes: map[string]int64{"Signature.encodedSignature": b64(signatures.MaxBytes)},
		groupBytes: map[string]int64{
			"User.signatures":                b64(userBytes),
			"Mutation.setExternalSignatures": b64(userBytes), // one set of the user's
		}}
}

// ExtensionName implements graphql.HandlerExtension.
func (answerGuard) ExtensionName() string { return "AnswerBytes" }

// Validate implements graphql.HandlerExtension.
func (answerGuard) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses an operation whose answer could carry
// more than the bound.
func (g answerGuard) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if n := g.estimate(oc); n > g.max {
		return answerError("operation could answer %d bytes of large fields, over the limit of %d; ask for fewer items", n, g.max)
	}
	return nil
}

// estimate is the most bytes of large fields oc's operation may answer.
func (g answerGuard) estimate(oc *graphql.OperationContext) int64 {
	if oc == nil || oc.Operation == nil {
		return 0
	}
	e := byteEstimate{g: g, vars: oc.Variables, ceiling: g.max + 1, memo: map[string]answerSize{}}
	return e.set(oc.Operation.SelectionSet).total(e.ceiling)
}

// InterceptOperation gives the operation its byte budget and, when it may
// answer large fields, waits for its estimate in the process's budget,
// given back once its answer is built.
func (g answerGuard) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	ctx = context.WithValue(ctx, answerBudgetKey{}, &answerBudget{left: g.max})
	n := g.estimate(graphql.GetOperationContext(ctx))
	if n == 0 || g.inFlight == nil {
		return next(ctx)
	}
	if err := g.inFlight.acquire(ctx, n); err != nil {
		return graphql.OneShot(graphql.ErrorResponse(ctx, "request cancelled while waiting to answer"))
	}
	var once sync.Once
	release := func() { once.Do(func() { g.inFlight.release(n) }) }
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		defer release()
		return h(ctx)
	}
}

// InterceptResponse replaces an answer that went over its budget by the
// refusal alone.
func (g answerGuard) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	b, _ := ctx.Value(answerBudgetKey{}).(*answerBudget)
	if resp == nil || b == nil || !b.over() {
		return resp
	}
	return &graphql.Response{Data: []byte("null"), Errors: gqlerror.List{
		answerError("answer would carry more than %d bytes of large fields; ask for fewer items", g.max)}}
}

func answerError(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	err.Extensions = map[string]any{"code": codeAnswerBytes}
	return err
}

// AnswersInFlight is how many answers of GRAPHQL_MAX_ANSWER_BYTES the
// process builds at once; smaller ones share the same budget.
const AnswersInFlight = 4

// answerSlots is the process's budget of large-field bytes being answered:
// acquire waits, in order, until n bytes are free or ctx is done.
type answerSlots struct {
	mu    sync.Mutex
	free  int64
	queue []*answerWaiter
}

type answerWaiter struct {
	n     int64
	ready chan struct{}
}

func (s *answerSlots) acquire(ctx context.Context, n int64) error {
	s.mu.Lock()
	if len(s.queue) == 0 && s.free >= n {
		s.free -= n
		s.mu.Unlock()
		return nil
	}
	w := &answerWaiter{n: n, ready: make(chan struct{})}
	s.queue = append(s.queue, w)
	s.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		select {
		case <-w.ready: // granted meanwhile: give it back
			s.free += n
			s.wake()
		default:
			for i, q := range s.queue {
				if q == w {
					s.queue = append(s.queue[:i], s.queue[i+1:]...)
					break
				}
			}
			s.wake()
		}
		return ctx.Err()
	}
}

func (s *answerSlots) release(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.free += n
	s.wake()
}

// wake grants waiters in order while they fit; s.mu is held.
func (s *answerSlots) wake() {
	for len(s.queue) > 0 && s.free >= s.queue[0].n {
		w := s.queue[0]
		s.queue = s.queue[1:]
		s.free -= w.n
		close(w.ready)
	}
}

type answerBudgetKey struct{}

// answerBudget is what an operation may still answer; resolvers of large
// fields run concurrently.
type answerBudget struct {
	mu      sync.Mutex
	left    int64
	refused bool
}

func (b *answerBudget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refused || n > b.left {
		b.refused = true
		return false
	}
	b.left -= n
	return true
}

func (b *answerBudget) over() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.refused
}

// chargeAnswer takes n bytes from the operation's budget before a large
// field is built; past it, it returns the refusal (and the whole answer is
// refused). Outside an operation (tests calling resolvers) it allows all.
func chargeAnswer(ctx context.Context, n int) error {
	b, _ := ctx.Value(answerBudgetKey{}).(*answerBudget)
	if b == nil || b.take(int64(n)) {
		return nil
	}
	return answerError("answer would carry more than its limit of bytes of large fields; ask for fewer items")
}

// answerSize splits a selection set's bytes into those of large fields
// directly in it (bounded together under a grouped list) and the rest.
type answerSize struct{ direct, nested int64 }

func (s answerSize) total(ceiling int64) int64 { return min(s.direct+s.nested, ceiling) }

// byteEstimate walks an operation as coster does (connections by first,
// last or the page size, nodes by its ids, other lists by the list size;
// fragments counted whether or not they apply: an upper bound), every sum
// stopping at ceiling.
type byteEstimate struct {
	g       answerGuard
	vars    map[string]any
	ceiling int64
	memo    map[string]answerSize
}

func (e *byteEstimate) add(a, b int64) int64 { return min(a+b, e.ceiling) }

func (e *byteEstimate) mul(n int, a int64) int64 {
	if n <= 0 || a <= 0 {
		return 0
	}
	if a > e.ceiling/int64(n) {
		return e.ceiling
	}
	return min(int64(n)*a, e.ceiling)
}

func (e *byteEstimate) set(set ast.SelectionSet) answerSize {
	var s answerSize
	for _, sel := range set {
		var sub answerSize
		switch sel := sel.(type) {
		case *ast.Field:
			if n, ok := e.g.valueBytes[coordinate(sel)]; ok {
				sub.direct = n
			} else {
				sub.nested = e.field(sel)
			}
		case *ast.InlineFragment:
			sub = e.set(sel.SelectionSet)
		case *ast.FragmentSpread:
			var ok bool
			if sub, ok = e.memo[sel.Name]; !ok && sel.Definition != nil {
				e.memo[sel.Name] = answerSize{} // validated: no cycles; this only guards
				sub = e.set(sel.Definition.SelectionSet)
				e.memo[sel.Name] = sub
			}
		}
		s.direct, s.nested = e.add(s.direct, sub.direct), e.add(s.nested, sub.nested)
	}
	return s
}

// field is the most bytes of large fields under f (f not one itself).
func (e *byteEstimate) field(f *ast.Field) int64 {
	if len(f.SelectionSet) == 0 || f.Definition == nil || strings.HasPrefix(f.Definition.Type.Name(), "__") {
		return 0
	}
	sub := e.set(f.SelectionSet)
	d := f.Definition
	parent := ""
	if f.ObjectDefinition != nil {
		parent = f.ObjectDefinition.Name
	}
	n := 1
	switch {
	case strings.HasSuffix(d.Type.Name(), "Connection") && d.Type.Elem == nil:
		n = e.pageSize(f)
	case f.Name == "nodes" && f.Arguments.ForName("ids") != nil:
		n = e.ids(f)
	case d.Type.Elem != nil && !strings.HasSuffix(parent, "Connection"):
		n = e.g.listSize
	}
	if group, ok := e.g.groupBytes[coordinate(f)]; ok {
		return e.add(min(e.mul(n, sub.direct), group), e.mul(n, sub.nested))
	}
	return e.mul(n, sub.total(e.ceiling))
}

func (e *byteEstimate) pageSize(f *ast.Field) int {
	c := coster{vars: e.vars, listSize: e.g.listSize, defaultPage: e.g.pageSize}
	return c.pageSize(f)
}

func (e *byteEstimate) ids(f *ast.Field) int {
	v, err := f.Arguments.ForName("ids").Value.Value(e.vars)
	if err != nil {
		return 0
	}
	list, _ := v.([]any)
	return len(list)
}

// coordinate names a field as Type.field, by the type it was selected on.
func coordinate(f *ast.Field) string {
	if f.ObjectDefinition == nil {
		return ""
	}
	return f.ObjectDefinition.Name + "." + f.Name
}
