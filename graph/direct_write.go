package graph

import (
	"bytes"
	"context"
	"strconv"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"userbridge/ent"
	"userbridge/graph/relay"
)

// The writers of a direct answer (direct.go), one per type of
// directFields. Each mirrors the generated _Type function: the fields in
// the order graphql.CollectFields gives them, each read as the generated
// code reads it and written by the marshaler it uses.

func (w *directWriter) query(ctx context.Context, sel ast.SelectionSet) {
	w.buf.WriteByte('{')
	for i, f := range w.collect(sel, "Query") {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			writeString(&w.buf, "Query")
		case "users":
			fc, err := w.ec.fieldContext_Query_users(ctx, f)
			if err != nil {
				w.fail(err)
				return
			}
			ctx := graphql.WithFieldContext(ctx, fc)
			c, err := w.ec.Resolvers.Query().Users(ctx, fc.Args["after"].(*relay.Cursor), fc.Args["first"].(*int),
				fc.Args["before"].(*relay.Cursor), fc.Args["last"].(*int), fc.Args["orderBy"].(*ent.UserOrder),
				fc.Args["where"].(*ent.UserWhereInput))
			if err != nil || c == nil {
				w.fail(err)
				return
			}
			w.userConnection(ctx, f.Selections, c)
		case "viewer":
			fc, err := w.ec.fieldContext_Query_viewer(ctx, f)
			if err != nil {
				w.fail(err)
				return
			}
			ctx := graphql.WithFieldContext(ctx, fc)
			u, err := w.ec.Resolvers.Query().Viewer(ctx)
			if err != nil {
				w.fail(err)
				return
			}
			w.user(ctx, f.Selections, u)
		case "user":
			fc, err := w.ec.fieldContext_Query_user(ctx, f)
			if err != nil {
				w.fail(err)
				return
			}
			ctx := graphql.WithFieldContext(ctx, fc)
			u, err := w.ec.Resolvers.Query().User(ctx, fc.Args["id"].(int))
			if err != nil {
				w.fail(err)
				return
			}
			w.user(ctx, f.Selections, u)
		}
		if w.failed {
			return
		}
	}
	w.buf.WriteByte('}')
}

// writeConnection writes a connection of GraphQL type conn, its edges of
// type edge (their generated Go types are E for the edges and N for the
// nodes), as the generated _<conn> and _<edge> functions do: parts reads
// an edge's node and cursor, writeNode writes a node.
func writeConnection[E, N any](ctx context.Context, w *directWriter, sel ast.SelectionSet, conn, edge string,
	edges []*E, p *relay.PageInfo, total int, parts func(*E) (N, *relay.Cursor),
	writeNode func(*directWriter, context.Context, ast.SelectionSet, N),
) {
	w.buf.WriteByte('{')
	for i, f := range w.collect(sel, conn) {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			writeString(&w.buf, conn)
		case "edges":
			if edges == nil {
				w.buf.WriteString("null")
				break
			}
			w.buf.WriteByte('[')
			for j, e := range edges {
				if j > 0 {
					w.buf.WriteByte(',')
				}
				if e == nil {
					w.buf.WriteString("null")
					continue
				}
				n, c := parts(e)
				w.buf.WriteByte('{')
				for k, g := range w.collect(f.Selections, edge) {
					w.key(k, g.Alias)
					switch g.Name {
					case "__typename":
						writeString(&w.buf, edge)
					case "node":
						writeNode(w, ctx, g.Selections, n)
					case "cursor":
						w.cursor(ctx, c)
					}
					if w.failed {
						return
					}
				}
				w.buf.WriteByte('}')
			}
			w.buf.WriteByte(']')
		case "pageInfo":
			w.pageInfo(ctx, f.Selections, p)
		case "totalCount":
			w.int(int64(total))
		}
		if w.failed {
			return
		}
	}
	w.buf.WriteByte('}')
}

func (w *directWriter) userConnection(ctx context.Context, sel ast.SelectionSet, c *ent.UserConnection) {
	writeConnection(ctx, w, sel, "UserConnection", "UserEdge", c.Edges, &c.PageInfo, c.TotalCount,
		func(e *ent.UserEdge) (*ent.User, *relay.Cursor) { return e.Node, &e.Cursor }, (*directWriter).user)
}

