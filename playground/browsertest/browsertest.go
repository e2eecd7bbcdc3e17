// Package browsertest lets Go tests open a page in Debian's headless
// Chromium and wait for text to appear, using only the standard library:
// it talks the DevTools Protocol over a pipe (see cdpConn).
//
// Tests skip when chromium is not installed (apt-get install chromium),
// unless REQUIRE_BROWSER=1 is set, in which case they fail instead.
package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Run opens pageURL in a fresh headless Chromium, waits until the visible
// text of the page (document.body.innerText) contains waitFor, and returns
// that text. The test fails if this takes longer than timeout, which covers
// the browser's start-up too, or if the page violates its
// Content-Security-Policy.
func Run(t testing.TB, pageURL, waitFor string, timeout time.Duration) string {
	t.Helper()
	return RunIn(t, pageURL, "body", waitFor, timeout)
}

// RunIn is Run for the first element matching the CSS selector, so a test
// can insist that text shows up in one place (a result pane) rather than
// anywhere on the page. It returns that element's innerText.
func RunIn(t testing.TB, pageURL, selector, waitFor string, timeout time.Duration) string {
	t.Helper()
	return RunSteps(t, pageURL, timeout, Step{In: selector, WaitFor: waitFor})[0]
}

// Step is one thing a test does on the page: open NewTab, if set, in a new
// tab of the same browser (same profile, so the same localStorage), which
// the following steps then act on; or reload the page, if Reload is set;
// type into form fields (Fill: CSS selector to value, each once its element
// exists);
// click the first element matching the CSS selector Click, if set, once it
// exists; then wait until the innerText of the first element matching In
// contains WaitFor, or, when Eval is set, until the string value of that
// JavaScript expression does. If it contains FailOn (when set) first, the
// step fails at once.
type Step struct {
	NewTab  string
	Reload  bool
	Fill    map[string]string
	Click   string
	In      string
	Eval    string
	WaitFor string
	FailOn  string
}

// RunSteps opens pageURL in a fresh headless Chromium and performs the
// steps in order, failing the test as RunIn does; timeout covers them all
// and the browser's start-up. It returns the text each step waited on.
func RunSteps(t testing.TB, pageURL string, timeout time.Duration, steps ...Step) []string {
	t.Helper()
	return runSteps(t, pageURL, nil, timeout, steps)
}

// Viewport is a phone's screen in CSS pixels. A tab with this viewport
// lays the page out as that phone would: the page's <meta name="viewport">
// applies and scrollbars take no room, so what does not fit shows up as
// horizontal overflow.
type Viewport struct {
	Width, Height int
}

// RunStepsAt is RunSteps with every tab's viewport set to vp instead of
// the desktop window, for tests of a layout on a narrow screen.
func RunStepsAt(t testing.TB, pageURL string, vp Viewport, timeout time.Duration, steps ...Step) []string {
	t.Helper()
	return runSteps(t, pageURL, &vp, timeout, steps)
}

func runSteps(t testing.TB, pageURL string, vp *Viewport, timeout time.Duration, steps []Step) []string {
	t.Helper()
	chromium := findChromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	b, err := launch(chromium)
	if err != nil {
		t.Fatalf("browsertest: %v", err)
	}
	defer b.close(t)
	b.viewport = vp

	var texts []string
	session, err := b.open(ctx, pageURL)
	for i := 0; err == nil && i < len(steps); i++ {
		st := steps[i]
		switch {
		case st.NewTab != "":
			session, err = b.open(ctx, st.NewTab)
		case st.Reload:
			err = b.conn.call(ctx, session, "Page.reload", map[string]any{}, nil)
		}
		if err != nil {
			break
		}
		for sel, value := range st.Fill {
			if err = b.fill(ctx, session, sel, value); err != nil {
				break
			}
		}
		if err != nil {
			break
		}
		if st.Click != "" {
			if err = b.click(ctx, session, st.Click); err != nil {
				break
			}
		}
		var text string
		what := st.In
		if st.Eval != "" {
			what = st.Eval
			text, err = b.waitForValue(ctx, session, st.Eval, st.WaitFor, st.FailOn)
		} else {
			text, err = b.waitForText(ctx, session, st.In, st.WaitFor, st.FailOn)
		}
		texts = append(texts, text)
		if err != nil {
			err = fmt.Errorf("step %d: %w\n--- %s ---\n%s", i+1, err, what, text)
		}
	}
	for _, line := range b.consoleLines() {
		t.Logf("browser console: %s", line)
	}
	if err != nil {
		t.Fatalf("browsertest: %s: %v\n--- chromium stderr (tail) ---\n%s", pageURL, err, b.stderrTail())
	}
	for _, line := range b.consoleLines() {
		if strings.Contains(line, "Content Security Policy") {
			t.Errorf("browsertest: %s violated its Content-Security-Policy: %s", pageURL, line)
		}
	}
	return texts
}

