package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// postJSON is gqlgen's POST transport with one difference: a response that
// is only data is written as {"data":...} as the executor produced it.
// gqlgen passes every response through json.Marshal, which validates and
// re-compacts the data the executor has just written compactly: 6 % of the
// CPU of a page of 50 users at one connection (bench/README.md).
//
// Only the successful path is its own. A body that cannot be read or
// decoded, or an operation that cannot be prepared (parse, validation,
// limits), is handed to transport.POST with the body restored, so errors
// keep gqlgen's status codes, headers and texts; so does a response with
// errors or extensions. transport_test.go checks both against
// transport.POST byte for byte.
type postJSON struct{ transport.POST }

func (t postJSON) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		r.Body = io.NopCloser(failingReader{err})
		t.POST.Do(w, r, exec)
		return
	}
	fallback := func() {
		r.Body = io.NopCloser(bytes.NewReader(body))
		t.POST.Do(w, r, exec)
	}
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		fallback()
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	ctx := r.Context()
	oc, opErr := exec.CreateOperationContext(ctx, &params)
	if opErr != nil {
		fallback()
		return
	}
	w.Header().Set("Content-Type", responseContentType(r.Header.Get("Accept")))
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, responses(ctx))
}

// writeResponse writes what transport.POST would, without re-encoding data.
func writeResponse(w io.Writer, resp *graphql.Response) {
	if len(resp.Errors) > 0 || resp.Label != "" || len(resp.Path) > 0 || resp.HasNext != nil || len(resp.Extensions) > 0 || len(resp.Data) == 0 {
		b, err := json.Marshal(resp)
		if err != nil {
			b = []byte(`{"errors":[{"message":"the response could not be encoded"}],"data":null}`)
		}
		_, _ = w.Write(b)
		return
	}
	var buf bytes.Buffer
	buf.Grow(len(`{"data":}`) + len(resp.Data))
	buf.WriteString(`{"data":`)
	if needsHTMLEscape(resp.Data) {
		// As json.Marshal does: <, >, &, U+2028 and U+2029 in strings.
		json.HTMLEscape(&buf, resp.Data)
	} else {
		buf.Write(resp.Data)
	}
	buf.WriteByte('}')
	_, _ = w.Write(buf.Bytes())
}

// needsHTMLEscape reports whether b holds a character json.Marshal would
// escape. One vectorized search per character: bytes.ContainsAny with the
// two non-ASCII separators in its set decodes b rune by rune, 2 % of the
// CPU of a page of 50 users (BenchmarkNeedsHTMLEscape: 56 -> 1 µs).
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
	const plain, graphqlResponse = "application/json", "application/graphql-response+json"
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

// failingReader returns err, as the request body did.
type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }
