package maarch

import (
	"cmp"
	"net/http"
	"runtime"
	"slices"
	"strings"

	"entgo.io/ent/dialect/sql"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/ent/user"
	"userbridge/internal/rules/legacyids"
	"userbridge/rest/jsonio"
	"userbridge/rest/routing"
)

// list answers GET /rest/users: every user by last name, then first name
// (then id, so that equal names keep one order), leaving out rest-mode
// (technical) accounts unless the query string names mode, with any value.
func (h handlers) list(w http.ResponseWriter, r *http.Request) {
	v, err := routing.Viewer(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q, err := h.Accounts.List(r.Context(), v, listedUserShows...)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body, err := h.encodedList(r, q)
	switch {
	case err != nil && r.Context().Err() != nil:
		return // the client is gone
	case err != nil:
		h.fail(w, r, err)
		return
	}
	jsonio.WriteBytes(w, http.StatusOK, body)
}

// listSlots is how many whole lists are built at once: two per CPU, so
// that one waiting on the database leaves its CPU to another.
func listSlots() int { return 2 * runtime.GOMAXPROCS(0) }

// encodedList reads, sorts and encodes the list within one of h.lists'
// slots: a whole list is held in memory until it is encoded, and building
// more of them at once than there are CPUs to do it adds memory, not
// throughput (bench/README.md, the Maarch list at 64 connections).
func (h handlers) encodedList(r *http.Request, q *ent.UserQuery) ([]byte, error) {
	select {
	case h.lists <- struct{}{}:
		defer func() { <-h.lists }()
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	if _, withRest := r.URL.Query()["mode"]; !withRest {
		q = q.Where(user.ModeNEQ(user.ModeRest))
	}
	// Scan the four columns straight into the legacy shape: materializing
	// ent.User values for the whole table multiplied the memory of
	// concurrent lists, even when dropped before sorting (bench/README.md,
	// the Maarch list's peak RSS).
	// The id is the one each user shows in this dialect, read in the same
	// statement (legacyids.ColumnIn): the primary key unless an import gave
	// another.
	var users []listedUser
	err := q.Modify(func(s *sql.Selector) {
		s.Select(s.C(user.FieldLogin), s.C(user.FieldFirstName), s.C(user.FieldLastName))
		legacyids.ColumnIn(legacyid.DialectMaarch)(s)
	}).EachRow(r.Context(),
		func(scan func(...any) error) error {
			var u listedUser
			if err := scan(&u.Login, &u.Firstname, &u.Lastname, &u.ID); err != nil {
				return err
			}
			users = append(users, u)
			return nil
		})
	if err != nil {
		return nil, err
	}
	sortByName(users)
	return jsonio.Marshal(listBody{Users: users})
}

// sortByName orders users by last name, then first name, ignoring case,
// then by id. The order is computed here rather than by the database so that
// SQLite and PostgreSQL (whose collations differ) answer the same list. Each
// name is lowercased once, not in every comparison, which allocated in
// every comparison of the sort (BenchmarkListEncode).
func sortByName(users []listedUser) {
	type keyed struct {
		u           listedUser
		last, first string
	}
	ks := make([]keyed, len(users))
	for i, u := range users {
		ks[i] = keyed{u, strings.ToLower(u.Lastname), strings.ToLower(u.Firstname)}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		return cmp.Or(strings.Compare(a.last, b.last), strings.Compare(a.first, b.first), cmp.Compare(a.u.ID, b.u.ID))
	})
	for i, k := range ks {
		users[i] = k.u
	}
}
