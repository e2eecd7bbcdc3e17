package graph

import (
	"context"
	"errors"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"userbridge/apperr"
	"userbridge/reqinfo"
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
}

// presentError maps every error to one with extensions.code. Errors the
// GraphQL machinery made (parse, validation, limits) keep their own code
// or get BAD_USER_INPUT; rule errors get their kind's code, with the field
// and reason; anything unknown is INTERNAL with no detail, logged with the
// request id.
func presentError(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		if _, ok := gerr.Extensions["code"]; ok {
			return gerr // parse, validation and limit errors carry their own
		}
		var ae *apperr.Error
		switch {
		case errors.As(err, &ae):
		case gerr.Err == nil:
			// A message of gqlgen's own: bad input at the GraphQL level.
			gerr.Extensions = map[string]any{"code": "BAD_USER_INPUT"}
			return gerr
		default:
			ae = apperr.As(gerr.Err)
		}
		if ae.Kind == apperr.Internal {
			return internal(ctx, logger, gerr, err)
		}
		if ae.Kind == apperr.TooLarge {
			markTooLarge(ctx) // the multipart response becomes a 413
		}
		gerr.Message = ae.Error()
		gerr.Extensions = map[string]any{"code": codes[ae.Kind], "reason": ae.Reason}
		if ae.Field != "" {
			gerr.Extensions["field"] = ae.Field
		}
		return gerr
	}
}

func internal(ctx context.Context, logger *slog.Logger, gerr *gqlerror.Error, err error) *gqlerror.Error {
	id := reqinfo.RequestID(ctx)
	logger.ErrorContext(ctx, "graphql internal error", "request_id", id, "path", gerr.Path.String(), "err", err)
	gerr.Message = "internal error"
	gerr.Extensions = map[string]any{"code": "INTERNAL", "requestId": id}
	return gerr
}

// recoverPanic turns a resolver panic into an INTERNAL error, logged with
// its value; the client sees no detail.
func recoverPanic(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "graphql panic", "request_id", reqinfo.RequestID(ctx), "panic", p)
		return apperr.Wrap(errors.New("panic"), "internal error")
	}
}
