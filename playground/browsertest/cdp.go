package browsertest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// cdpConn speaks the Chrome DevTools Protocol over --remote-debugging-pipe:
// JSON messages separated by NUL bytes, written to the browser's fd 3 and
// read from its fd 4. A pipe needs no port, no HTTP discovery and no
// websocket library, which keeps this package on the standard library.
type cdpConn struct {
	w io.Writer

	mu      sync.Mutex
	nextID  int
	pending map[int]chan cdpMessage
	onEvent func(cdpMessage)
	closed  chan struct{}
	readErr error
}

// cdpMessage is a command reply or an event; SessionID names the page a
// message belongs to when the connection is flattened onto targets.
type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *cdpError       `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

// cdpError is the protocol's error reply.
type cdpError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// newCDPConn starts reading replies and events from r; onEvent is called on
// the reading goroutine for every event.
func newCDPConn(r io.Reader, w io.Writer, onEvent func(cdpMessage)) *cdpConn {
	c := &cdpConn{w: w, pending: map[int]chan cdpMessage{}, onEvent: onEvent, closed: make(chan struct{})}
	go c.read(bufio.NewReaderSize(r, 1<<20))
	return c
}

// read dispatches messages until the browser closes its end of the pipe.
func (c *cdpConn) read(r *bufio.Reader) {
	defer close(c.closed)
	for {
		raw, err := r.ReadBytes(0)
		if err != nil {
			c.mu.Lock()
			c.readErr = err
			c.mu.Unlock()
			return
		}
		var msg cdpMessage
		if err := json.Unmarshal(raw[:len(raw)-1], &msg); err != nil {
			continue
		}
		if msg.ID == 0 {
			c.onEvent(msg)
			continue
		}
		c.mu.Lock()
		ch := c.pending[msg.ID]
		delete(c.pending, msg.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- msg
		}
	}
}

// call sends method with params to the session (or the browser when
// session is empty) and decodes the reply's result into out, if non-nil.
func (c *cdpConn) call(ctx context.Context, session, method string, params, out any) error {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	ch := make(chan cdpMessage, 1)
	c.pending[id] = ch
	c.mu.Unlock()

	req := struct {
		ID        int    `json:"id"`
		Method    string `json:"method"`
		Params    any    `json:"params,omitempty"`
		SessionID string `json:"sessionId,omitempty"`
	}{id, method, params, session}
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := c.w.Write(append(b, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case msg := <-ch:
		if msg.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, msg.Error.Message, msg.Error.Code)
		}
		if out != nil {
			return json.Unmarshal(msg.Result, out)
		}
		return nil
	case <-c.closed:
		return fmt.Errorf("%s: browser closed the DevTools pipe: %w", method, c.readErr)
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}
