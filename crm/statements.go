package crm

import (
	"context"
	"database/sql"
	"sync"
)

// The SQLite driver compiles every ad-hoc query anew, which costs more than
// running it for the short indexed look-ups of a caller card. Hot paths
// therefore go through statements prepared once per CRM.

// statementCache prepares each query text once on the pool. database/sql
// re-prepares a statement on each connection it runs on and keeps it.
type statementCache struct {
	db         *sql.DB
	mu         sync.Mutex
	statements map[string]*sql.Stmt
}

func newStatementCache(db *sql.DB) *statementCache {
	return &statementCache{db: db, statements: map[string]*sql.Stmt{}}
}

func (s *statementCache) get(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if statement, ok := s.statements[query]; ok {
		return statement, nil
	}
	statement, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.statements[query] = statement
	return statement, nil
}

func (s *statementCache) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for query, statement := range s.statements {
		if err := statement.Close(); err != nil && first == nil {
			first = err
		}
		delete(s.statements, query)
	}
	return first
}

// cached is a querier that runs queries as cached prepared statements, on
// the pool (tx nil) or inside a transaction. Use it only with fixed query
// texts: every distinct text stays prepared for the CRM's lifetime.
type cached struct {
	statements *statementCache
	tx         *sql.Tx
}

func (q cached) statement(ctx context.Context, query string) (*sql.Stmt, error) {
	statement, err := q.statements.get(ctx, query)
	if err != nil || q.tx == nil {
		return statement, err
	}
	// Bound to the transaction's connection; closed with the transaction.
	return q.tx.StmtContext(ctx, statement), nil
}

func (q cached) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	statement, err := q.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	return statement.ExecContext(ctx, args...)
}

func (q cached) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	statement, err := q.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	return statement.QueryContext(ctx, args...)
}

// QueryRowContext reports a preparation error through Row.Scan, as
// database/sql does.
func (q cached) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	statement, err := q.statement(ctx, query)
	if err != nil {
		// A *sql.Row cannot be built with an error from outside
		// database/sql; running the query unprepared reports the same error.
		if q.tx != nil {
			return q.tx.QueryRowContext(ctx, query, args...)
		}
		return q.statements.db.QueryRowContext(ctx, query, args...)
	}
	return statement.QueryRowContext(ctx, args...)
}

// reads is the cached querier on the pool.
func (c *CRM) reads() cached { return cached{statements: c.statements} }

// Close releases the CRM's prepared statements. Call it before closing the
// database; the CRM must not be used afterwards.
func (c *CRM) Close() error { return c.statements.close() }
