-- One place for a call's normalised number and contact: the calls table.
-- Until now the CRM kept its own index of them (call_numbers) next to the
-- history's columns remote_e164 and contact_id (0003), and the two could
-- disagree. The CRM now writes the calls columns directly; what its index
-- knew is carried over, without replacing what the history already had.
UPDATE calls SET remote_e164 = (SELECT n.number_key FROM call_numbers n WHERE n.call_id = calls.id)
WHERE remote_e164 = '' AND id IN (SELECT call_id FROM call_numbers WHERE number_key <> '');

UPDATE calls SET contact_id = (SELECT n.contact_id FROM call_numbers n WHERE n.call_id = calls.id)
WHERE contact_id = 0 AND id IN (SELECT call_id FROM call_numbers WHERE contact_id IS NOT NULL);

DROP TABLE call_numbers;

-- calls.contact_id has no foreign key (0 means "no contact", and old rows
-- must survive a contact's deletion), so the unlinking that the index got
-- from ON DELETE SET NULL is a trigger now.
CREATE TRIGGER calls_unlink_deleted_contact AFTER DELETE ON contacts
BEGIN
    UPDATE calls SET contact_id = 0 WHERE contact_id = old.id AND contact_id <> 0;
END;
