// Package crm is switchboard's local CRM: contacts and companies with their
// phone numbers, cases (deals, leads, orders), callback tasks, the
// blacklist, the caller card shown when a call comes in, and the policies
// that run when a call ends. It holds all of its SQL (tables from migration
// 0002_crm.sql); the CLI, the TUI and the control socket only call the
// methods of *CRM, which is safe for concurrent use.
//
// Every number is stored raw and normalised (see package crm/numbers), so
// "8 (495) 123-45-67", "+7 495 1234567", "007495…" and "74951234567" find
// the same contact; numbers that cannot be normalised are matched by their
// last digits.
//
// Wiring, in the order an engine needs it:
//
//	db, _ := store.Open(ctx, path)
//	c, _ := crm.New(db, settingsFromConfig) // zero Settings are safe: every policy does nothing
//	defer c.Close()
//	c.IndexCalls(ctx)                        // once at start-up: index calls recorded meanwhile
//	go c.NewDueWatcher(nil, 0).Run(ctx, publishTaskDue)
//
//	phone screening hook:  c.IsBlocked(ctx, number, time.Now())
//	incoming call:         c.BuildCard(ctx, crm.CardRequest{Number, DialledLine, CallID})
//	                       (if card.Partial: go c.CompleteCard(ctx, sameRequest))
//	call ended:            c.ApplyCallPolicies(ctx, crm.CallOutcome{…})
//	                       c.TaskForCall(ctx, callID) → offer to close the task
//
// For the CLI: AddContact, FindContacts, GetContact, EditContact,
// DeleteContact, AddNumber, RemoveNumber, LinkCall, ContactCalls;
// AddCase, ListCases, GetCase, EditCase, CloseCase, ParseAmount,
// FormatAmount; AddTask, ListTasks, GetTask, CompleteTask, SnoozeTask,
// CancelTask, StartCallback; Block, Unblock, UnblockNumber, Blacklist;
// SaveOperator, Operators, RemoveOperator; ImportCSV, ImportVCard,
// ExportCSV, ExportVCard. Errors wrap ErrNotFound, ErrInvalid,
// ErrInvalidNumber, ErrClosed or, for imports, *ImportError.
package crm
