package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"userbridge/internal/apperr"
	"userbridge/internal/auditlog"
	"userbridge/internal/edge/budget"
	"userbridge/internal/edge/reqinfo"
	"userbridge/internal/rules/auth"
)

// Subscriptions (docs/audit.md, "Subscriptions") travel over one
// WebSocket per client at /graphql, in the graphql-transport-ws protocol
// (gqlgen's transport.Websocket, only that protocol). This file is the
// connection: the checks before the upgrade (origin, subprotocol, an
// Authorization header if any), authentication at connection_init, the
// limits (connections per credential, subscriptions per connection, init
// timeout, message size, keep-alive) and the close codes. ws_recheck.go
// ends a connection whose credential stops being good;
// subscription.go is the auditEvents subscription.

// SubscriptionOptions configure the WebSocket endpoint.
type SubscriptionOptions struct {
	// Off refuses WebSocket upgrades (400, as before subscriptions).
	Off bool
	// Auth authenticates the bearer token of connection_init; nil: the
	// endpoint is off.
	Auth *auth.Authenticator
	// Fanout delivers audit events to this replica (internal/auditlog).
	Fanout *auditlog.Fanout
	// PublicURL is the service's public base URL: its origin may connect,
	// as may the request's own host and CORSOrigins ("*": any).
	PublicURL   string
	CORSOrigins []string
	// ConnectionsPerCredential bounds the open connections of one user,
	// whatever number of credentials it uses (or of one application
	// acting alone), on one replica (0: DefaultConnectionsPerCredential).
	ConnectionsPerCredential int
	// PerConnection bounds the subscriptions of one connection (0:
	// DefaultSubscriptionsPerConnection).
	PerConnection int
	// InitTimeout is how long a connection may wait before its
	// connection_init (0: DefaultInitTimeout).
	InitTimeout time.Duration
	// KeepAlive is the interval of the server's pings; a connection that
	// does not answer within two intervals is closed (0: DefaultKeepAlive).
	KeepAlive time.Duration
	// Recheck is how often a connection's credential is checked again
	// (0: DefaultRecheck); relevant audit events and the credential's
	// expiry trigger a check at once.
	Recheck time.Duration
	// MaxMessageBytes bounds one message from the client (0:
	// DefaultMaxMessageBytes).
	MaxMessageBytes int64
}

// The defaults of SubscriptionOptions.
const (
	DefaultConnectionsPerCredential   = 5
	DefaultSubscriptionsPerConnection = 10
	DefaultInitTimeout                = 10 * time.Second
	DefaultKeepAlive                  = 25 * time.Second
	DefaultRecheck                    = time.Minute
	DefaultMaxMessageBytes            = 64 << 10
)

// Close codes of graphql-transport-ws (and RFC 6455 for the others).
const (
	closeBadRequest   = 4400 // a message the protocol does not allow
	closeUnauthorized = 4401 // no credential, or it is no longer good
	closeForbidden    = 4403 // the credential may no longer subscribe
	closeInitTimeout  = 4408 // no connection_init in time
	closeTooMany      = 4429 // over the connections of the credential
	closeDuplicateID  = 4409 // a subscribe with the id of a running operation
	closeGoingAway    = 1001 // the replica is shutting down
)

const graphqlTransportWS = "graphql-transport-ws"

func (o SubscriptionOptions) withDefaults() SubscriptionOptions {
	if o.ConnectionsPerCredential <= 0 {
		o.ConnectionsPerCredential = DefaultConnectionsPerCredential
	}
	if o.PerConnection <= 0 {
		o.PerConnection = DefaultSubscriptionsPerConnection
	}
	if o.InitTimeout <= 0 {
		o.InitTimeout = DefaultInitTimeout
	}
	if o.KeepAlive <= 0 {
		o.KeepAlive = DefaultKeepAlive
	}
	if o.Recheck <= 0 {
		o.Recheck = DefaultRecheck
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	return o
}

// wsEndpoint is the WebSocket side of /graphql.
type wsEndpoint struct {
	opts   SubscriptionOptions
	srv    *handler.Server
	budget *budget.Budget
	logger *slog.Logger
	public string // the origin of PublicURL

	mu       sync.Mutex
	perCred  map[string]int
	sessions map[*wsSession]struct{}
	stop     func() // ends the fan-out watch
	closing  bool
}

// newWSEndpoint returns the endpoint, or nil when subscriptions are off.
func newWSEndpoint(r *Resolver, o Options) *wsEndpoint {
	if o.Subscriptions == nil {
		return nil
	}
	so := o.Subscriptions.withDefaults()
	if so.Off || so.Auth == nil {
		return nil
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.Default()
	}
	e := &wsEndpoint{opts: so, budget: o.Budget, logger: logger, perCred: map[string]int{},
		sessions: map[*wsSession]struct{}{}}
	if u, err := url.Parse(so.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		e.public = strings.ToLower(u.Scheme + "://" + u.Host)
	}
	limit := so.MaxMessageBytes
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r}))
	srv.AddTransport(transport.Websocket{
		Implementation:   wsAccepter{},
		InitFunc:         e.init,
		InitTimeout:      so.InitTimeout,
		PingPongInterval: so.KeepAlive,
		PayloadReadLimit: &limit,
		ErrorFunc:        func(context.Context, error) {}, // a peer that vanished is no news
	})
	configureServer(srv, r, o, resetCharge{})
	e.srv = srv
	if so.Fanout != nil {
		e.stop = e.watchFanout(so.Fanout)
	}
	return e
}

