package legacyids_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"userbridge/ent"
	"userbridge/ent/legacyid"
	"userbridge/internal/apperr"
	"userbridge/internal/rules/legacyids"
	"userbridge/internal/store/db"
	"userbridge/internal/store/db/dbtest"
)

// open returns a migrated store of a fresh database.
func open(t *testing.T, url string) (*db.Store, *ent.Client) {
	t.Helper()
	s := dbtest.Open(t, url)
	return s, s.Client
}

// newUser creates a user natively, as every transport does.
func newUser(t *testing.T, c *ent.Client, name string) *ent.User {
	t.Helper()
	u, err := c.User.Create().SetEmail(name + "@example.com").SetUsername(name).SetLogin(name).
		Save(context.Background())
	if err != nil {
		t.Fatalf("creating %s: %v", name, err)
	}
	return u
}

// wantTaken fails unless err is a conflict with ReasonTaken.
func wantTaken(t *testing.T, err error, what string) {
	t.Helper()
	if e := apperr.As(err); e == nil || e.Kind != apperr.Conflict || e.Reason != legacyids.ReasonTaken {
		t.Fatalf("%s: got %v, want conflict %s", what, err, legacyids.ReasonTaken)
	}
}

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		d  legacyid.Dialect
		v  string
		ok bool
	}{
		{legacyid.DialectEduplatform, "1", true},
		{legacyid.DialectEduplatform, "2147483647", true},
		{legacyid.DialectMaarch, "42", true},
		{legacyid.DialectEduplatform, "0", false},
		{legacyid.DialectEduplatform, "2147483648", false},
		{legacyid.DialectEduplatform, "042", false},
		{legacyid.DialectMaarch, "+42", false},
		{legacyid.DialectMaarch, "-1", false},
		{legacyid.DialectMaarch, " 42", false},
		{legacyid.DialectMaarch, "4 2", false},
		{legacyid.DialectMaarch, "", false},
		{legacyid.DialectMaarch, "99999999999999999999", false},
		{legacyid.DialectEdufocus, "3KX0TDpR", true},
		{legacyid.DialectEdufocus, "3KX0TDp", false},
		{legacyid.DialectEdufocus, "3KX0TDp_", false},
		{legacyid.DialectEdufocus, "usr_3KX0TDpR", false},
		{legacyid.DialectUsersv1, "usr_3KX0TDpR", true},
		{legacyid.DialectUsersv1, "3KX0TDpR", false},
		{legacyid.DialectUsersv1, "USR_3KX0TDpR", false},
		{legacyid.DialectUsersv1, "usr_3KX0TDpRx", false},
		{legacyid.Dialect("ldap"), "1", false},
	} {
		err := legacyids.Valid(tc.d, tc.v)
		if (err == nil) != tc.ok {
			t.Errorf("Valid(%s, %q) = %v, want ok %v", tc.d, tc.v, err, tc.ok)
		}
		if err != nil && !apperr.Is(err, apperr.Invalid) {
			t.Errorf("Valid(%s, %q) = %v, want invalid", tc.d, tc.v, err)
		}
	}
}

// TestTwoUsersOneLegacyIDRefused: no two users hold one id in one dialect,
// whether Assign sees it or a writer goes to the table directly.
func TestTwoUsersOneLegacyIDRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		_, c := open(t, url)
		ada, bob := newUser(t, c, "ada"), newUser(t, c, "bob")
		for _, tc := range []struct {
			d legacyid.Dialect
			v string
		}{
			{legacyid.DialectEduplatform, "500"},
			{legacyid.DialectEdufocus, "AAAAbbbb"},
			{legacyid.DialectUsersv1, "usr_CCCCdddd"},
			{legacyid.DialectMaarch, "501"},
		} {
			if err := legacyids.Assign(ctx, c, ada.ID, tc.d, tc.v); err != nil {
				t.Fatalf("assigning %s %s: %v", tc.d, tc.v, err)
			}
			wantTaken(t, legacyids.Assign(ctx, c, bob.ID, tc.d, tc.v), "second holder of "+tc.v)
			err := c.LegacyID.Create().SetDialect(tc.d).SetValue(tc.v).SetUserID(bob.ID).Exec(ctx)
			if !ent.IsConstraintError(err) {
				t.Fatalf("database accepted a second holder of %s %s: %v", tc.d, tc.v, err)
			}
		}
		// Derived ids are held too: bob's public id and primary key.
		wantTaken(t, legacyids.Assign(ctx, c, ada.ID, legacyid.DialectEdufocus, bob.PublicID), "bob's public id")
		wantTaken(t, legacyids.Assign(ctx, c, ada.ID, legacyid.DialectUsersv1, "usr_"+bob.PublicID), "bob's users-v1 id")
		wantTaken(t, legacyids.Assign(ctx, c, ada.ID, legacyid.DialectMaarch, strconv.Itoa(bob.ID)), "bob's primary key")
		// One user holds one stored id per dialect.
		err := c.LegacyID.Create().SetDialect(legacyid.DialectMaarch).SetValue("777").SetUserID(ada.ID).Exec(ctx)
		if !ent.IsConstraintError(err) {
			t.Fatalf("database accepted a second maarch id of one user: %v", err)
		}
	})
}

