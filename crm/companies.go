package crm

import (
	"context"
	"fmt"
	"time"
)

// Company is an organisation contacts can belong to. Companies are created
// by name when a contact names one, and matched case-insensitively.
type Company struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Notes     string    `json:"notes,omitempty"`
	Contacts  int       `json:"contacts"` // how many contacts belong to it
	CreatedAt time.Time `json:"created_at"`
}

// FindCompanies lists companies whose name contains fragment (all when
// empty), by name.
func (c *CRM) FindCompanies(ctx context.Context, fragment string, limit int) ([]Company, error) {
	if limit <= 0 || limit > 1000 {
		return nil, fmt.Errorf("crm: find companies: %w: limit %d must be 1..1000", ErrInvalid, limit)
	}
	rows, err := c.db.QueryContext(ctx, `SELECT co.id, co.name, co.notes, co.created_at,
       (SELECT count(*) FROM contacts c WHERE c.company_id = co.id)
FROM companies co
WHERE co.name_fold LIKE ? ESCAPE '\'
ORDER BY co.name_fold
LIMIT ?`, likeContains(fold(fragment)), limit)
	if err != nil {
		return nil, fmt.Errorf("crm: find companies %q: %w", fragment, err)
	}
	defer rows.Close()
	var companies []Company
	for rows.Next() {
		var company Company
		var createdAt int64
		if err := rows.Scan(&company.ID, &company.Name, &company.Notes, &createdAt, &company.Contacts); err != nil {
			return nil, fmt.Errorf("crm: find companies %q: %w", fragment, err)
		}
		company.CreatedAt = time.UnixMilli(createdAt).UTC()
		companies = append(companies, company)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("crm: find companies %q: %w", fragment, err)
	}
	return companies, nil
}
