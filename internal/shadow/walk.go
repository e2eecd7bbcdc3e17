package shadow

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// walker compares two decoded JSON values path by path. It is a small
// exact walker rather than a JSON diff library: the dialects need rules per
// path (signed links, times, ids, arrays keyed by id) that a generic
// library's patch output would have to be parsed back to apply, and the
// walk must stay allocation-light on the comparison workers.
type walker struct {
	*comparer
	add func(diff)
}

func (w walker) walk(path string, u, s any) {
	if path != "" && w.skip(path) {
		return
	}
	shown := path
	if shown == "" {
		shown = "$"
	}
	if ut, st := kind(u), kind(s); ut != st {
		if ruleFor(w.rules.presence, path) && ut != "null" && st != "null" {
			return
		}
		w.add(diff{Path: shown, Kind: "type", Upstream: render(u), Store: render(s)})
		return
	}
	switch uv := u.(type) {
	case map[string]any:
		sv := s.(map[string]any)
		for _, k := range sortedKeys(uv) {
			child := join(path, k)
			if sc, ok := sv[k]; ok {
				w.walk(child, uv[k], sc)
			} else {
				w.add(diff{Path: child, Kind: "missing", Upstream: render(uv[k]), Store: "(absent)"})
			}
		}
		for _, k := range sortedKeys(sv) {
			if _, ok := uv[k]; !ok {
				w.add(diff{Path: join(path, k), Kind: "extra", Upstream: "(absent)", Store: render(sv[k])})
			}
		}
	case []any:
		sv := s.([]any)
		if key, ok := w.rules.keyed[path]; ok && w.keyedArray(path, key, uv, sv) {
			return
		}
		if len(uv) != len(sv) {
			w.add(diff{Path: shown, Kind: "length", Upstream: itoa(len(uv)), Store: itoa(len(sv))})
		}
		for i := range min(len(uv), len(sv)) {
			w.walk(path+"[*]", uv[i], sv[i])
		}
	default:
		if !w.sameScalar(path, u, s) {
			d := diff{Path: shown, Kind: "value", Upstream: render(u), Store: render(s)}
			if ruleFor(w.rules.idPaths, path) {
				d.id = scalarText(u)
			}
			w.add(d)
		}
	}
}

// keyedArray matches elements on their key; false when an element has no
// usable key (then the arrays are compared by position).
func (w walker) keyedArray(path, key string, u, s []any) bool {
	uk, ok1 := keysOf(u, key)
	sk, ok2 := keysOf(s, key)
	if !ok1 || !ok2 {
		return false
	}
	at := make(map[string]int, len(sk))
	for i, k := range sk {
		at[k] = i
	}
	var common []string
	for i, k := range uk {
		j, ok := at[k]
		if !ok {
			w.add(diff{Path: path + "[*]", Kind: "missing", Upstream: key + " " + k, Store: "(absent)", id: k})
			continue
		}
		common = append(common, k)
		w.walk(path+"[*]", u[i], s[j])
	}
	inUp := make(map[string]bool, len(uk))
	for _, k := range uk {
		inUp[k] = true
	}
	var order []string
	for _, k := range sk {
		if inUp[k] {
			order = append(order, k)
		} else {
			w.add(diff{Path: path + "[*]", Kind: "extra", Upstream: "(absent)", Store: key + " " + k})
		}
	}
	if !slices.Equal(common, order) {
		w.add(diff{Path: path, Kind: "order", Upstream: clip(strings.Join(common, ",")), Store: clip(strings.Join(order, ","))})
	}
	return true
}

func keysOf(a []any, key string) ([]string, bool) {
	out := make([]string, len(a))
	for i, e := range a {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		k := scalarText(m[key])
		if k == "" {
			return nil, false
		}
		out[i] = k
	}
	return out, true
}

// sameScalar applies the per-path rules to two values of one JSON type.
func (w walker) sameScalar(path string, u, s any) bool {
	switch uv := u.(type) {
	case json.Number:
		sv := s.(json.Number)
		if uv == sv {
			return true
		}
		a, err1 := uv.Float64()
		b, err2 := sv.Float64()
		return err1 == nil && err2 == nil && a == b
	case string:
		sv := s.(string)
		switch {
		case uv == sv:
			return true
		case ruleFor(w.rules.presence, path):
			return true
		case ruleFor(w.rules.links, path):
			return absoluteURL(uv) && absoluteURL(sv)
		case strings.HasSuffix(lastKey(path), "_at"):
			return w.times.same(uv, sv)
		}
		return false
	}
	return u == s // bool, nil
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// timeRule says two written times are the same: the same layout (digits
// aside: three fractional digits against none is a real difference to a
// client that parses them) and within tolerance of each other.
type timeRule struct{ tolerance time.Duration }

func (t timeRule) same(a, b string) bool {
	if shape(a) != shape(b) {
		return false
	}
	ta, err1 := time.Parse(time.RFC3339Nano, a)
	tb, err2 := time.Parse(time.RFC3339Nano, b)
	if err1 != nil || err2 != nil {
		return false
	}
	d := ta.Sub(tb)
	return d <= t.tolerance && -d <= t.tolerance
}

func shape(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '0'
		}
		return r
	}, s)
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

func scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func lastKey(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// render is a value as shown in a report example: JSON, clipped.
func render(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return clip(string(b))
}

const clipAt = 160

func clip(s string) string {
	if len(s) <= clipAt {
		return s
	}
	cut := clipAt
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func itoa(n int) string { return strconv.Itoa(n) }

func sizeOf(n int64) string { return strconv.FormatInt(n, 10) + " bytes" }
