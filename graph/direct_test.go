package graph_test

import (
	"bytes"
	"testing"

	"userbridge/graph"
	"userbridge/internal/app"
	"userbridge/internal/app/apptest"
	"userbridge/internal/store/db/dbtest"
)

// fieldByField configures a service answering every query through
// gqlgen's executor (graph.Options.FieldByField), planned as usual.
func fieldByField(c *app.Config) {
	if c.GraphQL == (graph.Options{}) {
		c.GraphQL = graph.DefaultOptions
	}
	c.GraphQL.FieldByField = true
}

// TestDirectAnswersEveryField sends a query selecting every field a
// direct answer writes (graph.DirectEveryField) as each kind of viewer,
// for a user each may see and one they may not, to a service answering
// directly and to one answering field by field: the same bytes. An
// administrator's answers are written directly; a narrowed key's go to
// the executor before anything runs (FORBIDDEN on the guarded fields);
// another user's files for a plain user, or a user a manager may not
// see, are dropped for the executor's, which writes the errors.
func TestDirectAnswersEveryField(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		d := newDifferentialEnv(t, url)
		direct := apptest.New(t, url, differentialConfig(d.now))
		reference := apptest.New(t, url, differentialConfig(d.now), fieldByField)
		admin := d.tokens[0].token
		anonymous := namedToken{"anonymous", ""}
		for _, v := range append(d.tokens, anonymous) {
			for _, id := range []string{d.userIDs[0], d.userIDs[1], d.userIDs[len(d.userIDs)-1], "VXNlcjox"} {
				before, fellBefore := directAnswers(t, direct, admin)
				doc := genDoc{query: graph.DirectEveryField, vars: map[string]any{"id": id}}
				s1, b1 := postDoc(direct, v.token, doc)
				s2, b2 := postDoc(reference, v.token, doc)
				if s1 != s2 || !bytes.Equal(canonicalAnswer(b1), canonicalAnswer(b2)) {
					t.Errorf("as %s, user %s: %d %s\nfield by field: %d %s", v.name, id, s1, b1, s2, b2)
				}
				after, fellAfter := directAnswers(t, direct, admin)
				if v.name == "admin" && id != "VXNlcjox" && after != before+1 {
					t.Errorf("as admin, user %s: not answered directly (%d → %d): %s", id, before, after, b1)
				}
				// A guarded field the key may not read sends the document to
				// the executor before any resolver runs, not after a failure.
				if v.name == "narrowed" && (fellAfter != fellBefore || after != before) {
					t.Errorf("as narrowed, user %s: tried directly (%d → %d written, %d → %d dropped)", id, before, after, fellBefore, fellAfter)
				}
				if v.name == "admin" && !bytes.Contains(b1, []byte(`"__typename":"PageInfo"`)) {
					t.Errorf("as %s, user %s: no page in the answer: %s", v.name, id, b1)
				}
			}
		}
	})
}
