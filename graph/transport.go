package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// postJSON is the POST transport (application/json). It differs from
// gqlgen's transport.POST in two ways.
//
// A response that is only data is written as {"data":...} as the executor
// produced it: gqlgen passes every response through json.Marshal, which
// validates and re-compacts the data the executor has just written
// compactly, a visible part of the CPU of a page of users (bench/README.md,
// fix 18). transport_test.go compares such responses with
// transport.POST's byte for byte.
//
// Request errors follow GraphQL-over-HTTP (graphql-http's audit, .ci/run)
// and carry extensions.code: a body that is not a GraphQL request (not
// JSON, a parameter of the wrong type, no query) is 400 BAD_USER_INPUT and
// its message does not repeat the body; a document that fails parsing,
// validation or a limit is 200 under application/json and 400 under
// application/graphql-response+json, and has no data entry (nothing ran).
type postJSON struct{}

func (postJSON) Supports(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" {
		return false
	}
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mediaType == "application/json"
}

func (postJSON) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	contentType := responseContentType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)
	ctx := r.Context()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeRequestErrors(ctx, w, exec, http.StatusBadRequest, gqlerror.List{
			badRequest("unreadable_body", "the request body could not be read")})
		return
	}
	var params graphql.RawParams
	gerr := scanBody(body) // input_limits.go: refused unread, like a body that is no JSON
	if gerr == nil {
		gerr = decodeParams(body, &params)
	}
	if gerr != nil {
		writeRequestErrors(ctx, w, exec, http.StatusBadRequest, gqlerror.List{gerr})
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	run(ctx, w, exec, contentType, &params, nil)
}

// run prepares and runs an operation and writes its response. allowed,
// when set, refuses an operation it returns false for with 405.
func run(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, contentType string,
	params *graphql.RawParams, allowed func(ast.Operation) bool,
) {
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		status := http.StatusOK
		if contentType == graphqlResponseJSON {
			status = http.StatusBadRequest
		}
		writeRequestErrors(graphql.WithOperationContext(ctx, oc), w, exec, status, errs)
		return
	}
	if allowed != nil && !allowed(oc.Operation.Operation) {
		chargeRefusal(ctx)
		w.Header().Set("Allow", "POST")
		writeRequestErrors(ctx, w, exec, http.StatusMethodNotAllowed, gqlerror.List{badRequest("method_not_allowed",
			"GET runs queries only: send a "+string(oc.Operation.Operation)+" with POST")})
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, responses(ctx))
}

// getQuery is the GET transport: the parameters in the query string, and
// only queries (a mutation is 405 with Allow: POST, as GraphQL-over-HTTP
// says; gqlgen's transport.GET answers 406). Errors as postJSON.
type getQuery struct{}

func (getQuery) Supports(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Upgrade") == ""
}

func (getQuery) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	contentType := responseContentType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", contentType)
	ctx := r.Context()
	bad := func(reason, msg string) {
		writeRequestErrors(ctx, w, exec, http.StatusBadRequest, gqlerror.List{badRequest(reason, msg)})
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		bad("invalid_query_string", "the query string could not be parsed")
		return
	}
	params := graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName"), Headers: r.Header}
	if params.Query == "" && q.Get("extensions") == "" {
		bad("missing_query", "the request has no query parameter")
		return
	}
	for _, p := range []struct {
		name string
		into *map[string]any
	}{{"variables", &params.Variables}, {"extensions", &params.Extensions}} {
		if v := q.Get(p.name); v != "" {
			if gerr := scanBody([]byte(v)); gerr != nil { // as a POST body: refused unread
				writeRequestErrors(ctx, w, exec, http.StatusBadRequest, gqlerror.List{gerr})
				return
			}
			if err := decodeObject(v, p.into); err != nil {
				bad("invalid_"+p.name, p.name+" must be a JSON object")
				return
			}
		}
	}
	// An automatic persisted query sends its hash alone (apq.go).
	if params.Query == "" && params.Extensions["persistedQuery"] == nil {
		bad("missing_query", "the request has no query parameter")
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	run(ctx, w, exec, contentType, &params, func(op ast.Operation) bool { return op == ast.Query })
}

// otherRequest answers, last of the transports, every request the others
// do not take, with a coded error: OPTIONS lists the methods; another
// method is 405 with Allow; a POST of another media type is 415; a
// WebSocket upgrade is 400.
type otherRequest struct{}

func (otherRequest) Supports(*http.Request) bool { return true }

func (otherRequest) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	const allow = "OPTIONS, GET, POST"
	w.Header().Set("Content-Type", "application/json")
	var status int
	var gerr *gqlerror.Error
	switch {
	case r.Header.Get("Upgrade") != "":
		status = http.StatusBadRequest
		gerr = badRequest("upgrade_not_supported", "this server has no subscriptions: send queries and mutations over HTTP")
	case r.Method == http.MethodOptions:
		w.Header().Set("Allow", allow)
		w.WriteHeader(http.StatusNoContent)
		return
	case r.Method == http.MethodPost:
		status = http.StatusUnsupportedMediaType
		gerr = badRequest("unsupported_media_type",
			"send the request as application/json (or multipart/form-data for uploads)")
	default:
		w.Header().Set("Allow", allow)
		status = http.StatusMethodNotAllowed
		gerr = badRequest("method_not_allowed", "use GET or POST")
	}
	writeRequestErrors(r.Context(), w, exec, status, gqlerror.List{gerr})
}

const graphqlResponseJSON = "application/graphql-response+json"

// badRequest is a request error: the client sent something that is not a
// GraphQL request.
func badRequest(reason, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "BAD_USER_INPUT", "reason": reason}}
}

