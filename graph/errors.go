package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
	"github.com/vektah/gqlparser/v2/validator/rules"

	"userbridge/internal/apperr"
	"userbridge/internal/edge/reqinfo"
)

// Error codes of extensions.code, one per apperr kind.
var codes = map[apperr.Kind]string{
	apperr.Internal:        "INTERNAL",
	apperr.Invalid:         "BAD_USER_INPUT",
	apperr.NotFound:        "NOT_FOUND",
	apperr.Conflict:        "CONFLICT",
	apperr.Unauthenticated: "UNAUTHENTICATED",
	apperr.Forbidden:       "FORBIDDEN",
	apperr.RateLimited:     "RATE_LIMITED",
	apperr.TooLarge:        "PAYLOAD_TOO_LARGE",
	apperr.Unavailable:     "UNAVAILABLE",
}

// presentError maps every error to one with extensions.code. Errors the
// GraphQL machinery made (parse, validation, limits) keep their own code
// or get BAD_USER_INPUT; an argument that could not be coerced (a bad Int,
// Time, id, ...) is BAD_USER_INPUT with the argument as field, whatever
// error its unmarshaler returned; rule errors get their kind's code, with
// the field and reason; anything unknown is INTERNAL with no detail, logged
// with the request id. Only INTERNAL is logged: everything else is the
// client's mistake or a refusal, and the access log has the request.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		if _, ok := gerr.Extensions["code"]; ok {
			return gerr // parse, validation and limit errors carry their own
		}
		arg := argumentPath(ctx, gerr)
		var ae *apperr.Error
		switch {
		case errors.As(err, &ae):
		case gerr.Err == nil:
			// A message of gqlgen's own: bad input at the GraphQL level.
			gerr.Extensions = map[string]any{"code": "BAD_USER_INPUT", "reason": "invalid_request"}
			return gerr
		case arg != "":
			ae = &apperr.Error{Kind: apperr.Invalid, Reason: "invalid_argument", Message: gerr.Message}
		default:
			ae = apperr.As(gerr.Err)
		}
		if ae.Kind == apperr.Internal {
			return internal(ctx, logger, gerr, err)
		}
		switch ae.Kind {
		case apperr.TooLarge:
			markTooLarge(ctx) // the multipart response becomes a 413
		case apperr.Unavailable:
			markOutage(ctx) // the response becomes a 503 with Retry-After
		}
		gerr.Message = ae.Error()
		if ae.Kind == apperr.Unavailable {
			gerr.Message = ae.Message // Error() names the cause, for logs only
		}
		if arg != "" && ae.Kind == apperr.Invalid {
			gerr.Message = arg + ": " + gerr.Message
		}
		gerr.Extensions = map[string]any{"code": codes[ae.Kind], "reason": ae.Reason}
		switch {
		case arg != "" && ae.Kind == apperr.Invalid:
			gerr.Extensions["field"] = arg
		case ae.Field != "":
			gerr.Extensions["field"] = ae.Field
		}
		return gerr
	}
}

// argumentPath names the argument (or input field) an error is about:
// gqlgen coerces each argument under a path that extends its field's path
// with the argument's name (graphql.ProcessArgField), and nests input
// fields and list elements below it, so an error whose path goes past the
// field that reports it was raised by coercing input. The result reads
// where.createdAtGT or ids[2]; it is empty for any other error.
func argumentPath(ctx context.Context, gerr *gqlerror.Error) string {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return ""
	}
	field := fc.Path()
	if len(gerr.Path) <= len(field) {
		return ""
	}
	for i, el := range field {
		if gerr.Path[i] != el {
			return ""
		}
	}
	var b strings.Builder
	for _, el := range gerr.Path[len(field):] {
		switch el := el.(type) {
		case ast.PathName:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(string(el))
		case ast.PathIndex:
			b.WriteString("[" + strconv.Itoa(int(el)) + "]")
		}
	}
	return b.String()
}