// findChromium returns Debian's chromium binary, or skips the test (fails
// it with REQUIRE_BROWSER=1) when there is none.
func findChromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := "browsertest: chromium not found; install it with `apt-get install -y chromium`"
	if os.Getenv("REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + " (REQUIRE_BROWSER=1)")
	}
	t.Skip(msg + " (set REQUIRE_BROWSER=1 to fail instead)")
	return ""
}

// browser is one running Chromium with its own profile directory.
type browser struct {
	cmd     *exec.Cmd
	conn    *cdpConn
	profile string
	stderr  *lockedBuffer
	exited  chan struct{}
	// viewport, when set, is emulated in every tab before it navigates.
	viewport *Viewport

	mu      sync.Mutex
	console []string
}

// launchFlags keep Chromium from reaching the network on its own (updates,
// sync, safe browsing) and from needing a display, a GPU or a sandbox.
var launchFlags = []string{
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-dev-shm-usage",
	"--disable-background-networking",
	"--disable-quic",
	"--disable-sync",
	"--disable-component-update",
	"--disable-default-apps",
	"--disable-extensions",
	"--no-first-run",
	"--no-default-browser-check",
	"--mute-audio",
	"--window-size=1280,900",
	"--remote-debugging-pipe",
}

// launch starts chromium with a throwaway profile and connects to it.
func launch(chromium string) (*browser, error) {
	profile, err := os.MkdirTemp("", "browsertest-")
	if err != nil {
		return nil, err
	}
	toBrowserR, toBrowserW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	fromBrowserR, fromBrowserW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	b := &browser{profile: profile, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	args := append(append([]string{}, launchFlags...), "--user-data-dir="+profile, "about:blank")
	b.cmd = exec.Command(chromium, args...) //nolint:gosec // G204: the browser the test runner found or named
	b.cmd.Stdout = b.stderr
	b.cmd.Stderr = b.stderr
	// Chromium reads commands from fd 3 and writes replies to fd 4.
	b.cmd.ExtraFiles = []*os.File{toBrowserR, fromBrowserW}
	// Helper processes inherit stderr; do not wait on them forever.
	b.cmd.WaitDelay = 2 * time.Second
	err = b.cmd.Start()
	toBrowserR.Close()
	fromBrowserW.Close()
	if err != nil {
		toBrowserW.Close()
		fromBrowserR.Close()
		os.RemoveAll(profile)
		return nil, fmt.Errorf("start %s: %w", chromium, err)
	}
	go func() {
		_ = b.cmd.Wait()
		toBrowserW.Close()
		fromBrowserR.Close()
		close(b.exited)
	}()
	b.conn = newCDPConn(fromBrowserR, toBrowserW, b.onEvent)
	return b, nil
}

// open opens url in a new tab and returns its session.
func (b *browser) open(ctx context.Context, url string) (string, error) {
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.conn.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return "", err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.conn.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return "", err
	}
	s := attached.SessionID
	for _, domain := range []string{"Runtime.enable", "Log.enable"} {
		if err := b.conn.call(ctx, s, domain, nil, nil); err != nil {
			return "", err
		}
	}
	if vp := b.viewport; vp != nil {
		metrics := map[string]any{"width": vp.Width, "height": vp.Height, "deviceScaleFactor": 1, "mobile": true}
		if err := b.conn.call(ctx, s, "Emulation.setDeviceMetricsOverride", metrics, nil); err != nil {
			return "", err
		}
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := b.conn.call(ctx, s, "Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return "", err
	}
	if nav.ErrorText != "" {
		return "", fmt.Errorf("navigate: %s", nav.ErrorText)
	}
	return s, nil
}

// click waits until an element matches selector and clicks it.
func (b *browser) click(ctx context.Context, s, selector string) error {
	sel, _ := json.Marshal(selector)
	expr := fmt.Sprintf(`(() => { const el = document.querySelector(%s); if (!el) return false; el.click(); return true; })()`, sel)
	return b.poll(ctx, s, expr, func(v any) bool { return v == true },
		func() error { return fmt.Errorf("no %s to click", selector) })
}

// fill waits until an element matches selector and sets its value.
func (b *browser) fill(ctx context.Context, s, selector, value string) error {
	sel, _ := json.Marshal(selector)
	val, _ := json.Marshal(value)
	expr := fmt.Sprintf(`(() => { const el = document.querySelector(%s); if (!el) return false; el.value = %s; return true; })()`, sel, val)
	return b.poll(ctx, s, expr, func(v any) bool { return v == true },
		func() error { return fmt.Errorf("no %s to fill", selector) })
}

// waitForText polls the selector's innerText until it contains want, or
// fails if it contains failOn first. It returns the last text seen, also on
// error.
func (b *browser) waitForText(ctx context.Context, s, selector, want, failOn string) (string, error) {
	sel, _ := json.Marshal(selector)
	expr := fmt.Sprintf(`(() => { const el = document.querySelector(%s); return el ? el.innerText : ""; })()`, sel)
	var last string
	err := b.poll(ctx, s, expr, func(v any) bool {
		last, _ = v.(string)
		return strings.Contains(last, want) || failOn != "" && strings.Contains(last, failOn)
	}, func() error { return fmt.Errorf("%q did not appear in %s", want, selector) })
	if err == nil && !strings.Contains(last, want) {
		err = fmt.Errorf("%q appeared in %s before %q", failOn, selector, want)
	}
	return last, err
}

// waitForValue polls a JavaScript expression until its string value
// contains want, or fails if it contains failOn first; it returns the last
// value seen.
func (b *browser) waitForValue(ctx context.Context, s, expr, want, failOn string) (string, error) {
	wrapped := fmt.Sprintf(`(() => { try { return String(%s); } catch (e) { return "error: " + e; } })()`, expr)
	var last string
	err := b.poll(ctx, s, wrapped, func(v any) bool {
		last, _ = v.(string)
		return strings.Contains(last, want) || failOn != "" && strings.Contains(last, failOn)
	}, func() error { return fmt.Errorf("%q did not appear in the value of %s", want, expr) })
	if err == nil && !strings.Contains(last, want) {
		err = fmt.Errorf("%q appeared in the value of %s before %q", failOn, expr, want)
	}
	return last, err
}

// poll evaluates expr in the page every 100 ms until done accepts its
// value; on timeout it returns failed's error.
func (b *browser) poll(ctx context.Context, s, expr string, done func(any) bool, failed func() error) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var res struct {
			Result struct {
				Value any `json:"value"`
			} `json:"result"`
		}
		// Errors here are transient (the page is still navigating).
		if err := b.conn.call(ctx, s, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res); err == nil {
			if done(res.Result.Value) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", failed(), ctx.Err())
		case <-b.exited:
			return fmt.Errorf("chromium exited")
		case <-tick.C:
		}
	}
}

