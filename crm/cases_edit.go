package crm

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// CasePatch changes some fields of a case; nil pointers are left alone.
// Changing Status to a closed one closes the case (ClosedAt is set), and
// back to an open one reopens it.
type CasePatch struct {
	Title       *string `json:"title,omitempty"`
	Status      *string `json:"status,omitempty"`
	AmountMinor *int64  `json:"amount_minor,omitempty"`
	Currency    *string `json:"currency,omitempty"`
	ContactID   *int64  `json:"contact_id,omitempty"` // 0 detaches the case
	Responsible *string `json:"responsible,omitempty"`
	Product     *string `json:"product,omitempty"`
	Comment     *string `json:"comment,omitempty"`
}

// EditCase applies a patch.
func (c *CRM) EditCase(ctx context.Context, id int64, patch CasePatch) (Case, error) {
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		current, err := scanCase(tx.QueryRowContext(ctx, selectCaseSQL+` WHERE k.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("case %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		input := CaseInput{
			Kind: current.Kind, Title: current.Title, Status: current.Status, AmountMinor: current.AmountMinor,
			Currency: current.Currency, ContactID: current.ContactID, Responsible: current.Responsible,
			Product: current.Product, Comment: current.Comment, SourceCallID: current.SourceCallID,
			CreatedBy: current.CreatedBy,
		}
		applyCasePatch(&input, patch)
		valid, err := c.validateCase(input)
		if err != nil {
			return err
		}
		return c.updateCaseRow(ctx, tx, id, current, valid)
	})
	if err != nil {
		return Case{}, fmt.Errorf("crm: edit case %d: %w", id, err)
	}
	return c.GetCase(ctx, id)
}

func applyCasePatch(input *CaseInput, patch CasePatch) {
	for _, field := range []struct {
		target *string
		value  *string
	}{
		{&input.Title, patch.Title}, {&input.Status, patch.Status}, {&input.Currency, patch.Currency},
		{&input.Responsible, patch.Responsible}, {&input.Product, patch.Product}, {&input.Comment, patch.Comment},
	} {
		if field.value != nil {
			*field.target = *field.value
		}
	}
	if patch.AmountMinor != nil {
		input.AmountMinor = *patch.AmountMinor
	}
	if patch.ContactID != nil {
		input.ContactID = *patch.ContactID
	}
}

func (c *CRM) updateCaseRow(ctx context.Context, tx *sql.Tx, id int64, current Case, valid validCase) error {
	input := valid.input
	if input.ContactID != 0 && input.ContactID != current.ContactID {
		if err := requireContact(ctx, tx, input.ContactID); err != nil {
			return err
		}
	}
	now := c.now().UnixMilli()
	closedAt := toMillis(current.ClosedAt)
	switch {
	case valid.state == CaseOpen:
		closedAt = sql.NullInt64{}
	case current.State == CaseOpen:
		closedAt = sql.NullInt64{Int64: now, Valid: true}
	}
	_, err := tx.ExecContext(ctx, `UPDATE cases SET title = ?, status = ?, state = ?, amount_minor = ?, currency = ?,
    contact_id = ?, responsible = ?, product = ?, comment = ?, updated_at = ?, closed_at = ?
WHERE id = ?`, input.Title, input.Status, string(valid.state), input.AmountMinor, input.Currency, nullID(input.ContactID),
		input.Responsible, input.Product, input.Comment, now, closedAt, id)
	return err
}

// CloseCase closes an open case with a closed status. status may name a
// configured status ("paid") or be "won" or "lost", which picks the kind's
// first status with that outcome. Closing a closed case is ErrClosed.
func (c *CRM) CloseCase(ctx context.Context, id int64, status string) (Case, error) {
	current, err := c.GetCase(ctx, id)
	if err != nil {
		return Case{}, err
	}
	if current.State != CaseOpen {
		return Case{}, fmt.Errorf("crm: close case %d: %w (%s)", id, ErrClosed, current.Status)
	}
	resolved := status
	if configured, ok := c.settings.status(current.Kind, status); !ok || configured.Outcome == CaseOpen {
		resolved = ""
		if outcome := CaseState(status); outcome == CaseWon || outcome == CaseLost {
			resolved = c.settings.firstStatus(current.Kind, outcome)
		}
	}
	if resolved == "" {
		return Case{}, fmt.Errorf("crm: close case %d: %w: %q is not a closing status of a %s", id, ErrInvalid, status, current.Kind)
	}
	return c.EditCase(ctx, id, CasePatch{Status: &resolved})
}