func (w *directWriter) fileConnection(ctx context.Context, sel ast.SelectionSet, c *ent.FileConnection) {
	writeConnection(ctx, w, sel, "FileConnection", "FileEdge", c.Edges, &c.PageInfo, c.TotalCount,
		func(e *ent.FileEdge) (*ent.File, *relay.Cursor) { return e.Node, &e.Cursor }, (*directWriter).file)
}

func (w *directWriter) pageInfo(ctx context.Context, sel ast.SelectionSet, p *relay.PageInfo) {
	w.buf.WriteByte('{')
	for i, f := range w.collect(sel, "PageInfo") {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			writeString(&w.buf, "PageInfo")
		case "hasNextPage":
			w.bool(p.HasNextPage)
		case "hasPreviousPage":
			w.bool(p.HasPreviousPage)
		case "startCursor":
			w.cursor(ctx, p.StartCursor)
		case "endCursor":
			w.cursor(ctx, p.EndCursor)
		}
		if w.failed {
			return
		}
	}
	w.buf.WriteByte('}')
}

// user writes u, or null for a nil u (every User field of directFields
// is nullable but File.owner, which checks before).
func (w *directWriter) user(ctx context.Context, sel ast.SelectionSet, u *ent.User) {
	if u == nil {
		w.buf.WriteString("null")
		return
	}
	w.buf.WriteByte('{')
	for i, f := range w.collect(sel, "User") {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			writeString(&w.buf, "User")
		case "id":
			w.marshal(w.ec.marshalNID2int(ctx, nil, u.ID))
		case "createdAt":
			w.marshal(w.ec.marshalNTime2timeᚐTime(ctx, nil, u.CreatedAt))
		case "updatedAt":
			w.marshal(w.ec.marshalNTime2timeᚐTime(ctx, nil, u.UpdatedAt))
		case "publicID":
			writeString(&w.buf, u.PublicID)
		case "username":
			writeString(&w.buf, u.Username)
		case "role":
			w.marshal(w.ec.marshalNUserRole2userbridgeᚋentᚋuserᚐRole(ctx, nil, u.Role))
		case "flags":
			w.int(int64(u.Flags))
		case "privileges":
			w.strings(u.Privileges)
		case "status":
			w.marshal(w.ec.marshalNUserStatus2userbridgeᚋentᚋuserᚐStatus(ctx, nil, u.Status))
		case "verified":
			w.bool(u.Verified)
		case "mode":
			w.marshal(w.ec.marshalNUserMode2userbridgeᚋentᚋuserᚐMode(ctx, nil, u.Mode))
		case "email":
			w.optString(w.ec.Resolvers.User().Email(ctx, u))
		case "login":
			w.optString(w.ec.Resolvers.User().Login(ctx, u))
		case "firstName":
			w.optString(w.ec.Resolvers.User().FirstName(ctx, u))
		case "lastName":
			w.optString(w.ec.Resolvers.User().LastName(ctx, u))
		case "name":
			w.optString(w.ec.Resolvers.User().Name(ctx, u))
		case "files":
			fc, err := w.filesContext(ctx, f)
			if err != nil {
				w.fail(err)
				return
			}
			ctx := graphql.WithFieldContext(ctx, fc)
			c, err := w.ec.Resolvers.User().Files(ctx, u, fc.Args["after"].(*relay.Cursor), fc.Args["first"].(*int),
				fc.Args["before"].(*relay.Cursor), fc.Args["last"].(*int), fc.Args["orderBy"].(*ent.FileOrder),
				fc.Args["where"].(*ent.FileWhereInput))
			if err != nil || c == nil {
				w.fail(err)
				return
			}
			w.fileConnection(ctx, f.Selections, c)
		case "avatar":
			a, err := u.Avatar(ctx)
			if err != nil {
				w.fail(err)
				return
			}
			w.file(ctx, f.Selections, a)
		}
		if w.failed {
			return
		}
	}
	w.buf.WriteByte('}')
}