// TestReservedLegacyIDNeverReassigned: a reservation (a person deleted in a
// legacy system, a deleted user) is never given to anyone.
func TestReservedLegacyIDNeverReassigned(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		_, c := open(t, url)
		ada := newUser(t, c, "ada")
		for range 2 { // idempotent
			if err := legacyids.Reserve(ctx, c, legacyid.DialectMaarch, "77"); err != nil {
				t.Fatal(err)
			}
		}
		wantTaken(t, legacyids.Assign(ctx, c, ada.ID, legacyid.DialectMaarch, "77"), "reserved maarch 77")
		if id, held, err := legacyids.Holder(ctx, c, legacyid.DialectMaarch, "77"); err != nil || !held || id != 0 {
			t.Fatalf("Holder(reserved) = %d, %v, %v", id, held, err)
		}
		if _, err := legacyids.UserFor(ctx, c, legacyid.DialectMaarch, "77"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("UserFor(reserved) = %v, want not found", err)
		}
		wantTaken(t, legacyids.Reserve(ctx, c, legacyid.DialectEdufocus, ada.PublicID), "reserving a held id")

		// A deleted user's ids, stored and derived, stay reserved.
		if err := legacyids.Assign(ctx, c, ada.ID, legacyid.DialectEduplatform, "88"); err != nil {
			t.Fatal(err)
		}
		if err := c.User.DeleteOneID(ada.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		bob := newUser(t, c, "bob")
		for d, v := range map[legacyid.Dialect]string{
			legacyid.DialectEduplatform: "88",
			legacyid.DialectMaarch:      strconv.Itoa(ada.ID),
			legacyid.DialectEdufocus:    ada.PublicID,
			legacyid.DialectUsersv1:     "usr_" + ada.PublicID,
		} {
			wantTaken(t, legacyids.Assign(ctx, c, bob.ID, d, v), fmt.Sprintf("deleted user's %s %s", d, v))
			wantTaken(t, legacyids.Claim(ctx, c, bob.ID, d, v), fmt.Sprintf("claiming deleted user's %s %s", d, v))
			if _, err := legacyids.UserFor(ctx, c, d, v); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("UserFor(%s %s) of a deleted user = %v, want not found", d, v, err)
			}
		}
		// An imported id the user replaces stays reserved.
		if err := legacyids.Assign(ctx, c, bob.ID, legacyid.DialectEdufocus, "Xxxxxxx1"); err != nil {
			t.Fatal(err)
		}
		if err := legacyids.Assign(ctx, c, bob.ID, legacyid.DialectEdufocus, "Xxxxxxx2"); err != nil {
			t.Fatal(err)
		}
		if id, held, err := legacyids.Holder(ctx, c, legacyid.DialectEdufocus, "Xxxxxxx1"); err != nil || !held || id != 0 {
			t.Fatalf("Holder(replaced import) = %d, %v, %v, want reserved", id, held, err)
		}
	})
}

// TestOnlyAnImportsReservationIsClaimed: a reservation an import made for a
// person its source could not bring in goes to the record that brings that
// id; a reservation for good (Reserve, a deleted user) never does.
func TestOnlyAnImportsReservationIsClaimed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		_, c := open(t, url)
		ada := newUser(t, c, "ada")
		if err := legacyids.Reserve(ctx, c, legacyid.DialectMaarch, "77"); err != nil {
			t.Fatal(err)
		}
		wantTaken(t, legacyids.Claim(ctx, c, ada.ID, legacyid.DialectMaarch, "77"), "claiming a reservation for good")
		for range 2 { // idempotent
			if err := legacyids.ReserveClaimable(ctx, c, legacyid.DialectMaarch, "78"); err != nil {
				t.Fatal(err)
			}
		}
		if ok, err := legacyids.Claimable(ctx, c, legacyid.DialectMaarch, "78"); err != nil || !ok {
			t.Fatalf("Claimable(78) = %v, %v", ok, err)
		}
		if err := legacyids.Claim(ctx, c, ada.ID, legacyid.DialectMaarch, "78"); err != nil {
			t.Fatal(err)
		}
		if id, err := legacyids.In(ctx, c, ada, legacyid.DialectMaarch); err != nil || id != "78" {
			t.Fatalf("ada shows maarch %q (%v), want the claimed 78", id, err)
		}
		bob := newUser(t, c, "bob")
		wantTaken(t, legacyids.Claim(ctx, c, bob.ID, legacyid.DialectMaarch, "78"), "claiming a claimed id")
	})
}

