package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// mdLink matches an inline Markdown link or image: [text](target) or
// [text](target "title"). Reference-style links are not used here.
var mdLink = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// TestDocsLinks resolves every relative link of README.md and docs/*.md:
// the file must exist inside the repository, and an anchor must name a
// heading of the page it points to. People who clone the project have
// nothing beside it, so a link leaving the repository fails too.
func TestDocsLinks(t *testing.T) {
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append([]string{"README.md"}, pages...)
	anchors := map[string]map[string]bool{}
	for _, page := range pages {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range linksOf(string(text)) {
			checkLink(t, root, page, l, anchors)
		}
	}
}

// docLink is one link of a page and the line it is on.
type docLink struct {
	target string
	line   int
}

// linksOf lists the links of a Markdown text outside code blocks and code
// spans.
func linksOf(text string) []docLink {
	var out []docLink
	fenced := false
	for i, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			continue
		}
		for _, m := range mdLink.FindAllStringSubmatch(stripCodeSpans(line), -1) {
			out = append(out, docLink{target: m[1], line: i + 1})
		}
	}
	return out
}

// stripCodeSpans blanks `code spans`, where brackets are not links.
func stripCodeSpans(line string) string {
	var b strings.Builder
	in := false
	for _, r := range line {
		if r == '`' {
			in = !in
			continue
		}
		if !in {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func checkLink(t *testing.T, root, page string, l docLink, anchors map[string]map[string]bool) {
	t.Helper()
	where := page + ":" + strconv.Itoa(l.line)
	target := l.target
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return
	}
	path, anchor, _ := strings.Cut(target, "#")
	file := page
	if path != "" {
		file = filepath.Join(filepath.Dir(page), filepath.FromSlash(path))
		abs, err := filepath.Abs(file)
		if err != nil {
			t.Fatal(err)
		}
		if rel, err := filepath.Rel(root, abs); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			t.Errorf("%s: link %q leaves the repository", where, target)
			return
		}
		if _, err := os.Stat(file); err != nil {
			t.Errorf("%s: link %q: no such file %s", where, target, file)
			return
		}
	}
	if anchor == "" {
		return
	}
	if !strings.HasSuffix(file, ".md") {
		t.Errorf("%s: link %q: an anchor into a file that is not Markdown", where, target)
		return
	}
	if anchors[file] == nil {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		anchors[file] = headingAnchors(string(text))
	}
	if !anchors[file][anchor] {
		t.Errorf("%s: link %q: %s has no heading with anchor #%s", where, target, file, anchor)
	}
}

// headingAnchors lists the anchors GitHub gives a page's headings: lower
// case, punctuation dropped, spaces as hyphens, -1, -2... for repeats.
func headingAnchors(text string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		slug := slugify(title)
		if n := seen[slug]; n > 0 {
			out[slug+"-"+strconv.Itoa(n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

func slugify(title string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// TestDocsSpeakForThemselves keeps the pages readable by someone with only
// the repository: no reference to the work tracker ("the issue") or to
// the contract folder beside the repository.
// trackerWords are whole words: "the issuer" of OpenID Connect is not "the issue".
var trackerWords = regexp.MustCompile(`(?i)\bthe issues?\b|\.\./shared|shared/contract|contract/`)

func TestDocsSpeakForThemselves(t *testing.T) {
	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range append([]string{"README.md"}, pages...) {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(text), "\n") {
			if bad := trackerWords.FindString(line); bad != "" {
				t.Errorf("%s:%d mentions %q: %s", page, i+1, bad, strings.TrimSpace(line))
			}
		}
	}
}
