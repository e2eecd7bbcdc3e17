package auth

import (
	"context"
	"net/http"
)

type errKey struct{}

// Middleware authenticates each request once and leaves the outcome in its
// context, for Resolve. It never answers by itself: each transport spells
// an authentication failure in its own shape.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := a.Authenticate(r.Context(), r.Header.Get("Authorization"))
		ctx := NewContext(r.Context(), v)
		if err != nil {
			ctx = context.WithValue(ctx, errKey{}, err)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// Resolve returns the request's viewer (nil when anonymous), or the error
// that its Authorization header caused.
func Resolve(ctx context.Context) (*Viewer, error) {
	if err, ok := ctx.Value(errKey{}).(error); ok {
		return nil, err
	}
	return FromContext(ctx), nil
}
