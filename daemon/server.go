// SPDX-License-Identifier: GPL-3.0-or-later

// Package daemon is possed's server side: the D-Bus objects, the table of
// polkit actions each method needs, the authorisation check, argument
// validation, and the serialisation of changes. What a method does on the
// box is behind the Backend interface.
//
// Concurrency: godbus runs every call in its own goroutine. Read methods run
// concurrently with everything. Mutating methods take one change lock, so
// changes to the box happen one at a time in arrival order of the lock; an
// apply holds it in the background while status calls go on answering.
package daemon

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// Config configures a Server.
type Config struct {
	// Backend does the work; nil means Unavailable.
	Backend Backend
	// Authorizer decides who may call what; nil means polkit over the
	// server's connection with uid 0 trusted.
	Authorizer *Authorizer
	// IdleTimeout makes Serve return after that long without calls or
	// running changes; 0 never.
	IdleTimeout time.Duration
	// CallTimeout bounds one backend call other than apply (default 2 min).
	CallTimeout time.Duration
	// ApplyTimeout bounds one apply (default 1 h).
	ApplyTimeout time.Duration
	// Log receives one line per call (method, caller, outcome, error
	// message) and never an argument; nil discards.
	Log *slog.Logger
}

// Server is possed on one bus connection.
type Server struct {
	conn    *dbus.Conn
	backend Backend
	authz   *Authorizer
	cfg     Config
	log     *slog.Logger

	change sync.Mutex // held by every mutating call and by apply

	mu         sync.Mutex
	inflight   int
	pending    int // apply jobs started and not finished
	lastActive time.Time
	busy       bool
	job        string
	jobs       sync.WaitGroup
	// results keeps the outcome of the last maxResults applies, for
	// clients that lost their connection during one.
	results     map[string]api.ApplyResult
	resultOrder []string
	// queued are the apply jobs started and not finished.
	queued map[string]bool
	// health shares one round of probes between concurrent callers.
	health healthGate
}

// maxResults is how many apply results JobResult remembers.
const maxResults = 20

// remember stores a finished apply's result.
func (s *Server) remember(r api.ApplyResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.results == nil {
		s.results = map[string]api.ApplyResult{}
	}
	s.results[r.Job] = r
	delete(s.queued, r.Job)
	s.resultOrder = append(s.resultOrder, r.Job)
	if len(s.resultOrder) > maxResults {
		delete(s.results, s.resultOrder[0])
		s.resultOrder = s.resultOrder[1:]
	}
}

// New makes a Server for conn. Call Export, then RequestName, then Serve.
func New(conn *dbus.Conn, cfg Config) *Server {
	if cfg.Backend == nil {
		cfg.Backend = Unavailable{}
	}
	if cfg.Authorizer == nil {
		cfg.Authorizer = &Authorizer{Bus: conn}
	}
	if cfg.CallTimeout == 0 {
		cfg.CallTimeout = 2 * time.Minute
	}
	if cfg.ApplyTimeout == 0 {
		cfg.ApplyTimeout = time.Hour
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{conn: conn, backend: safe{b: cfg.Backend, log: log}, authz: cfg.Authorizer, cfg: cfg, log: log, lastActive: time.Now()}
}

// RequestName takes the well-known bus name; it fails if another possed
// has it.
func (s *Server) RequestName() error {
	r, err := s.conn.RequestName(api.BusName, dbus.NameFlagDoNotQueue)
	if err != nil {
		return fmt.Errorf("cannot request bus name %s: %w (is the D-Bus policy packaging/dbus/org.posse.Posse1.conf installed, and are you root?)", api.BusName, err)
	}
	if r != dbus.RequestNameReplyPrimaryOwner {
		return fmt.Errorf("bus name %s is taken: another possed is running", api.BusName)
	}
	return nil
}

// Serve blocks until ctx is done or the server was idle for IdleTimeout,
// then releases the bus name and waits for a running apply to finish.
func (s *Server) Serve(ctx context.Context) error {
	var tick <-chan time.Time
	if s.cfg.IdleTimeout > 0 {
		every := min(s.cfg.IdleTimeout/4, 10*time.Second)
		t := time.NewTicker(max(every, 10*time.Millisecond))
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			s.shutdown()
			return nil
		case <-tick:
			if s.idleFor() >= s.cfg.IdleTimeout {
				s.log.Info("idle, exiting", "idle", s.cfg.IdleTimeout.String())
				s.shutdown()
				return nil
			}
		}
	}
}

// idleFor is how long nothing happened; 0 while a call or change runs.
func (s *Server) idleFor() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight > 0 || s.pending > 0 || s.busy {
		return 0
	}
	return time.Since(s.lastActive)
}

func (s *Server) shutdown() {
	if _, err := s.conn.ReleaseName(api.BusName); err != nil {
		s.log.Warn("releasing bus name", "err", err)
	}
	s.jobs.Wait()
}

// call is one method call in progress, authorised.
type call struct {
	s      *Server
	method string
	sender string
	ctx    context.Context
	cancel context.CancelFunc
	// changed is set for calls that change the box (logged at info level).
	changed bool
}

