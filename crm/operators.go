package crm

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Operator is a person using this console.
type Operator struct {
	Name      string    `json:"name"`
	Extension string    `json:"extension,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// SaveOperator adds an operator or updates their extension.
func (c *CRM) SaveOperator(ctx context.Context, operator Operator) error {
	operator.Name = strings.TrimSpace(operator.Name)
	operator.Extension = strings.TrimSpace(operator.Extension)
	if operator.Name == "" || operator.Name == AutoCreator {
		return fmt.Errorf("crm: save operator: %w: name %q is empty or reserved", ErrInvalid, operator.Name)
	}
	if err := checkText("operator", operator.Name+operator.Extension); err != nil || len(operator.Name) > maxShortText {
		return fmt.Errorf("crm: save operator: %w: bad name or extension", ErrInvalid)
	}
	_, err := c.db.ExecContext(ctx, `INSERT INTO operators (name, extension, created_at) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET extension = excluded.extension`, operator.Name, operator.Extension, c.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("crm: save operator %q: %w", operator.Name, err)
	}
	return nil
}

// Operators lists the operators by name.
func (c *CRM) Operators(ctx context.Context) ([]Operator, error) {
	rows, err := c.db.QueryContext(ctx, `SELECT name, extension, created_at FROM operators ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("crm: list operators: %w", err)
	}
	defer rows.Close()
	var operators []Operator
	for rows.Next() {
		var operator Operator
		var createdAt int64
		if err := rows.Scan(&operator.Name, &operator.Extension, &createdAt); err != nil {
			return nil, fmt.Errorf("crm: list operators: %w", err)
		}
		operator.CreatedAt = time.UnixMilli(createdAt).UTC()
		operators = append(operators, operator)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("crm: list operators: %w", err)
	}
	return operators, nil
}

// RemoveOperator deletes an operator. What they are responsible for keeps
// their name.
func (c *CRM) RemoveOperator(ctx context.Context, name string) error {
	result, err := c.db.ExecContext(ctx, `DELETE FROM operators WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("crm: remove operator %q: %w", name, err)
	}
	if removed, err := result.RowsAffected(); err != nil || removed == 0 {
		if err == nil {
			err = ErrNotFound
		}
		return fmt.Errorf("crm: remove operator %q: %w", name, err)
	}
	return nil
}