// TestNativeUserAfterImportedIDDoesNotCollide: an id imported (or reserved)
// in an integer dialect is above every later native user's primary key, so
// none of them derives it.
func TestNativeUserAfterImportedIDDoesNotCollide(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		_, c := open(t, url)
		ada := newUser(t, c, "ada")
		if err := legacyids.Assign(ctx, c, ada.ID, legacyid.DialectEduplatform, "1000"); err != nil {
			t.Fatal(err)
		}
		bob := newUser(t, c, "bob")
		if bob.ID <= 1000 {
			t.Fatalf("native user after eduplatform 1000 got id %d", bob.ID)
		}
		if err := legacyids.Assign(ctx, c, ada.ID, legacyid.DialectMaarch, "5000"); err != nil {
			t.Fatal(err)
		}
		if err := legacyids.Reserve(ctx, c, legacyid.DialectEduplatform, "7000"); err != nil {
			t.Fatal(err)
		}
		cat := newUser(t, c, "cat")
		if cat.ID <= 7000 {
			t.Fatalf("native user after maarch 5000 and reserved eduplatform 7000 got id %d", cat.ID)
		}
		// A lower id leaves the sequence where it is.
		if err := legacyids.EnsureSequenceAbove(ctx, c, 3); err != nil {
			t.Fatal(err)
		}
		if dan := newUser(t, c, "dan"); dan.ID <= cat.ID {
			t.Fatalf("sequence went back: %d after %d", dan.ID, cat.ID)
		}
		// An explicit primary key (an import moving a store) that is stored
		// as someone's integer id is refused.
		_, err := c.User.Create().SetID(1000).SetEmail("eve@example.com").SetUsername("eve").SetLogin("eve").Save(ctx)
		wantTaken(t, err, "explicit id 1000")
		// A public id stored as a legacy id is drawn again.
		if err := legacyids.Assign(ctx, c, ada.ID, legacyid.DialectEdufocus, "Taken123"); err != nil {
			t.Fatal(err)
		}
		if err := legacyids.Reserve(ctx, c, legacyid.DialectUsersv1, "usr_Taken456"); err != nil {
			t.Fatal(err)
		}
		for _, pid := range []string{"Taken123", "Taken456"} {
			u, err := c.User.Create().SetPublicID(pid).SetEmail(pid + "@example.com").SetUsername(pid).SetLogin(pid).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if u.PublicID == pid {
				t.Fatalf("native user got the stored public id %s", pid)
			}
		}
	})
}