// decodeParams decodes a POST body: one JSON object, with a query. Its
// errors name the parameter at fault, never quote the body.
//
// A body that is not UTF-8 is refused like a string holding invalid UTF-8
// (inputText): encoding/json would read each bad byte as U+FFFD, which
// inputText no longer sees and the store would keep.
func decodeParams(body []byte, params *graphql.RawParams) *gqlerror.Error {
	if !utf8.Valid(body) {
		return textError("")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := dec.Decode(params)
	if err == nil {
		if _, err := dec.Token(); err != io.EOF {
			return badRequest("invalid_json", "the body must hold one JSON object, and nothing after it")
		}
		if params.Query == "" && params.Extensions["persistedQuery"] == nil {
			return badRequest("missing_query", "the request has no query")
		}
		return nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return badRequest("missing_body", "the request body is empty: send a JSON object with a query")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("invalid_json", "the body is not valid JSON: it ends early")
	case errors.As(err, &syntax):
		return badRequest("invalid_json", fmt.Sprintf("the body is not valid JSON (at byte %d)", syntax.Offset))
	case errors.As(err, &typ) && typ.Field == "":
		return badRequest("invalid_json", "the body must be a JSON object")
	case errors.As(err, &typ):
		want := map[string]string{"query": "a string", "operationName": "a string",
			"variables": "an object", "extensions": "an object"}[typ.Field]
		if want == "" {
			return badRequest("invalid_json", "the body must be a JSON object with query, operationName, variables and extensions")
		}
		return badRequest("invalid_"+typ.Field, typ.Field+" must be "+want)
	}
	return badRequest("invalid_json", "the body is not a GraphQL request in JSON")
}

// decodeObject decodes a JSON object parameter of a GET request.
func decodeObject(s string, into *map[string]any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data")
	}
	return nil
}

// writeRequestErrors answers errors raised before execution: no data
// entry (GraphQL spec, "Response"), through the executor so that the error
// presenter and the response middleware (capErrors) see them.
func writeRequestErrors(ctx context.Context, w http.ResponseWriter, exec graphql.GraphExecutor, status int, errs gqlerror.List) {
	resp := exec.DispatchError(ctx, errs)
	w.WriteHeader(status)
	b, err := json.Marshal(struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
	if err != nil {
		b = []byte(`{"errors":[{"message":"the response could not be encoded","extensions":{"code":"INTERNAL"}}]}`)
	}
	_, _ = w.Write(b)
}

// writeResponse writes what transport.POST would, without re-encoding data.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if len(resp.Errors) > 0 || resp.Label != "" || len(resp.Path) > 0 || resp.HasNext != nil || len(resp.Data) == 0 {
		b, err := json.Marshal(resp)
		if err != nil {
			b = []byte(`{"errors":[{"message":"the response could not be encoded","extensions":{"code":"INTERNAL"}}],"data":null}`)
		}
		_, _ = w.Write(b)
		return
	}
	buf := responseBuffers.Get().(*bytes.Buffer)
	defer releaseResponseBuffer(buf)
	buf.Grow(len(`{"data":}`) + len(resp.Data))
	buf.WriteString(`{"data":`)
	if needsHTMLEscape(resp.Data) {
		// As json.Marshal does: <, >, &, U+2028 and U+2029 in strings.
		json.HTMLEscape(buf, resp.Data)
	} else {
		buf.Write(resp.Data)
	}
	if len(resp.Extensions) > 0 { // extensions.cost (budget.go), in json.Marshal's order
		ext, err := json.Marshal(resp.Extensions)
		if err == nil {
			buf.WriteString(`,"extensions":`)
			buf.Write(ext)
		}
	}
	buf.WriteByte('}')
	_, _ = w.Write(buf.Bytes())
}

// responseBuffers hold the bytes of a response between its encoding and
// its write: a buffer as large as the page, allocated for each page
// otherwise (BenchmarkPageLoading's bytes a page). A writer must not keep
// what it is given (io.Writer), so the buffer is reused once w.Write
// returns.
var responseBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// releaseResponseBuffer returns buf to the pool, unless a large answer
// grew it past maxPooledResponse: the pool would keep that memory pinned.
func releaseResponseBuffer(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledResponse {
		return
	}
	buf.Reset()
	responseBuffers.Put(buf)
}

// maxPooledResponse is the largest answer buffer a pool keeps (this one
// and the direct writer's).
const maxPooledResponse = 1 << 20

// needsHTMLEscape reports whether b holds a character json.Marshal would
// escape. One vectorized search per character: bytes.ContainsAny with the
// two non-ASCII separators in its set decodes b rune by rune, a visible
// share of the CPU of a page of users (BenchmarkNeedsHTMLEscape).
func needsHTMLEscape(b []byte) bool {
	for _, c := range []byte("<>&") {
		if bytes.IndexByte(b, c) >= 0 {
			return true
		}
	}
	return bytes.Contains(b, []byte("\u2028")) || bytes.Contains(b, []byte("\u2029"))
}

// responseContentType is the media type transport.POST answers with for an
// Accept header (its default: application/json unless the client asks
// for application/graphql-response+json, or for nothing it knows).
func responseContentType(accept string) string {
	const plain, graphqlResponse = "application/json", graphqlResponseJSON
	if accept == "" {
		return plain
	}
	for part := range strings.SplitSeq(accept, ",") {
		mediaType, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mediaType {
		case "*/*", "application/*", plain:
			return plain
		case graphqlResponse:
			return graphqlResponse
		}
	}
	return graphqlResponse
}
