package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// CaseState is whether a case is open or how it closed. It follows from
// the case's status (see CaseStatus.Outcome).
type CaseState string

// CaseState values.
const (
	CaseOpen CaseState = "open"
	CaseWon  CaseState = "won"
	CaseLost CaseState = "lost"
)

// Case is a deal, lead or order (Kind).
type Case struct {
	ID           int64     `json:"id"`
	Kind         string    `json:"kind"`
	Title        string    `json:"title"`
	Status       string    `json:"status"`
	State        CaseState `json:"state"`
	AmountMinor  int64     `json:"amount_minor"` // amount due in minor units (see FormatAmount)
	Currency     string    `json:"currency,omitempty"`
	ContactID    int64     `json:"contact_id,omitempty"`
	ContactName  string    `json:"contact_name,omitempty"`
	NumberRaw    string    `json:"number_raw,omitempty"` // for a case about a number with no contact
	Responsible  string    `json:"responsible,omitempty"`
	Product      string    `json:"product,omitempty"` // device/product, free text
	Comment      string    `json:"comment,omitempty"`
	SourceCallID string    `json:"source_call_id,omitempty"`
	CreatedBy    string    `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	ClosedAt     time.Time `json:"closed_at,omitzero"`
}

// CaseInput is a new case. Kind defaults to "lead", Status to the kind's
// first open status, Currency to the default currency, Responsible and
// CreatedBy to the current operator.
type CaseInput struct {
	Kind         string `json:"kind,omitempty"`
	Title        string `json:"title"`
	Status       string `json:"status,omitempty"`
	AmountMinor  int64  `json:"amount_minor,omitempty"`
	Currency     string `json:"currency,omitempty"`
	ContactID    int64  `json:"contact_id,omitempty"`
	Number       string `json:"number,omitempty"` // any format; linked to whoever gets this number later
	Responsible  string `json:"responsible,omitempty"`
	Product      string `json:"product,omitempty"`
	Comment      string `json:"comment,omitempty"`
	SourceCallID string `json:"source_call_id,omitempty"`
	CreatedBy    string `json:"created_by,omitempty"`
}

// validCase is a CaseInput that passed validation.
type validCase struct {
	input     CaseInput
	state     CaseState
	numberKey string
}

func (c *CRM) validateCase(input CaseInput) (validCase, error) {
	input.Title = strings.TrimSpace(input.Title)
	input.Currency = strings.ToUpper(strings.TrimSpace(input.Currency))
	if input.Kind == "" {
		input.Kind = c.settings.leadKind()
	}
	if !c.settings.validKind(input.Kind) {
		return validCase{}, fmt.Errorf("%w: unknown case kind %q", ErrInvalid, input.Kind)
	}
	if input.Status == "" {
		input.Status = c.settings.firstStatus(input.Kind, CaseOpen)
	}
	status, ok := c.settings.status(input.Kind, input.Status)
	if !ok {
		return validCase{}, fmt.Errorf("%w: unknown status %q for a %s", ErrInvalid, input.Status, input.Kind)
	}
	if input.Currency == "" {
		input.Currency = c.settings.DefaultCurrency
	}
	if input.Currency != "" && !validCurrency(input.Currency) {
		return validCase{}, fmt.Errorf("%w: currency %q is not an ISO 4217 code", ErrInvalid, input.Currency)
	}
	if input.Responsible == "" {
		input.Responsible = c.settings.CurrentOperator
	}
	if input.CreatedBy == "" {
		input.CreatedBy = c.settings.CurrentOperator
	}
	for _, field := range [...]struct{ name, value string }{
		{"title", input.Title}, {"product", input.Product}, {"comment", input.Comment},
		{"responsible", input.Responsible}, {"source call", input.SourceCallID}, {"created by", input.CreatedBy},
	} {
		if err := checkText(field.name, field.value); err != nil {
			return validCase{}, err
		}
		if field.name != "comment" && len(field.value) > maxShortText {
			return validCase{}, fmt.Errorf("%w: %s longer than %d bytes", ErrInvalid, field.name, maxShortText)
		}
	}
	if len(input.Comment) > maxCommentBytes || !utf8.ValidString(input.Number) {
		return validCase{}, fmt.Errorf("%w: comment too long or number not UTF-8", ErrInvalid)
	}
	valid := validCase{input: input, state: status.Outcome}
	if strings.TrimSpace(input.Number) != "" {
		number := c.numbers.Normalize(input.Number)
		if !number.Valid() {
			return validCase{}, fmt.Errorf("%w: %q", ErrInvalidNumber, input.Number)
		}
		valid.input.Number = strings.TrimSpace(input.Number)
		valid.numberKey = number.Key
	}
	return valid, nil
}

// AddCase stores a new case.
func (c *CRM) AddCase(ctx context.Context, input CaseInput) (Case, error) {
	valid, err := c.validateCase(input)
	if err != nil {
		return Case{}, fmt.Errorf("crm: add case: %w", err)
	}
	var id int64
	err = c.inTx(ctx, func(tx *sql.Tx) error {
		id, err = c.insertCase(ctx, tx, valid)
		return err
	})
	if err != nil {
		return Case{}, fmt.Errorf("crm: add case %q: %w", valid.input.Title, err)
	}
	return c.GetCase(ctx, id)
}

func (c *CRM) insertCase(ctx context.Context, q querier, valid validCase) (int64, error) {
	input := valid.input
	if input.ContactID != 0 {
		if err := requireContact(ctx, q, input.ContactID); err != nil {
			return 0, err
		}
	}
	now := c.now().UnixMilli()
	var closedAt sql.NullInt64
	if valid.state != CaseOpen {
		closedAt = sql.NullInt64{Int64: now, Valid: true}
	}
	result, err := q.ExecContext(ctx, `INSERT INTO cases (kind, title, status, state, amount_minor, currency, contact_id,
    number_raw, number_key, responsible, product, comment, source_call_id, created_by, created_at, updated_at, closed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		input.Kind, input.Title, input.Status, string(valid.state), input.AmountMinor, input.Currency, nullID(input.ContactID),
		input.Number, valid.numberKey, input.Responsible, input.Product, input.Comment, input.SourceCallID, input.CreatedBy,
		now, now, closedAt)
	if err != nil {
		return 0, err
	}
	return result.LastInsertId()
}

