package shadow

import (
	"fmt"
	"slices"
	"strings"
)

// rules is what the shadow knows of one dialect: which of its answers'
// parts are documented (and so compared), which are noise by nature, and
// where its user ids appear.
type rules struct {
	name string
	// headers are compared by value, presence only are compared for being
	// there or not (their values change from one answer to the next).
	headers, presenceHeaders []string
	// reads are the routes (method and template) that change nothing
	// although their method is not GET or HEAD: compared too.
	reads []string
	// idPaths hold a user's id in the dialect's spelling; idRoutes are the
	// routes whose {id} names a user.
	idPaths, idRoutes []string
	// links hold signed download links: each system signs its own, so two
	// links are the same when both are absolute URLs.
	links []string
	// presence are compared for being there, null or not, never by value:
	// ids of this store's own making (an avatar's file id).
	presence []string
	// keyed arrays are matched element by element on a key field rather
	// than by position, so that one person missing from a list is one
	// difference, not a shift of every later element.
	keyed map[string]string
}

// contentType is compared on every dialect, by media type.
const contentType = "Content-Type"

var dialects = map[string]*rules{
	"eduplatform": {
		name:     "eduplatform",
		headers:  []string{contentType},
		reads:    []string{"POST /api/v1/users/oauth", "POST /api/v1/users/secured_attachments/{id}"},
		idPaths:  []string{"user.id", "user_files[*].user.id", "user_file.user.id"},
		links:    []string{"attachment", "user_files[*].attachment", "user_file.attachment"},
		keyed:    map[string]string{},
		idRoutes: nil, // secured_attachments/{id} names a file
	},
	"edufocus": {
		name:     "edufocus",
		headers:  []string{contentType},
		idPaths:  []string{"payload.id"},
		idRoutes: []string{"GET /users/{id}"},
		presence: []string{"payload.avatar"},
		keyed:    map[string]string{},
	},
	"usersv1": {
		name:            "usersv1",
		headers:         []string{contentType, "Location", "RateLimit-Limit"},
		presenceHeaders: []string{"RateLimit-Remaining", "RateLimit-Reset", "Retry-After"},
		idPaths:         []string{"id"},
		idRoutes:        []string{"GET /v1/users/{id}"},
		keyed:           map[string]string{},
	},
	"maarch": {
		name:    "maarch",
		headers: []string{contentType},
		idPaths: []string{"id", "users[*].id"},
		keyed:   map[string]string{"users": "id"},
	},
}

// Dialects are the names --dialect accepts.
func Dialects() []string {
	names := make([]string, 0, len(dialects))
	for n := range dialects {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func dialectRules(name string) (*rules, error) {
	r, ok := dialects[name]
	if !ok {
		return nil, fmt.Errorf("unknown dialect %q (one of %s)", name, strings.Join(Dialects(), ", "))
	}
	return r, nil
}

// isRead reports whether a request on route (method and template) changes
// nothing, so that this store may answer it too.
func (r *rules) isRead(method, route string) bool {
	return method == "GET" || method == "HEAD" || slices.Contains(r.reads, route)
}