// isWebSocket reports whether r asks for a WebSocket upgrade.
func isWebSocket(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// ServeHTTP checks the upgrade and hands it to gqlgen's transport, which
// runs the connection until it ends. No budget slot is held meanwhile:
// the connection limit bounds what a credential keeps open.
func (e *wsEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !e.originAllowed(r) {
		writeError(w, http.StatusForbidden, "this origin may not open a WebSocket here", "FORBIDDEN", "origin_not_allowed")
		return
	}
	if !offers(r, graphqlTransportWS) {
		writeError(w, http.StatusBadRequest, "the WebSocket must speak the graphql-transport-ws subprotocol",
			"BAD_USER_INPUT", "unsupported_subprotocol")
		return
	}
	// An Authorization header on the upgrade (non-browser clients) must be
	// good; it authenticates the connection unless connection_init names
	// another credential.
	v, err := auth.Resolve(r.Context())
	if err != nil {
		refuseCredential(w, r, err, e.logger)
		return
	}
	s := &wsSession{endpoint: e, headerViewer: v, headerToken: r.Header.Get("Authorization"),
		client: reqinfo.ClientAddr(r.Context()), poke: make(chan struct{}, 1)}
	defer s.end()
	ctx := context.WithValue(r.Context(), wsSessionKey{}, s)
	e.srv.ServeHTTP(w, r.WithContext(ctx))
}

// originAllowed: no Origin (not a browser), the service's public origin,
// the request's own host, or one of CORS_ORIGINS. A browser always sends
// Origin with a WebSocket, and no page can forge it.
func (e *wsEndpoint) originAllowed(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	if origin == e.public || strings.EqualFold(u.Host, r.Host) {
		return true
	}
	return slices.Contains(e.opts.CORSOrigins, "*") || slices.ContainsFunc(e.opts.CORSOrigins,
		func(c string) bool { return strings.EqualFold(c, origin) })
}

// offers reports whether the client lists subprotocol p.
func offers(r *http.Request, p string) bool {
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for part := range strings.SplitSeq(h, ",") {
			if strings.TrimSpace(part) == p {
				return true
			}
		}
	}
	return false
}

// wsSession is one connection.
type wsSession struct {
	endpoint     *wsEndpoint
	headerViewer *auth.Viewer
	headerToken  string
	client       string // client address, for the budget's anonymous key

	// initSeen: the client sent connection_init (NextReader, the one
	// goroutine that reads).
	initSeen bool

	token   string // the Authorization value that authenticated it
	viewer  atomic.Pointer[auth.Viewer]
	key     string // the connection limit's key; "" until counted
	subs    atomic.Int32
	cancel  context.CancelFunc
	poke    chan struct{} // a re-check is due (ws_recheck.go)
	closeMu sync.Mutex
	code    int // the close code to send instead of gqlgen's, 0: gqlgen's
	reason  string

	idsMu sync.Mutex
	ids   map[string]struct{} // the running operations' ids (wsConn)
}

type wsSessionKey struct{}

func sessionOf(ctx context.Context) *wsSession {
	s, _ := ctx.Value(wsSessionKey{}).(*wsSession)
	return s
}

// currentViewer is the viewer as last checked.
func (s *wsSession) currentViewer() *auth.Viewer { return s.viewer.Load() }

