package inputtext_test

import (
	"net/http/httptest"
	"testing"

	"userbridge/internal/apperr"
	"userbridge/internal/edge/inputtext"
)

func TestJSON(t *testing.T) {
	for _, c := range []struct {
		name, body string
		ok         bool
		field      string
	}{
		{"plain text", `{"a":"héllo","b":[1,"x"]}`, true, ""},
		{"escaped backslash before u0000 is text", `{"a":"\\u0000"}`, true, ""},
		{"other escapes", `{"a":"\u0001\n\"\u00e9"}`, true, ""},
		{"NUL escape in a value", `{"email":"a\u0000@b.c"}`, false, "email"},
		{"NUL escape in a nested value", `{"signatures":[{"format":"png\u0000"}]}`, false, "format"},
		{"NUL escape in a key", `{"k\u0000":1}`, false, "k\\u0000"},
		{"raw NUL byte in a string", "{\"a\":\"x\x00\"}", false, "a"},
		{"invalid UTF-8 in a value", "{\"login\":\"\xff\"}", false, "login"},
		{"truncated UTF-8 in a value", "{\"login\":\"\xc3\"}", false, "login"},
		{"invalid UTF-8 outside strings", "{\"a\":1\xff}", false, "a"},
		{"unterminated string", `{"a":"x`, true, ""},
		{"empty", ``, true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := inputtext.JSON([]byte(c.body))
			if (err == nil) != c.ok {
				t.Fatalf("JSON(%q) = %v", c.body, err)
			}
			if err != nil {
				e := apperr.As(err)
				if e.Kind != apperr.Invalid || e.Reason != inputtext.Reason || e.Field != c.field {
					t.Fatalf("got %+v, want field %q", e, c.field)
				}
			}
		})
	}
}

func TestRequest(t *testing.T) {
	for _, c := range []struct {
		target string
		field  string
	}{
		{"/users?filter=ok", ""},
		{"/users?filter=a%00b", "filter"},
		{"/users?filter=%ff", "filter"},
		{"/users/a%00b", "path"},
		{"/users/%c3", "path"},
	} {
		err := inputtext.Request(httptest.NewRequest("GET", c.target, nil))
		if c.field == "" && err != nil || c.field != "" && (err == nil || apperr.As(err).Field != c.field) {
			t.Errorf("%s: %v", c.target, err)
		}
	}
}
