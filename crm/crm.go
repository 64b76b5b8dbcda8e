package crm

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/switchboard/switchboard/crm/numbers"
	"github.com/switchboard/switchboard/internal/store"
)

// CRM is the local CRM on an opened (migrated) database. It is safe for
// concurrent use.
type CRM struct {
	db         *sql.DB
	statements *statementCache
	numbers    *numbers.Normalizer
	settings   Settings
	location   *time.Location // for clock times in generated names
	now        func() time.Time
	warmed     chan struct{} // closed once the number data is loaded
}

// Option adjusts a CRM at construction.
type Option func(*CRM)

// WithClock replaces time.Now for created/updated stamps and "now"
// defaults, so tests can pin time.
func WithClock(now func() time.Time) Option {
	return func(c *CRM) { c.now = now }
}

// New returns a CRM on db with the given settings (zero fields take their
// defaults, see Settings). It starts loading the phone-number data, about
// 0.1 s once per process, in the background (see Warmed).
func New(db *store.DB, settings Settings, options ...Option) (*CRM, error) {
	return NewFromSQL(db.SQL(), settings, options...)
}

// NewFromSQL is New for a pool that is already open; the schema must be
// migrated (store.Open does that).
func NewFromSQL(db *sql.DB, settings Settings, options ...Option) (*CRM, error) {
	settings = settings.withDefaults()
	if err := settings.validate(); err != nil {
		return nil, fmt.Errorf("crm: %w", err)
	}
	normalizer, err := numbers.New(numbers.Config{
		DefaultRegion:     settings.DefaultRegion,
		MaxInternalDigits: settings.MaxInternalDigits,
		SuffixDigits:      settings.SuffixDigits,
	})
	if err != nil {
		return nil, fmt.Errorf("crm: %w", err)
	}
	for _, zone := range settings.zonesToCheck() {
		if !normalizer.ValidZone(zone) {
			return nil, fmt.Errorf("crm: unknown time zone %q in settings", zone)
		}
	}
	c := &CRM{db: db, statements: newStatementCache(db), numbers: normalizer, settings: settings,
		location: settings.location(), now: time.Now, warmed: make(chan struct{})}
	for _, option := range options {
		option(c)
	}
	// The number data loads in about 0.1 s of CPU: in the background, so
	// that the console's first frame and headless commands do not wait for
	// it. The library loads under its own lock, so a card built meanwhile
	// simply waits for the data it needs.
	go func() {
		defer close(c.warmed)
		normalizer.Warm(settings.Language)
	}()
	return c, nil
}

// Warmed is closed once the number data is loaded: until then, the first
// caller card waits for it.
func (c *CRM) Warmed() <-chan struct{} { return c.warmed }

// Settings returns the settings in force (with defaults filled in).
func (c *CRM) Settings() Settings { return c.settings }

// Numbers returns the normaliser, for callers that need to show or compare
// numbers the way the CRM does.
func (c *CRM) Numbers() *numbers.Normalizer { return c.numbers }

// Normalize reads a number with the CRM's settings.
func (c *CRM) Normalize(raw string) numbers.Number { return c.numbers.Normalize(raw) }

// querier is satisfied by *sql.DB, *sql.Tx and *sql.Conn, so the same
// helper runs inside or outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs work in one write transaction. The store begins transactions
// IMMEDIATE, so the write lock is taken up front and a read-modify-write
// cannot fail half-way on a lock upgrade.
func (c *CRM) inTx(ctx context.Context, work func(tx *sql.Tx) error) error {
	return inTxOn(ctx, c.db, work)
}

// beginner is *sql.DB or *sql.Conn.
type beginner interface {
	BeginTx(ctx context.Context, options *sql.TxOptions) (*sql.Tx, error)
}

// inTxOn is inTx on a given pool or connection.
func inTxOn(ctx context.Context, db beginner, work func(tx *sql.Tx) error) (err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			// The work's error is the one worth reporting.
			_ = tx.Rollback()
		}
	}()
	if err = work(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// inSnapshot runs read-only work in a deferred (read-only) transaction,
// so several queries see one consistent state without taking the write
// lock: the pool's other transactions are IMMEDIATE and would block the
// phone's history writes meanwhile. Queries run as cached statements.
func (c *CRM) inSnapshot(ctx context.Context, work func(q querier) error) error {
	tx, err := c.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Read-only: rolling back releases the snapshot and loses nothing.
	defer func() { _ = tx.Rollback() }()
	return work(cached{statements: c.statements, tx: tx})
}
