package graph

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"userbridge/internal/rules/auth"
	"userbridge/internal/rules/policy"
)

// Direct answers: a query made only of the fields listed in directFields
// (a page of users, the viewer or one user, with their scalars, avatar
// and files) is answered by writing its JSON in one pass over what the
// resolvers return, instead of through gqlgen's executor. The executor
// spends most of a page's CPU on its own machinery, not on the data: a
// field context, a context value and a closure per field, a field set per
// object, a goroutine per list element (BenchmarkUsersPage, the profile in
// bench/README.md). Here each field is a case of a switch that writes
// bytes.
//
// Exactness comes first, so the direct path decides nothing of its own:
//   - the data is what the same resolvers and ent edge methods return,
//     called with the field contexts gqlgen would give them (their
//     arguments parsed by the generated code), so the policies, the
//     guarded fields and the planned loading are the same;
//   - the leaves are written by the generated marshalers, or for strings
//     by writeString, which writes what graphql.MarshalString writes
//     (TestWriteStringIsGqlgens);
//   - anything else (an error from a resolver, an argument or a
//     marshaler, a null where the schema says non-null, a panic) drops
//     the direct answer and the operation runs again through the
//     executor, which writes the errors, nulls and paths as it always
//     did. Nothing a direct answer tried reaches the response: its
//     errors go to a response context of its own.
//
// TestDifferentialPlannedAndEdgeByEdge compares the answers of 500
// generated documents, as four viewers, with a service answering field
// by field (Options.FieldByField).
type directAnswers struct {
	es   *executableSchema
	note func(answered bool) // Observer.noteDirect
}

// directFields are the fields a direct answer writes, by the type holding
// them; the value is the field's object type, "" for a leaf. A document
// with any other field (or a @defer) goes through the executor.
var directFields = map[string]map[string]string{
	"Query":          {"users": "UserConnection", "viewer": "User", "user": "User"},
	"UserConnection": {"edges": "UserEdge", "pageInfo": "PageInfo", "totalCount": ""},
	"UserEdge":       {"node": "User", "cursor": ""},
	"FileConnection": {"edges": "FileEdge", "pageInfo": "PageInfo", "totalCount": ""},
	"FileEdge":       {"node": "File", "cursor": ""},
	"PageInfo":       {"hasNextPage": "", "hasPreviousPage": "", "startCursor": "", "endCursor": ""},
	"User": {"id": "", "createdAt": "", "updatedAt": "", "publicID": "", "username": "", "role": "",
		"flags": "", "privileges": "", "status": "", "verified": "", "mode": "", "email": "", "login": "",
		"firstName": "", "lastName": "", "name": "", "files": "FileConnection", "avatar": "File"},
	"File": {"id": "", "createdAt": "", "kind": "", "nature": "", "name": "", "contentType": "",
		"fileType": "", "size": "", "sha256": "", "scenarioID": "", "expiresAt": "", "owner": "User", "url": ""},
}

// guardedFields are the User fields whose resolver asks policy.ReadField,
// and the field it asks for: a document showing one the viewer may not
// read goes to the executor at once (it would fail the direct answer on
// its first user).
var guardedFields = map[string]string{"email": "email", "login": "login", "firstName": "first_name",
	"lastName": "last_name", "name": "name"}

// directImplementors are the types each type satisfies in a fragment's
// type condition: the generated code's lists.
var directImplementors = map[string][]string{
	"Query": queryImplementors, "UserConnection": userConnectionImplementors, "UserEdge": userEdgeImplementors,
	"FileConnection": fileConnectionImplementors, "FileEdge": fileEdgeImplementors,
	"PageInfo": pageInfoImplementors, "User": userImplementors, "File": fileImplementors,
}

func (directAnswers) ExtensionName() string                   { return "DirectAnswers" }
func (directAnswers) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse answers a query directly when it can, and otherwise
// (or when the direct answer is dropped) lets the executor answer. It is
// the innermost response interceptor, so every other extension (cost,
// budget, answer bytes, observer) sees the answer as it sees the
// executor's.
func (d directAnswers) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if !graphql.HasOperationContext(ctx) { // a request refused before its operation was known
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Query || graphql.GetErrors(ctx) != nil {
		// Errors recorded before execution (inputText, inputLimits) are
		// written by the executor's path, which appends them to its data.
		return next(ctx)
	}
	w := directWriterPool.Get().(*directWriter)
	defer w.release()
	w.start(ctx, d.es, oc)
	if !w.supported(auth.FromContext(ctx), oc.Operation.SelectionSet, "Query", 0) {
		return next(ctx)
	}
	if !w.answer() {
		d.note(false)
		return next(ctx)
	}
	d.note(true)
	data := bytes.Clone(w.buf.Bytes())
	return &graphql.Response{Data: data, Extensions: graphql.GetExtensions(ctx)}
}

