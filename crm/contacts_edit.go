package crm

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// ContactPatch changes some fields of a contact: nil pointers are left as
// they are, so a CLI maps each flag to one field. Setting Company to ""
// removes the contact from its company.
type ContactPatch struct {
	Name        *string  `json:"name,omitempty"`
	Company     *string  `json:"company,omitempty"`
	Email       *string  `json:"email,omitempty"`
	Notes       *string  `json:"notes,omitempty"`
	TimeZone    *string  `json:"time_zone,omitempty"`
	Responsible *string  `json:"responsible,omitempty"`
	SourceLine  *string  `json:"source_line,omitempty"`
	Tags        []string `json:"tags,omitempty"` // replaces all tags when SetTags is true
	SetTags     bool     `json:"set_tags,omitempty"`
	// AddNumbers are added (and past calls with them linked, as AddNumber
	// does); RemoveNumbers, in any format, are removed.
	AddNumbers    []PhoneInput `json:"add_numbers,omitempty"`
	RemoveNumbers []string     `json:"remove_numbers,omitempty"`
}

// EditContact applies a patch in one transaction: either every change is
// made or none.
func (c *CRM) EditContact(ctx context.Context, id int64, patch ContactPatch) (Contact, error) {
	err := c.inTx(ctx, func(tx *sql.Tx) error {
		current, err := loadContact(ctx, tx, id)
		if err != nil {
			return err
		}
		input := patchedInput(current, patch)
		valid, err := c.validateContact(input)
		if err != nil {
			return err
		}
		if err := c.updateContactRow(ctx, tx, id, valid); err != nil {
			return err
		}
		if patch.SetTags {
			if _, err := tx.ExecContext(ctx, `DELETE FROM contact_tags WHERE contact_id = ?`, id); err != nil {
				return err
			}
			for _, tag := range valid.tags {
				if _, err := tx.ExecContext(ctx, `INSERT INTO contact_tags (contact_id, tag) VALUES (?, ?)`, id, tag); err != nil {
					return err
				}
			}
		}
		if len(patch.RemoveNumbers) > 0 {
			if err := c.removeNumbers(ctx, tx, id, patch.RemoveNumbers); err != nil {
				return err
			}
		}
		if len(valid.numbers) > 0 {
			if _, err := c.addNumbers(ctx, tx, id, valid.numbers); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Contact{}, fmt.Errorf("crm: edit contact %d: %w", id, err)
	}
	return c.GetContact(ctx, id)
}

// patchedInput is the current contact with the patch applied, as a
// ContactInput for validation. Its Numbers are only the ones to add.
func patchedInput(current Contact, patch ContactPatch) ContactInput {
	input := ContactInput{
		Name: current.Name, Company: current.Company, Email: current.Email, Notes: current.Notes,
		TimeZone: current.TimeZone, Responsible: current.Responsible, SourceLine: current.SourceLine,
		Tags: current.Tags, CreatedBy: current.CreatedBy, Numbers: patch.AddNumbers,
	}
	for _, field := range []struct {
		target *string
		value  *string
	}{
		{&input.Name, patch.Name}, {&input.Company, patch.Company}, {&input.Email, patch.Email},
		{&input.Notes, patch.Notes}, {&input.TimeZone, patch.TimeZone}, {&input.Responsible, patch.Responsible},
		{&input.SourceLine, patch.SourceLine},
	} {
		if field.value != nil {
			*field.target = *field.value
		}
	}
	if patch.SetTags {
		input.Tags = slices.Clone(patch.Tags)
	}
	return input
}

func (c *CRM) updateContactRow(ctx context.Context, tx *sql.Tx, id int64, valid validContact) error {
	writer, err := prepareContactWriter(ctx, tx)
	if err != nil {
		return err
	}
	defer writer.close()
	now := c.now()
	input := valid.input
	companyID, err := writer.ensureCompany(ctx, input.Company, now)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE contacts SET name = ?, name_fold = ?, company_id = ?, email = ?, notes = ?,
    time_zone = ?, responsible = ?, source_line = ?, updated_at = ?
WHERE id = ?`, input.Name, fold(input.Name), nullID(companyID), input.Email, input.Notes, input.TimeZone,
		input.Responsible, input.SourceLine, now.UnixMilli(), id)
	return err
}
