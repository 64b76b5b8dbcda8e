package webhook

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// outbox is the webhook_outbox table: deliveries waiting for their
// endpoint, oldest first. Only the Deliverer uses it.
type outbox struct {
	db    *sql.DB
	limit int // most rows kept; beyond it the oldest are dropped
}

// delivery is one row: an event on its way to one endpoint.
type delivery struct {
	ID             int64
	Endpoint       string
	Event          string
	Payload        []byte
	IdempotencyKey string
	Attempts       int
	NextAttemptAt  time.Time
}

// add stores a delivery due at once and drops the oldest rows beyond the
// bound, in one transaction; it returns how many were dropped.
func (o *outbox) add(ctx context.Context, endpoint, event string, payload []byte, now time.Time) (dropped int64, err error) {
	key, err := newIdempotencyKey()
	if err != nil {
		return 0, err
	}
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("webhook outbox: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_outbox
		(endpoint, event, payload, idempotency_key, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		endpoint, event, string(payload), key, now.UnixMilli(), now.UnixMilli()); err != nil {
		return 0, fmt.Errorf("webhook outbox: insert: %w", err)
	}
	// Everything older than the newest `limit` rows goes. The subquery
	// walks the primary key backwards, so this stays cheap at the bound.
	result, err := tx.ExecContext(ctx, `DELETE FROM webhook_outbox WHERE id <=
		(SELECT id FROM webhook_outbox ORDER BY id DESC LIMIT 1 OFFSET ?)`, o.limit)
	if err != nil {
		return 0, fmt.Errorf("webhook outbox: enforce the bound: %w", err)
	}
	if dropped, err = result.RowsAffected(); err != nil {
		return 0, fmt.Errorf("webhook outbox: enforce the bound: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("webhook outbox: commit: %w", err)
	}
	return dropped, nil
}

// head is the oldest delivery for endpoint; nil when there is none.
func (o *outbox) head(ctx context.Context, endpoint string) (*delivery, error) {
	row := o.db.QueryRowContext(ctx, `SELECT id, event, payload, idempotency_key, attempts, next_attempt_at
		FROM webhook_outbox WHERE endpoint = ? ORDER BY id LIMIT 1`, endpoint)
	d := &delivery{Endpoint: endpoint}
	var payload string
	var next int64
	err := row.Scan(&d.ID, &d.Event, &payload, &d.IdempotencyKey, &d.Attempts, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("webhook outbox: read: %w", err)
	}
	d.Payload, d.NextAttemptAt = []byte(payload), time.UnixMilli(next)
	return d, nil
}

// remove deletes a delivered row.
func (o *outbox) remove(ctx context.Context, id int64) error {
	if _, err := o.db.ExecContext(ctx, `DELETE FROM webhook_outbox WHERE id = ?`, id); err != nil {
		return fmt.Errorf("webhook outbox: delete: %w", err)
	}
	return nil
}

// postpone records a failed attempt and when to try again.
func (o *outbox) postpone(ctx context.Context, id int64, next time.Time, reason string) error {
	if _, err := o.db.ExecContext(ctx, `UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?
		WHERE id = ?`, next.UnixMilli(), reason, id); err != nil {
		return fmt.Errorf("webhook outbox: reschedule: %w", err)
	}
	return nil
}

// prepare readies the table for a new process: rows of endpoints no longer
// configured are removed (nobody would deliver them), and every waiting
// row is due now — the endpoint may have come back while we were away.
func (o *outbox) prepare(ctx context.Context, endpoints []string, now time.Time) (orphans int64, err error) {
	tx, err := o.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("webhook outbox: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT endpoint FROM webhook_outbox`)
	if err != nil {
		return 0, fmt.Errorf("webhook outbox: list endpoints: %w", err)
	}
	configured := map[string]bool{}
	for _, e := range endpoints {
		configured[e] = true
	}
	var gone []string
	for rows.Next() {
		var endpoint string
		if err := rows.Scan(&endpoint); err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("webhook outbox: list endpoints: %w", err)
		}
		if !configured[endpoint] {
			gone = append(gone, endpoint)
		}
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("webhook outbox: list endpoints: %w", err)
	}
	for _, endpoint := range gone {
		result, err := tx.ExecContext(ctx, `DELETE FROM webhook_outbox WHERE endpoint = ?`, endpoint)
		if err != nil {
			return 0, fmt.Errorf("webhook outbox: remove deliveries of an endpoint no longer configured: %w", err)
		}
		n, _ := result.RowsAffected()
		orphans += n
	}
	if _, err := tx.ExecContext(ctx, `UPDATE webhook_outbox SET next_attempt_at = ? WHERE next_attempt_at > ?`,
		now.UnixMilli(), now.UnixMilli()); err != nil {
		return 0, fmt.Errorf("webhook outbox: reschedule: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("webhook outbox: commit: %w", err)
	}
	return orphans, nil
}

// due is how many endpoints have a delivery that could be sent now: their
// oldest, since each endpoint's deliveries go in order.
func (o *outbox) due(ctx context.Context, now time.Time) (int, error) {
	var n int
	if err := o.db.QueryRowContext(ctx, `SELECT count(*) FROM webhook_outbox w
		WHERE id = (SELECT min(id) FROM webhook_outbox WHERE endpoint = w.endpoint) AND next_attempt_at <= ?`,
		now.UnixMilli()).Scan(&n); err != nil {
		return 0, fmt.Errorf("webhook outbox: count due: %w", err)
	}
	return n, nil
}

// count is how many deliveries wait.
func (o *outbox) count(ctx context.Context) (int, error) {
	var n int
	if err := o.db.QueryRowContext(ctx, `SELECT count(*) FROM webhook_outbox`).Scan(&n); err != nil {
		return 0, fmt.Errorf("webhook outbox: count: %w", err)
	}
	return n, nil
}

// newIdempotencyKey is 128 random bits in hex: unique without coordination
// between processes sharing the database.
func newIdempotencyKey() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("webhook outbox: idempotency key: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
