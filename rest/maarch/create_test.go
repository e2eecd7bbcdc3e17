package maarch_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"userbridge/ent/user"
	"userbridge/internal/rules/accounts"
	"userbridge/internal/store/db/dbtest"
)

// documented is the legacy document's example body.
const documented = `{"login":"user@maarch.com","firstname":"prenom","lastname":"nom","email":"user@maarch.com"}`

func TestCreate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		ctx := context.Background()
		pic := pngBase64(t, 4, 3, false)

		t.Run("create-200", func(t *testing.T) {
			cases := []struct {
				name, body, login string
				mode              user.Mode
				avatar            bool
			}{
				{"documented example", documented, "user@maarch.com", user.ModeStandard, false},
				{"login stored lowercase", `{"login":"Jean.DUPONT","firstname":"Jean","lastname":"Dupont","email":"jd@example.com"}`, "jean.dupont", user.ModeStandard, false},
				{"mode rest", `{"login":"robot","firstname":"R","lastname":"Bot","email":"robot@example.com","mode":"rest"}`, "robot", user.ModeRest, false},
				{"empty mode is standard", `{"login":"std","firstname":"S","lastname":"T","email":"std@example.com","mode":""}`, "std", user.ModeStandard, false},
				{"empty picture is none", `{"login":"nopic","firstname":"N","lastname":"P","email":"nopic@example.com","picture":""}`, "nopic", user.ModeStandard, false},
				{"picture base64 becomes the avatar", fmt.Sprintf(`{"login":"pic","firstname":"P","lastname":"I","email":"pic@example.com","picture":%q}`, pic), "pic", user.ModeStandard, true},
				{"picture data URI becomes the avatar", fmt.Sprintf(`{"login":"uri","firstname":"U","lastname":"R","email":"uri@example.com","picture":"data:image/png;base64,%s"}`, pic), "uri", user.ModeStandard, true},
				{"unknown keys ignored", `{"login":"extra","firstname":"E","lastname":"X","email":"extra@example.com","foo":[1]}`, "extra", user.ModeStandard, false},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					rec := e.call(t, "POST", "/rest/users", e.adminTok, c.body)
					var got struct{ ID int }
					decode(t, rec, &got)
					expect(t, rec, http.StatusOK, fmt.Sprintf(`{"id":%d}`, got.ID))
					u := e.reload(t, got.ID)
					if u.Login != c.login || u.Mode != c.mode || (u.AvatarID != nil) != c.avatar {
						t.Fatalf("stored login %q mode %q avatar %v", u.Login, u.Mode, u.AvatarID)
					}
					if c.avatar {
						f, err := e.Store.Client.File.Get(ctx, *u.AvatarID)
						if err != nil || f.ContentType != "image/png" || f.OwnerID != u.ID {
							t.Fatalf("avatar %+v, %v", f, err)
						}
					}
				})
			}
		})

		t.Run("create-200 by a manager", func(t *testing.T) {
			rec := e.call(t, "POST", "/rest/users", e.managerTok, `{"login":"bymgr","firstname":"B","lastname":"M","email":"bymgr@example.com"}`)
			if rec.Code != http.StatusOK {
				t.Fatalf("got %d %s", rec.Code, rec.Body.String())
			}
		})

		e.User(t, "taken@example.com", func(in *accounts.CreateInput) { in.Login = new("taken") })
		t.Run("create-400", func(t *testing.T) {
			cases := []struct{ name, body, want string }{
				{"no body", "", errJSON("Body is not set or empty")},
				{"empty object", "{}", errJSON("Body is not set or empty")},
				{"empty array", "[]", errJSON("Body is not set or empty")},
				{"null", "null", errJSON("Body is not set or empty")},
				{"not JSON", "login=a", errJSON("Body is not set or empty")},
				{"truncated JSON", `{"login":`, errJSON("Body is not set or empty")},
				{"invalid UTF-8", "{\"login\":\"\xff\"}", errJSON("Body is not set or empty")},
				{"login missing", `{"firstname":"a","lastname":"b","email":"a@b.co"}`, errJSON("Body login is empty, not a string or wrong formatted")},
				{"login not a string", `{"login":12,"firstname":"a","lastname":"b","email":"a@b.co"}`, errJSON("Body login is empty, not a string or wrong formatted")},
				{"login empty", `{"login":"","firstname":"a","lastname":"b","email":"a@b.co"}`, errJSON("Body login is empty, not a string or wrong formatted")},
				{"login zero", `{"login":"0","firstname":"a","lastname":"b","email":"a@b.co"}`, errJSON("Body login is empty, not a string or wrong formatted")},
				{"login blank", `{"login":"  ","firstname":"a","lastname":"b","email":"a@b.co"}`, errJSON("Body login is empty, not a string or wrong formatted")},
				{"login wrong format", `{"login":"a b","firstname":"a","lastname":"b","email":"a@b.co"}`, errJSON("Body login is empty, not a string or wrong formatted")},
				{"login before firstname", `{"login":"é","lastname":"b"}`, errJSON("Body login is empty, not a string or wrong formatted")},
				{"firstname missing", `{"login":"ok","lastname":"b","email":"a@b.co"}`, errJSON("Body firstname is empty or not a string")},
				{"firstname not a string", `{"login":"ok","firstname":["a"],"lastname":"b","email":"a@b.co"}`, errJSON("Body firstname is empty or not a string")},
				{"firstname before lastname", `{"login":"ok","firstname":" ","lastname":null,"email":"a@b.co"}`, errJSON("Body firstname is empty or not a string")},
				{"lastname false", `{"login":"ok","firstname":"a","lastname":false,"email":"a@b.co"}`, errJSON("Body lastname is empty or not a string")},
				{"lastname before email", `{"login":"ok","firstname":"a","lastname":""}`, errJSON("Body lastname is empty or not a string")},
				{"email missing", `{"login":"ok","firstname":"a","lastname":"b"}`, errJSON("Body email is empty or not a valid email")},
				{"email not an address", `{"login":"ok","firstname":"a","lastname":"b","email":"nope"}`, errJSON("Body email is empty or not a valid email")},
				{"email not a string", `{"login":"ok","firstname":"a","lastname":"b","email":7}`, errJSON("Body email is empty or not a valid email")},
				{"email before login taken", `{"login":"taken","firstname":"a","lastname":"b","email":"0"}`, errJSON("Body email is empty or not a valid email")},
				{"login taken", `{"login":"taken","firstname":"a","lastname":"b","email":"new1@example.com"}`, loginTakenJSON},
				{"login taken ignoring case", `{"login":"TaKeN","firstname":"a","lastname":"b","email":"new1@example.com"}`, loginTakenJSON},
				{"login taken before picture and mode", `{"login":"taken","firstname":"a","lastname":"b","email":"new1@example.com","picture":"xx","mode":"x"}`, loginTakenJSON},
				{"login taken before email taken", `{"login":"taken","firstname":"a","lastname":"b","email":"member@example.com"}`, loginTakenJSON},
				{"picture not an image", `{"login":"ok","firstname":"a","lastname":"b","email":"new1@example.com","picture":"aGVsbG8gd29ybGQ="}`, errJSON("Picture is not an image")},
				{"picture not base64", `{"login":"ok","firstname":"a","lastname":"b","email":"new1@example.com","picture":"%%%"}`, errJSON("Picture is not an image")},
				{"picture not a string", `{"login":"ok","firstname":"a","lastname":"b","email":"new1@example.com","picture":123}`, errJSON("Picture is not an image")},
				{"picture data URI not an image", `{"login":"ok","firstname":"a","lastname":"b","email":"new1@example.com","picture":"data:text/plain;base64,aGk="}`, errJSON("Picture is not an image")},
				{"picture before mode", `{"login":"ok","firstname":"a","lastname":"b","email":"new1@example.com","picture":"xx","mode":"x"}`, errJSON("Picture is not an image")},
				{"mode unknown", `{"login":"ok","firstname":"a","lastname":"b","email":"new1@example.com","mode":"admin"}`, errJSON("Body mode is not standard or rest")},
				{"mode case-sensitive", `{"login":"ok","firstname":"a","lastname":"b","email":"new1@example.com","mode":"REST"}`, errJSON("Body mode is not standard or rest")},
				{"mode not a string", `{"login":"ok","firstname":"a","lastname":"b","email":"new1@example.com","mode":true}`, errJSON("Body mode is not standard or rest")},
				{"email taken", `{"login":"ok","firstname":"a","lastname":"b","email":"member@example.com"}`, errJSON("Email already exists")},
				{"email taken ignoring case", `{"login":"ok","firstname":"a","lastname":"b","email":"MEMBER@Example.com"}`, errJSON("Email already exists")},
				{"firstname with control characters", "{\"login\":\"ok\",\"firstname\":\"a\\u0007\",\"lastname\":\"b\",\"email\":\"new1@example.com\"}", errJSON("Body firstname is empty or not a string")},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					before := e.countUsers(t)
					expect(t, e.call(t, "POST", "/rest/users", e.adminTok, c.body), http.StatusBadRequest, c.want)
					if n := e.countUsers(t); n != before {
						t.Fatalf("a refused request changed the user count: %d -> %d", before, n)
					}
				})
			}
		})

		t.Run("create-403", func(t *testing.T) {
			expect(t, e.call(t, "POST", "/rest/users", e.memberTok, documented), http.StatusForbidden, errJSON("Privilege forbidden"))
			// The privilege is checked before the body.
			expect(t, e.call(t, "POST", "/rest/users", e.memberTok, ""), http.StatusForbidden, errJSON("Privilege forbidden"))
		})

		t.Run("create-401", func(t *testing.T) {
			suspended := e.User(t, "susp@example.com", func(in *accounts.CreateInput) { in.Status = new(user.StatusSuspended) })
			suspTok := e.Token(t, suspended)
			banned := e.User(t, "banned@example.com")
			banTok := e.Token(t, banned)
			if err := e.Store.Client.User.UpdateOneID(banned.ID).SetStatus(user.StatusBanned).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			expect(t, e.call(t, "POST", "/rest/users", "", documented), http.StatusUnauthorized, errJSON("Authentication Failed"))
			expect(t, e.call(t, "POST", "/rest/users", "not-a-token", documented), http.StatusUnauthorized, errJSON("Authentication Failed"))
			expect(t, e.call(t, "POST", "/rest/users", suspTok, documented), http.StatusUnauthorized, errJSON("Account Suspended"))
			expect(t, e.call(t, "POST", "/rest/users", banTok, documented), http.StatusUnauthorized, errJSON("Account Suspended"))
		})
	})
}
