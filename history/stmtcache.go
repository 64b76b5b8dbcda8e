package history

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds the cache. The statements are a handful of
// fixed ones plus one per combination of filters, sort and changed columns
// actually used, which a session keeps small; past the bound, statements
// are prepared for one use as before.
const maxCachedStatements = 256

// stmtCache keeps prepared statements by their SQL text. It exists because
// the driver does not cache: every Exec or Query with a string parses and
// plans the SQL again, and a statement that writes to calls also compiles
// every trigger on the table into itself. That was half the cost of
// recording a call. database/sql prepares a cached *sql.Stmt on each pooled
// connection at first use and re-prepares it transparently.
type stmtCache struct {
	db *sql.DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: make(map[string]*sql.Stmt)}
}

// get returns a prepared statement for query, and a release function that
// closes it if it was not cached.
func (c *stmtCache) get(ctx context.Context, query string) (*sql.Stmt, func(), error) {
	c.mu.Lock()
	stmt, ok := c.stmts[query]
	c.mu.Unlock()
	if ok {
		return stmt, func() {}, nil
	}
	// Prepared outside the lock: preparing may wait for a connection.
	stmt, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cached, ok := c.stmts[query]; ok {
		// Another goroutine prepared it meanwhile; keep one.
		_ = stmt.Close()
		return cached, func() {}, nil
	}
	if len(c.stmts) >= maxCachedStatements {
		return stmt, func() { _ = stmt.Close() }, nil
	}
	c.stmts[query] = stmt
	return stmt, func() {}, nil
}

// exec runs a statement outside any transaction.
func (c *stmtCache) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	stmt, release, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	defer release()
	return stmt.ExecContext(ctx, args...)
}

// query runs a query; the caller closes the rows.
func (c *stmtCache) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	stmt, release, err := c.get(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		release()
		return nil, err
	}
	// An uncached statement may be closed at once: database/sql then closes
	// it when the rows are closed.
	release()
	return rows, nil
}

// queryRow is QueryRowContext with a cached statement.
func (c *stmtCache) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	stmt, release, err := c.get(ctx, query)
	if err != nil {
		// sql.Row cannot be built with an error from outside database/sql;
		// an uncached query reports the same preparation error.
		return c.db.QueryRowContext(ctx, query, args...)
	}
	defer release()
	return stmt.QueryRowContext(ctx, args...)
}

// inTx returns the statement bound to a transaction. It never takes a
// second connection: a transaction holding the write lock must not wait for
// the pool while the other connections wait for its lock. So a statement
// not yet cached is prepared on the transaction alone (for this use), and
// the caller warms the cache after the transaction ends.
func (c *stmtCache) inTx(ctx context.Context, tx *sql.Tx, query string) (stmt *sql.Stmt, release func(), cached bool, err error) {
	c.mu.Lock()
	shared, ok := c.stmts[query]
	c.mu.Unlock()
	if ok {
		stmt = tx.StmtContext(ctx, shared)
	} else if stmt, err = tx.PrepareContext(ctx, query); err != nil {
		return nil, nil, false, err
	}
	return stmt, func() { _ = stmt.Close() }, ok, nil
}

// warm prepares and caches a statement, outside any transaction. A failure
// only means the next use prepares it again, so it is not reported.
func (c *stmtCache) warm(ctx context.Context, query string) {
	_, release, err := c.get(ctx, query)
	if err == nil {
		release()
	}
}