// TestAssignedIDsResolveAndShow: every dialect resolves an assigned id to
// its user and shows it; a replaced integer id no longer resolves and may go
// to another person; a replaced public id keeps resolving.
func TestAssignedIDsResolveAndShow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		_, c := open(t, url)
		ada, bob := newUser(t, c, "ada"), newUser(t, c, "bob")
		want := legacyids.IDs{Eduplatform: 42, Edufocus: "3KX0TDpR", Usersv1: "usr_9yZ0TDpQ", Maarch: 17}
		for d, v := range map[legacyid.Dialect]string{
			legacyid.DialectEduplatform: "42", legacyid.DialectEdufocus: "3KX0TDpR",
			legacyid.DialectUsersv1: "usr_9yZ0TDpQ", legacyid.DialectMaarch: "17",
		} {
			if err := legacyids.Assign(ctx, c, ada.ID, d, v); err != nil {
				t.Fatal(err)
			}
			if err := legacyids.Assign(ctx, c, ada.ID, d, v); err != nil { // again: nothing changes
				t.Fatal(err)
			}
			u, err := legacyids.UserFor(ctx, c, d, v)
			if err != nil || u.ID != ada.ID {
				t.Fatalf("UserFor(%s %s) = %v, %v", d, v, u, err)
			}
			if got, err := legacyids.In(ctx, c, ada, d); err != nil || got != v {
				t.Fatalf("In(%s) = %q, %v, want %q", d, got, err, v)
			}
		}
		if got, err := legacyids.Of(ctx, c, ada); err != nil || got != want {
			t.Fatalf("Of = %+v, %v, want %+v", got, err, want)
		}
		native := legacyids.IDs{Eduplatform: bob.ID, Edufocus: bob.PublicID, Usersv1: "usr_" + bob.PublicID, Maarch: bob.ID}
		if got, err := legacyids.Of(ctx, c, bob); err != nil || got != native {
			t.Fatalf("Of(native) = %+v, %v, want %+v", got, err, native)
		}
		// ada's primary key no longer names her in the integer dialects...
		pk := strconv.Itoa(ada.ID)
		if _, err := legacyids.UserFor(ctx, c, legacyid.DialectMaarch, pk); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("UserFor(maarch, replaced %s) = %v, want not found", pk, err)
		}
		if _, held, err := legacyids.Holder(ctx, c, legacyid.DialectMaarch, pk); err != nil || held {
			t.Fatalf("Holder(maarch, replaced %s) = %v, %v, want free", pk, held, err)
		}
		if err := legacyids.Assign(ctx, c, bob.ID, legacyid.DialectMaarch, pk); err != nil {
			t.Fatalf("a replaced integer id is free: %v", err)
		}
		if u, err := legacyids.UserFor(ctx, c, legacyid.DialectMaarch, pk); err != nil || u.ID != bob.ID {
			t.Fatalf("UserFor(maarch %s) = %v, %v, want bob", pk, u, err)
		}
		// ...but her public id still names her in the string dialects.
		for d, v := range map[legacyid.Dialect]string{
			legacyid.DialectEdufocus: ada.PublicID, legacyid.DialectUsersv1: "usr_" + ada.PublicID,
		} {
			if u, err := legacyids.UserFor(ctx, c, d, v); err != nil || u.ID != ada.ID {
				t.Fatalf("UserFor(%s %s) = %v, %v, want ada", d, v, u, err)
			}
		}
		// Assigning the derived id back shows it again, and reserves the import.
		if err := legacyids.Assign(ctx, c, ada.ID, legacyid.DialectEdufocus, ada.PublicID); err != nil {
			t.Fatal(err)
		}
		if got, _ := legacyids.In(ctx, c, ada, legacyid.DialectEdufocus); got != ada.PublicID {
			t.Fatalf("In(edufocus) = %q after assigning the public id back", got)
		}
		wantTaken(t, legacyids.Assign(ctx, c, bob.ID, legacyid.DialectEdufocus, "3KX0TDpR"), "ada's replaced import")
		for _, bad := range []string{"0", "x", "042"} {
			if _, err := legacyids.UserFor(ctx, c, legacyid.DialectEduplatform, bad); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("UserFor(%q) = %v, want not found", bad, err)
			}
			if err := legacyids.Assign(ctx, c, bob.ID, legacyid.DialectEduplatform, bad); !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("Assign(%q) = %v, want invalid", bad, err)
			}
		}
	})
}

// TestOfUsersOneStatement: the ids of a page of users cost one statement
// whatever its length.
func TestOfUsersOneStatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, c := open(t, url)
		var users []*ent.User
		for i := range 20 {
			u := newUser(t, c, fmt.Sprintf("user%d", i))
			if i%2 == 0 {
				if err := legacyids.Assign(ctx, c, u.ID, legacyid.DialectMaarch, strconv.Itoa(100000+i)); err != nil {
					t.Fatal(err)
				}
			}
			users = append(users, u)
		}
		before := s.Statements()
		m, err := legacyids.OfUsers(ctx, c, users)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.Statements() - before; n != 1 {
			t.Fatalf("OfUsers of %d users ran %d statements, want 1", len(users), n)
		}
		for i, u := range users {
			want := u.ID
			if i%2 == 0 {
				want = 100000 + i
			}
			if m[u.ID].Maarch != want || m[u.ID].Eduplatform != u.ID || m[u.ID].Edufocus != u.PublicID {
				t.Fatalf("OfUsers[%d] = %+v", u.ID, m[u.ID])
			}
		}
	})
}

// TestAssignJoinsTransaction: a rolled-back transaction leaves no id.
func TestAssignJoinsTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		ctx := context.Background()
		_, c := open(t, url)
		ada := newUser(t, c, "ada")
		tx, err := c.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := legacyids.Assign(ctx, tx.Client(), ada.ID, legacyid.DialectEdufocus, "InTx0001"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if _, held, err := legacyids.Holder(ctx, c, legacyid.DialectEdufocus, "InTx0001"); err != nil || held {
			t.Fatalf("after rollback: held %v, %v", held, err)
		}
	})
}