// begin authorises a call of iface.method by sender. On success the caller
// must defer c.end().
func (s *Server) begin(sender dbus.Sender, msg dbus.Message, iface, method string) (*call, *dbus.Error) {
	s.mu.Lock()
	s.inflight++
	s.lastActive = time.Now()
	s.mu.Unlock()
	// The check has its own time limits (longer when a person is asked for
	// a password); the call's limit starts once it is authorised.
	interactive := msg.Flags&dbus.FlagAllowInteractiveAuthorization != 0
	if derr := s.authz.Check(context.Background(), string(sender), ActionFor(iface, method), interactive); derr != nil {
		s.log.Info("refused", "method", iface+"."+method, "sender", string(sender), "reason", errText(derr))
		s.mu.Lock()
		s.inflight--
		s.lastActive = time.Now()
		s.mu.Unlock()
		return nil, derr
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.CallTimeout)
	return &call{s: s, method: iface + "." + method, sender: string(sender), ctx: ctx, cancel: cancel}, nil
}

func (c *call) end() {
	c.cancel()
	c.s.mu.Lock()
	c.s.inflight--
	c.s.lastActive = time.Now()
	c.s.mu.Unlock()
}

// done logs the outcome and converts err for the bus. Successful reads
// are logged at debug level only: a GUI polls the status.
func (c *call) done(err error) *dbus.Error {
	if err == nil {
		level := slog.LevelDebug
		if c.changed {
			level = slog.LevelInfo
		}
		c.s.log.Log(context.Background(), level, "call", "method", c.method, "sender", c.sender)
		return nil
	}
	// Backend errors never hold secrets (see Backend), so they are logged.
	derr := toDBus(err)
	c.s.log.Info("call failed", "method", c.method, "sender", c.sender, "error", derr.Name, "message", errText(derr))
	return derr
}

// invalid refuses a call whose arguments failed validation.
func (c *call) invalid(err error) *dbus.Error {
	return c.done(fmt.Errorf("%w: %w", ErrInvalid, err))
}

// change runs fn holding the change lock.
func (c *call) change(fn func(ctx context.Context) error) *dbus.Error {
	c.s.lockChange()
	defer c.s.unlockChange()
	c.changed = true
	return c.done(fn(c.ctx))
}

// changeLong is change with the apply's time limit instead of the call's,
// for a change that may take long (an upgrade of the box's packages).
func (c *call) changeLong(fn func(ctx context.Context) error) *dbus.Error {
	c.cancel()
	c.ctx, c.cancel = context.WithTimeout(context.Background(), c.s.cfg.ApplyTimeout)
	return c.change(fn)
}

func (s *Server) lockChange() {
	s.change.Lock()
	s.mu.Lock()
	s.busy = true
	s.mu.Unlock()
}

func (s *Server) unlockChange() {
	s.mu.Lock()
	s.busy = false
	s.lastActive = time.Now()
	s.mu.Unlock()
	s.change.Unlock()
}

// toDBus maps a backend error to a D-Bus error by the sentinel it wraps.
func toDBus(err error) *dbus.Error {
	var de *dbus.Error
	if errors.As(err, &de) {
		return de
	}
	name := api.ErrFailed
	switch {
	case errors.Is(err, ErrInvalid):
		name = api.ErrInvalidInput
	case errors.Is(err, ErrNotFound):
		name = api.ErrNotFound
	case errors.Is(err, ErrNotAvailable):
		name = api.ErrNotAvailable
	case errors.Is(err, context.DeadlineExceeded):
		return keyedError(api.ErrFailed, "possed gave up waiting: the operation took too long; check the journal (journalctl -u possed) and try again", api.KeyTimeout, nil)
	}
	key, args := api.ErrorKey(err)
	return keyedError(name, err.Error(), key, args)
}

// keyedError is a D-Bus error whose body is (s message, s key, a{ss}
// args) when it has a key (api.KeyedError), and (s message) without one.
func keyedError(name, msg, key string, args map[string]string) *dbus.Error {
	if key == "" {
		return dbus.NewError(name, []any{msg})
	}
	if args == nil {
		args = map[string]string{}
	}
	return dbus.NewError(name, []any{msg, key, args})
}

// errText is a D-Bus error's message.
func errText(e *dbus.Error) string {
	if len(e.Body) > 0 {
		if s, ok := e.Body[0].(string); ok {
			return s
		}
	}
	return e.Name
}

// newJobID returns a random job id.
func newJobID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// signal sends a signal from the object to one destination only.
func (s *Server) signal(dest, member string, args ...any) {
	msg := &dbus.Message{
		Type: dbus.TypeSignal,
		Headers: map[dbus.HeaderField]dbus.Variant{
			dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath(api.ObjectPath)),
			dbus.FieldInterface:   dbus.MakeVariant(api.Interface),
			dbus.FieldMember:      dbus.MakeVariant(member),
			dbus.FieldDestination: dbus.MakeVariant(dest),
			dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf(args...)),
		},
		Body: args,
	}
	s.conn.Send(msg, nil)
}