// closeWith ends the connection with code and reason (at most 123 bytes).
func (s *wsSession) closeWith(code int, reason string) {
	s.closeMu.Lock()
	if s.code == 0 {
		s.code, s.reason = code, reason
	}
	cancel := s.cancel
	s.closeMu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// closeCode is the code and reason to close with, given gqlgen's.
func (s *wsSession) closeCode(code int, reason string) (int, string) {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	switch {
	case s.code != 0:
		return s.code, s.reason
	case code == transport.WebsocketCloseProtocolError && reason == "connection initialisation timeout":
		return closeInitTimeout, "Connection initialisation timeout"
	case code == transport.WebsocketCloseProtocolError:
		return closeBadRequest, "Bad request: " + reason
	}
	return code, reason
}

// end releases what the connection held, once it is over.
func (s *wsSession) end() {
	e := s.endpoint
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.sessions, s)
	if s.key != "" {
		if e.perCred[s.key]--; e.perCred[s.key] <= 0 {
			delete(e.perCred, s.key)
		}
		s.key = ""
	}
}

// initError refuses connection_init: the connection closes with code.
func initError(ctx context.Context, code int, reason string) (context.Context, *transport.InitPayload, error) {
	ctx = transport.WithWebsocketCloseCode(ctx, code)
	ctx = transport.AppendCloseReason(ctx, reason)
	return ctx, nil, errors.New(reason)
}

// init authenticates connection_init: payload.Authorization ("Bearer
// ..."), else the upgrade's Authorization header. An anonymous connection
// is refused (4401), as is one over its credential's connections (4429).
func (e *wsEndpoint) init(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
	s := sessionOf(ctx)
	if s == nil {
		return initError(ctx, closeBadRequest, "Bad request")
	}
	token := p.Authorization()
	v := s.headerViewer
	if token != "" {
		var err error
		v, err = e.opts.Auth.Authenticate(ctx, token)
		switch {
		case apperr.Is(err, apperr.Unavailable):
			return initError(ctx, 1013, "Try again later") // RFC 6455: try again later
		case err != nil:
			return initError(ctx, closeUnauthorized, "Unauthorized")
		}
	} else {
		token = s.headerToken
	}
	if v == nil {
		return initError(ctx, closeUnauthorized, "Unauthorized")
	}
	key := connectionKey(v)
	e.mu.Lock()
	if e.closing {
		e.mu.Unlock()
		return initError(ctx, closeGoingAway, "Going away")
	}
	if e.perCred[key] >= e.opts.ConnectionsPerCredential {
		e.mu.Unlock()
		return initError(ctx, closeTooMany, "Too many connections for this user")
	}
	e.perCred[key]++
	s.key = key
	e.sessions[s] = struct{}{}
	e.mu.Unlock()

	s.token = token
	s.viewer.Store(v)
	ctx = auth.NewContext(ctx, v)
	ctx = withInternalCount(ctx)
	if e.budget != nil {
		ctx = context.WithValue(ctx, chargeKey{}, &charge{budget: e.budget, key: budget.Key(v, s.client)})
	}
	ctx, cancel := context.WithCancel(ctx)
	s.closeMu.Lock()
	s.cancel = cancel
	s.closeMu.Unlock()
	go s.watch(ctx)
	return ctx, nil, nil
}

// connectionKey names what the connection limit counts: the user a
// credential acts for (minting more keys buys no more connections, as it
// buys no more budget), else the application of a client acting alone.
func connectionKey(v *auth.Viewer) string {
	switch {
	case v.UserID() != 0:
		return "u" + strconv.Itoa(v.UserID())
	case v.App != nil:
		return "a" + strconv.Itoa(v.App.ID)
	}
	return "u" + strconv.Itoa(v.UserID())
}

// shutdown closes every connection with 1001 and refuses new ones.
func (e *wsEndpoint) shutdown() {
	e.mu.Lock()
	e.closing = true
	sessions := make([]*wsSession, 0, len(e.sessions))
	for s := range e.sessions {
		sessions = append(sessions, s)
	}
	stop := e.stop
	e.mu.Unlock()
	for _, s := range sessions {
		s.closeWith(closeGoingAway, "Going away")
	}
	if stop != nil {
		stop()
	}
}

// resetCharge gives each operation of a connection a fresh charge: the
// connection's budget key, none of a previous subscription's points. Each
// subscribe then spends its complexity once, like a query of that shape
// (spendBudget); the events it delivers cost nothing more.
type resetCharge struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = resetCharge{}

func (resetCharge) ExtensionName() string                   { return "SubscriptionCharge" }
func (resetCharge) Validate(graphql.ExecutableSchema) error { return nil }