// onEvent records console output, uncaught exceptions and browser log
// entries (CSP violations, failed loads) for the test log.
func (b *browser) onEvent(msg cdpMessage) {
	var line string
	switch msg.Method {
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		if json.Unmarshal(msg.Params, &p) != nil {
			return
		}
		parts := []string{p.Type + ":"}
		for _, a := range p.Args {
			if a.Value != nil {
				parts = append(parts, fmt.Sprint(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		line = strings.Join(parts, " ")
	case "Runtime.exceptionThrown":
		var p struct {
			Details struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		if json.Unmarshal(msg.Params, &p) != nil {
			return
		}
		line = "exception: " + p.Details.Text + " " + p.Details.Exception.Description
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Level  string `json:"level"`
				Source string `json:"source"`
				Text   string `json:"text"`
				URL    string `json:"url"`
			} `json:"entry"`
		}
		if json.Unmarshal(msg.Params, &p) != nil {
			return
		}
		line = fmt.Sprintf("%s (%s): %s %s", p.Entry.Level, p.Entry.Source, p.Entry.Text, p.Entry.URL)
	default:
		return
	}
	b.mu.Lock()
	b.console = append(b.console, line)
	b.mu.Unlock()
}

// consoleLines returns what the page logged so far.
func (b *browser) consoleLines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// stderrTail returns the end of Chromium's own output, for failures,
// without the D-Bus complaints every container run produces.
func (b *browser) stderrTail() string {
	var kept []string
	for _, line := range strings.Split(b.stderr.String(), "\n") {
		if !strings.Contains(line, "dbus") {
			kept = append(kept, line)
		}
	}
	s := strings.Join(kept, "\n")
	if len(s) > 4000 {
		s = s[len(s)-4000:]
	}
	return s
}

// close asks Chromium to exit, kills it if it does not, and removes the
// profile. Removal is retried because helper processes may still be
// writing to the profile for a moment after the browser process exits.
func (b *browser) close(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = b.conn.call(ctx, "", "Browser.close", nil, nil)
	select {
	case <-b.exited:
	case <-time.After(5 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
	}
	var err error
	for i := 0; i < 20; i++ {
		if err = os.RemoveAll(b.profile); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("browsertest: leaving profile %s: %v", b.profile, err)
}

// lockedBuffer collects Chromium's output from the exec package's copying
// goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