// directMaxDepth bounds the eligibility walk; the depth limit refused
// deeper documents before this runs.
const directMaxDepth = 64

// directWriter is one direct answer being written.
type directWriter struct {
	ctx    context.Context // the operation's, with a response context of its own
	ec     *executionContext
	oc     *graphql.OperationContext
	buf    bytes.Buffer
	fields map[directSel][]graphql.CollectedField
	// files are the field contexts of User.files, with their arguments
	// parsed once per operation for every user of a page under the same
	// parent (the generated code parses them for each user).
	files  map[directFC]*graphql.FieldContext
	failed bool
}

// directFC names a field of the document under one parent field context:
// a fragment's field sits under as many parents as the fragment is spread.
type directFC struct {
	field  *ast.Field
	parent *graphql.FieldContext
}

// directSel names a selection set of the document and the type it is
// collected for: the same for every object of that type in one operation.
type directSel struct {
	first *ast.Selection
	n     int
	typ   string
}

var directWriterPool = sync.Pool{New: func() any {
	return &directWriter{fields: map[directSel][]graphql.CollectedField{}, files: map[directFC]*graphql.FieldContext{}}
}}

func (w *directWriter) start(ctx context.Context, es *executableSchema, oc *graphql.OperationContext) {
	// Its own errors, and its own connection views: selectUserColumns
	// narrows the view it is given, which the executor must not find
	// narrowed when it answers after a dropped direct answer.
	ctx = context.WithValue(ctx, viewsKey{}, &views{})
	ctx = graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	w.ec = newExecutionContext(oc, es, nil)
	w.ctx = graphql.WithLazyInputUnmarshalerIndex(ctx, w.inputs)
	w.oc = oc
}

// inputs is the part of the generated Exec's input index that ent's
// field collection reads under the direct path's connections: the where
// inputs of a page of users and of a user's files, which entgql's
// fieldArgs decodes through graphql.UnmarshalInputFromContext and leaves
// out, silently, without an index (TestDifferentialPlannedAndEdgeByEdge
// found it: files(where: {hasOwnerWith: ...}) answered every file).
func (w *directWriter) inputs() *graphql.InputUnmarshalerIndex {
	return graphql.NewInputUnmarshalerIndex(
		graphql.NewInputUnmarshaler("FileWhereInput", w.ec.unmarshalInputFileWhereInput),
		graphql.NewInputUnmarshaler("UserWhereInput", w.ec.unmarshalInputUserWhereInput),
	)
}

// release returns w to the pool, unless its buffer grew past
// maxPooledResponse (an answer of a few megabytes would stay pinned).
func (w *directWriter) release() {
	w.ctx, w.ec, w.oc, w.failed = nil, nil, nil, false
	clear(w.fields)
	clear(w.files)
	if w.buf.Cap() > maxPooledResponse {
		return
	}
	w.buf.Reset()
	directWriterPool.Put(w)
}

// collect is graphql.CollectFields of sel for typ, once per operation.
func (w *directWriter) collect(sel ast.SelectionSet, typ string) []graphql.CollectedField {
	if len(sel) == 0 {
		return nil
	}
	k := directSel{&sel[0], len(sel), typ}
	if f, ok := w.fields[k]; ok {
		return f
	}
	f := graphql.CollectFields(w.oc, sel, directImplementors[typ])
	w.fields[k] = f
	return f
}

// supported reports whether every field under sel (of type typ) is one
// directFields lists, with no @defer, and none is a guarded field v may
// not read.
func (w *directWriter) supported(v *auth.Viewer, sel ast.SelectionSet, typ string, depth int) bool {
	if depth > directMaxDepth {
		return false
	}
	known := directFields[typ]
	for _, f := range w.collect(sel, typ) {
		if len(f.Deferrables) > 0 {
			return false
		}
		if f.Name == "__typename" {
			continue
		}
		child, ok := known[f.Name]
		if !ok {
			return false
		}
		if g, ok := guardedFields[f.Name]; ok && typ == "User" && policy.ReadField(v, g) != nil {
			return false
		}
		if child != "" && !w.supported(v, f.Selections, child, depth+1) {
			return false
		}
	}
	return true
}

// answer writes the data of the operation into w.buf and reports whether
// it is the answer: no error anywhere, recorded or panicked.
func (w *directWriter) answer() (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			ok = false
		}
	}()
	ctx := graphql.WithFieldContext(w.ctx, &graphql.FieldContext{Object: "Query"})
	w.query(ctx, w.oc.Operation.SelectionSet)
	return !w.failed && len(graphql.GetErrors(w.ctx)) == 0
}

// fail drops the direct answer: the executor will answer instead.
func (w *directWriter) fail(error) { w.failed = true }

// errNull is a null where the schema says non-null: the executor answers
// it with its error and the null's propagation.
var errNull = fmt.Errorf("graph: a non-null field is null")