// file writes a, or null for a nil a.
func (w *directWriter) file(ctx context.Context, sel ast.SelectionSet, a *ent.File) {
	if a == nil {
		w.buf.WriteString("null")
		return
	}
	w.buf.WriteByte('{')
	for i, f := range w.collect(sel, "File") {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			writeString(&w.buf, "File")
		case "id":
			w.marshal(w.ec.marshalNID2int(ctx, nil, a.ID))
		case "createdAt":
			w.marshal(w.ec.marshalNTime2timeᚐTime(ctx, nil, a.CreatedAt))
		case "kind":
			w.marshal(w.ec.marshalNFileKind2userbridgeᚋentᚋfileᚐKind(ctx, nil, a.Kind))
		case "nature":
			w.marshal(w.ec.marshalNFileNature2userbridgeᚋentᚋfileᚐNature(ctx, nil, a.Nature))
		case "name":
			writeString(&w.buf, a.Name)
		case "contentType":
			writeString(&w.buf, a.ContentType)
		case "fileType":
			writeString(&w.buf, a.FileType)
		case "size":
			w.int(a.Size)
		case "sha256":
			writeString(&w.buf, a.Sha256)
		case "scenarioID":
			w.optString(a.ScenarioID, nil)
		case "expiresAt":
			w.marshal(w.ec.marshalOTime2ᚖtimeᚐTime(ctx, nil, a.ExpiresAt))
		case "owner":
			o, err := a.Owner(ctx)
			if err == nil && o == nil {
				err = errNull
			}
			if err != nil {
				w.fail(err)
				return
			}
			w.user(ctx, f.Selections, o)
		case "url":
			s, err := w.ec.Resolvers.File().URL(ctx, a)
			if err != nil {
				w.fail(err)
				return
			}
			writeString(&w.buf, s)
		}
		if w.failed {
			return
		}
	}
	w.buf.WriteByte('}')
}

// filesContext is fieldContext_User_files, once per field and parent:
// the arguments are the same for every user of a page, and no resolver
// changes them (the where input's predicates are made when it is parsed,
// and read after). BenchmarkUsersPage/files5 measures it.
func (w *directWriter) filesContext(ctx context.Context, f graphql.CollectedField) (*graphql.FieldContext, error) {
	k := directFC{f.Field, graphql.GetFieldContext(ctx)}
	if fc, ok := w.files[k]; ok {
		return fc, nil
	}
	fc, err := w.ec.fieldContext_User_files(ctx, f)
	if err == nil {
		w.files[k] = fc
	}
	return fc, err
}

// key writes the separator before the i-th field and its response name.
func (w *directWriter) key(i int, alias string) {
	if i > 0 {
		w.buf.WriteByte(',')
	}
	writeString(&w.buf, alias)
	w.buf.WriteByte(':')
}

// int writes what scalar.MarshalInt and MarshalInt64 write.
func (w *directWriter) int(v int64) {
	var b [20]byte
	w.buf.Write(strconv.AppendInt(b[:0], v, 10))
}

func (w *directWriter) bool(v bool) {
	if v {
		w.buf.WriteString("true")
	} else {
		w.buf.WriteString("false")
	}
}

// optString writes a nullable String a resolver returned.
func (w *directWriter) optString(s *string, err error) {
	switch {
	case err != nil:
		w.fail(err)
	case s == nil:
		w.buf.WriteString("null")
	default:
		writeString(&w.buf, *s)
	}
}

// strings writes a [String!] list: null when nil.
func (w *directWriter) strings(v []string) {
	if v == nil {
		w.buf.WriteString("null")
		return
	}
	w.buf.WriteByte('[')
	for i, s := range v {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		writeString(&w.buf, s)
	}
	w.buf.WriteByte(']')
}

// cursor writes c as marshalNCursor and marshalOCursor do (null for
// nil); a cursor that cannot be encoded fails the answer, as the
// executor reports it.
func (w *directWriter) cursor(ctx context.Context, c *relay.Cursor) {
	if c == nil {
		w.buf.WriteString("null")
		return
	}
	if err := c.MarshalGQLContext(ctx, &w.buf); err != nil {
		w.fail(err)
	}
}

// marshal writes a generated marshaler's value; graphql.Null from a
// non-null marshaler has recorded an error, which answer sees.
func (w *directWriter) marshal(m graphql.Marshaler) { m.MarshalGQL(&w.buf) }

// writeString writes s as gqlgen's graphql.MarshalString does: quoted,
// with control characters, '"' and '\' escaped and every other byte
// (invalid UTF-8 included) as it is. TestWriteStringIsGqlgens compares
// the two.
func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789ABCDEF"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf || (c >= 0x20 && c != '\\' && c != '"') {
			i++
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
		i++
		start = i
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}