const selectCaseSQL = `SELECT k.id, k.kind, k.title, k.status, k.state, k.amount_minor, k.currency, COALESCE(k.contact_id, 0),
       COALESCE(c.name, ''), k.number_raw, k.responsible, k.product, k.comment, k.source_call_id, k.created_by,
       k.created_at, k.updated_at, k.closed_at
FROM cases k LEFT JOIN contacts c ON c.id = k.contact_id`

// selectCaseSQLWith is selectCaseSQL with more columns after the case's;
// scanCase takes their destinations as extra.
func selectCaseSQLWith(columns string) string {
	return strings.Replace(selectCaseSQL, "k.closed_at\n", "k.closed_at"+columns+"\n", 1)
}

func scanCase(row rowScanner, extra ...any) (Case, error) {
	var record Case
	var createdAt, updatedAt, closedAt sql.NullInt64
	destinations := []any{&record.ID, &record.Kind, &record.Title, &record.Status, &record.State, &record.AmountMinor,
		&record.Currency, &record.ContactID, &record.ContactName, &record.NumberRaw, &record.Responsible, &record.Product,
		&record.Comment, &record.SourceCallID, &record.CreatedBy, &createdAt, &updatedAt, &closedAt}
	err := row.Scan(append(destinations, extra...)...)
	if err != nil {
		return Case{}, err
	}
	record.CreatedAt = fromMillis(createdAt)
	record.UpdatedAt = fromMillis(updatedAt)
	record.ClosedAt = fromMillis(closedAt)
	return record, nil
}

// GetCase returns one case; the error wraps ErrNotFound if there is none.
func (c *CRM) GetCase(ctx context.Context, id int64) (Case, error) {
	record, err := scanCase(c.db.QueryRowContext(ctx, selectCaseSQL+` WHERE k.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return Case{}, fmt.Errorf("crm: get case %d: %w", id, err)
	}
	return record, nil
}

// CaseFilter selects cases for ListCases; zero fields do not filter.
type CaseFilter struct {
	ContactID   int64     `json:"contact_id,omitempty"`
	Kind        string    `json:"kind,omitempty"`
	State       CaseState `json:"state,omitempty"`
	Responsible string    `json:"responsible,omitempty"`
	Limit       int       `json:"limit,omitempty"` // 0 = 100
}

// ListCases lists cases, most recently updated first.
func (c *CRM) ListCases(ctx context.Context, filter CaseFilter) ([]Case, error) {
	if filter.Limit == 0 {
		filter.Limit = 100
	}
	if filter.Limit < 0 {
		return nil, fmt.Errorf("crm: list cases: %w: negative limit", ErrInvalid)
	}
	var conditions []string
	var args []any
	for _, condition := range []struct {
		set    bool
		clause string
		value  any
	}{
		{filter.ContactID != 0, "k.contact_id = ?", filter.ContactID},
		{filter.Kind != "", "k.kind = ?", filter.Kind},
		{filter.State != "", "k.state = ?", string(filter.State)},
		{filter.Responsible != "", "k.responsible = ?", filter.Responsible},
	} {
		if condition.set {
			conditions = append(conditions, condition.clause)
			args = append(args, condition.value)
		}
	}
	query := selectCaseSQL
	if len(conditions) > 0 {
		query += " WHERE " + strings.Join(conditions, " AND ")
	}
	query += " ORDER BY k.updated_at DESC, k.id DESC LIMIT ?"
	rows, err := c.db.QueryContext(ctx, query, append(args, filter.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("crm: list cases: %w", err)
	}
	cases, err := scanAll(rows, func(row rowScanner) (Case, error) { return scanCase(row) })
	if err != nil {
		return nil, fmt.Errorf("crm: list cases: %w", err)
	}
	return cases, nil
}