func (resetCharge) MutateOperationParameters(ctx context.Context, _ *graphql.RawParams) *gqlerror.Error {
	if c := chargeOf(ctx); c != nil {
		c.mu.Lock()
		c.computed, c.requested, c.spent, c.refused = false, 0, false, nil
		c.mu.Unlock()
	}
	return nil
}

// wsAccepter accepts the upgrade ServeHTTP checked, in graphql-transport-ws
// only (gqlgen would fall back to the older graphql-ws protocol), and
// closes with the session's code when it has one.
type wsAccepter struct{}

func (wsAccepter) Accept(w http.ResponseWriter, r *http.Request, _ transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	inner := transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{
		InsecureSkipVerify: true, // ServeHTTP checked the origin
	}}
	c, err := inner.Accept(w, r, transport.WebsocketAcceptOptions{
		ResponseHeader: http.Header{}, Subprotocols: []string{graphqlTransportWS}})
	if err != nil {
		return nil, err
	}
	return &wsConn{WebsocketConn: c, s: sessionOf(r.Context())}, nil
}

// wsConn is gqlgen's connection with the session's close codes.
type wsConn struct {
	transport.WebsocketConn
	s *wsSession
}

func (c *wsConn) WriteClose(code int, reason string) error {
	if c.s != nil {
		code, reason = c.s.closeCode(code, reason)
	}
	if len(reason) > 123 { // the most a close frame carries
		reason = reason[:123]
	}
	return c.WebsocketConn.WriteClose(code, reason)
}

// NextReader reads the client's next message whole (within the read
// limit) and checks what gqlgen does not: a text frame must be UTF-8
// (RFC 6455) holding a JSON object, else the connection closes with 4400
// (gqlgen would close with 1000, as if the client had said goodbye); a
// subscribe must not reuse the id of a running operation, else it closes
// with 4409, as graphql-transport-ws says (gqlgen would run both and lose
// the first one's handle, so that no complete could stop it); a subscribe
// before connection_init closes with 4401.
func (c *wsConn) NextReader() (int, io.Reader, error) {
	typ, r, err := c.WebsocketConn.NextReader()
	if err != nil || c.s == nil {
		return typ, r, err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return typ, nil, err
	}
	var m struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	if !utf8.Valid(b) || json.Unmarshal(b, &m) != nil {
		c.s.closeWith(closeBadRequest, "Invalid message received")
		return typ, nil, errInvalidFrame
	}
	switch m.Type {
	case "connection_init":
		c.s.initSeen = true
	case "subscribe":
		if !c.s.initSeen {
			// graphql-transport-ws: a subscribe before connection_init is
			// unauthorized (gqlgen would close with 4400).
			c.s.closeWith(closeUnauthorized, "Unauthorized")
			return typ, nil, errInvalidFrame
		}
		if !c.s.start(m.ID) {
			c.s.closeWith(closeDuplicateID, "Subscriber for "+m.ID+" already exists")
			return typ, nil, errInvalidFrame
		}
	case "complete":
		c.s.finish(m.ID)
	}
	return typ, bytes.NewReader(b), nil
}

// errInvalidFrame ends gqlgen's reading; the session's code closes.
var errInvalidFrame = errors.New("invalid message received")

// WriteJSON sends gqlgen's message, noting when an operation ends (its
// complete or error) so that its id may be used again.
func (c *wsConn) WriteJSON(v any) error {
	if c.s != nil {
		if rv := reflect.Indirect(reflect.ValueOf(v)); rv.Kind() == reflect.Struct {
			if t, id := rv.FieldByName("Type"), rv.FieldByName("ID"); t.Kind() == reflect.String && id.Kind() == reflect.String &&
				(t.String() == "complete" || t.String() == "error") {
				c.s.finish(id.String())
			}
		}
	}
	return c.WebsocketConn.WriteJSON(v)
}

// start notes that operation id runs, unless one with that id already
// does.
func (s *wsSession) start(id string) bool {
	s.idsMu.Lock()
	defer s.idsMu.Unlock()
	if _, ok := s.ids[id]; ok {
		return false
	}
	if s.ids == nil {
		s.ids = map[string]struct{}{}
	}
	s.ids[id] = struct{}{}
	return true
}

// finish notes that operation id ended.
func (s *wsSession) finish(id string) {
	s.idsMu.Lock()
	delete(s.ids, id)
	s.idsMu.Unlock()
}

func (c *wsConn) SetReadLimit(n int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(n)
	}
}

func (c *wsConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}