func internal(ctx context.Context, logger *slog.Logger, gerr *gqlerror.Error, err error) *gqlerror.Error {
	id := reqinfo.RequestID(ctx)
	switch n := countInternal(ctx); {
	case n <= maxLoggedInternal:
		logger.ErrorContext(ctx, "graphql internal error", "request_id", id, "path", gerr.Path.String(), "err", err)
	case n == maxLoggedInternal+1:
		logger.ErrorContext(ctx, "graphql internal error: further ones of this request are not logged",
			"request_id", id, "logged", maxLoggedInternal)
	}
	gerr.Message = "internal error"
	gerr.Extensions = map[string]any{"code": "INTERNAL", "requestId": id}
	return gerr
}

// maxLoggedInternal bounds the ERROR lines of one request: one failure
// repeated on every element of a list (a page, nodes(ids:)) would
// otherwise write a line per element.
const maxLoggedInternal = 5

type internalCountKey struct{}

// withInternalCount gives a request the counter countInternal reads.
func withInternalCount(ctx context.Context) context.Context {
	return context.WithValue(ctx, internalCountKey{}, new(atomic.Int32))
}

// countInternal counts an INTERNAL error of the request and returns how
// many it has had, 1 for a request without a counter.
func countInternal(ctx context.Context) int {
	if n, ok := ctx.Value(internalCountKey{}).(*atomic.Int32); ok {
		return int(n.Add(1))
	}
	return 1
}

// recoverPanic turns a resolver panic into an INTERNAL error; the client
// sees no detail, and the presenter logs the panic's value (within the
// request's budget, like any INTERNAL error).
func recoverPanic() graphql.RecoverFunc {
	return func(_ context.Context, p any) error {
		return apperr.Wrap(fmt.Errorf("panic: %v", p), "internal error")
	}
}

// MaxErrors caps the errors of one response. Validation reports every
// instance of a mistake (a document repeating one unknown directive makes
// an error of each, TestErrorOutputIsBounded), and a client reads the first
// few; the rest are replaced by one error that says how many were dropped.
const MaxErrors = 20

// capErrors is response middleware (every transport, request errors and
// results alike) keeping the first MaxErrors errors of a response.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) <= MaxErrors {
		return resp
	}
	dropped := resp.Errors[MaxErrors:]
	code, _ := dropped[0].Extensions["code"].(string)
	if code == "" {
		code = "BAD_USER_INPUT"
	}
	note := &gqlerror.Error{
		Message:    fmt.Sprintf("%d more errors were dropped (at most %d are reported)", len(dropped), MaxErrors),
		Extensions: map[string]any{"code": code, "reason": "too_many_errors"},
	}
	resp.Errors = append(resp.Errors[:MaxErrors:MaxErrors], note)
	return resp
}

// withoutSuggestions replaces, in a set of validation rules, each rule that
// adds "Did you mean" suggestions by its quiet variant, for a server whose
// schema is not public (introspection off): suggestions would spell out
// the fields, arguments, types and enum values a client did not name.
// gqlgen's own switch (SetDisableSuggestion) covers two of these five.
func withoutSuggestions(r *rules.Rules) *rules.Rules {
	for _, swap := range []struct {
		name string
		rule core.Rule
	}{
		{"FieldsOnCorrectType", rules.FieldsOnCorrectTypeRuleWithoutSuggestions},
		{"ScalarLeafs", rules.ScalarLeafsRuleWithoutSuggestions},
		{"ValuesOfCorrectType", rules.ValuesOfCorrectTypeRuleWithoutSuggestions},
		{"KnownArgumentNames", rules.KnownArgumentNamesRuleWithoutSuggestions},
		{"KnownTypeNames", rules.KnownTypeNamesRuleWithoutSuggestions},
	} {
		r.RemoveRule(swap.name)
		r.AddRule(swap.rule.Name, swap.rule.RuleFunc)
	}
	return r
}
