package ui

import (
	"sort"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/crm"
	"github.com/switchboard/switchboard/ui/contacts"
	"github.com/switchboard/switchboard/ui/keys"
)

// refreshContacts asks again for what the contacts screen shows: the
// card's details and calls, or the list for the search box's query.
func (m *Model) refreshContacts() tea.Cmd {
	if id := m.contacts.CardID(); id != 0 {
		return tea.Batch(m.cmds.contactDetails(id), m.cmds.contactCalls(id))
	}
	query := m.contacts.Query()
	m.contacts.Searching(query)
	return m.cmds.searchContacts(query)
}

// openContactCard shows contact id's card on the contacts screen.
func (m Model) openContactCard(id int64) (tea.Model, tea.Cmd) {
	m.screen = ScreenContacts
	m.dialer.Blur()
	m.contacts.OpenCard(id)
	return m, m.refreshContacts()
}

// openContactForm pushes the create form (c.ID == 0, prefilled with c) or
// the edit form of c. callID and number are the call it was opened from.
func (m *Model) openContactForm(c crm.Contact, callID, number string) tea.Cmd {
	form := contacts.NewForm(m.common, c)
	form.CallID, form.Number = callID, number
	cmds := []tea.Cmd{form.Focus()}
	checks := form.NumberFields()
	fields := make([]int, 0, len(checks))
	for i := range checks {
		fields = append(fields, i)
	}
	sort.Ints(fields)
	for _, i := range fields {
		cmds = append(cmds, m.cmds.checkNumber(i, checks[i]))
	}
	m.push(overlay{kind: overlayContactForm, form: form})
	return tea.Batch(cmds...)
}

func (m *Model) formOverlay() *overlay {
	for i := len(m.overlays) - 1; i >= 0; i-- {
		if m.overlays[i].kind == overlayContactForm {
			return &m.overlays[i]
		}
	}
	return nil
}

// updateContactForm gives a key or a paste to the form.
func (m Model) updateContactForm(o *overlay, msg tea.Msg) (tea.Model, tea.Cmd) {
	k := m.common.Keys
	if press, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(press, k.Back):
			m.pop()
			return m, nil
		case key.Matches(press, k.Save):
			if !o.form.Validate() {
				return m, nil
			}
			return m, m.cmds.saveContact(o.form)
		case key.Matches(press, k.NextField):
			return m, o.form.Next()
		case key.Matches(press, k.PrevField):
			return m, o.form.Prev()
		case key.Matches(press, k.NumberLabel) && o.form.OnNumber():
			o.form.CycleLabel()
			return m, nil
		}
	}
	form, field, value, cmd := o.form.Update(msg)
	o.form = form
	if field >= 0 {
		return m, tea.Batch(cmd, m.cmds.checkNumber(field, value))
	}
	return m, cmd
}

// handleContactResult takes the answers of the contacts screen's commands.
func (m Model) handleContactResult(msg tea.Msg) (tea.Model, tea.Cmd, bool) {
	switch msg := msg.(type) {
	case contactsMsg:
		m.contacts.SetResults(msg.Query, msg.Contacts, msg.Err)
	case contactDetailsMsg:
		m.contacts.SetDetails(msg.ID, msg.Details, msg.Err)
	case contactCallsMsg:
		m.contacts.SetCalls(msg.ID, msg.Calls, msg.Err)
	case numberCheckMsg:
		if msg.Err != nil {
			m.common.Logger.Warn("normalise number", "error", msg.Err)
		} else if o := m.formOverlay(); o != nil {
			o.form.SetCheck(msg.Field, msg.Value, msg.Check)
		}
	case contactSavedMsg:
		model, cmd := m.contactSaved(msg)
		return model, cmd, true
	default:
		return m, nil, false
	}
	return m, nil, true
}

// contactSaved closes the form, or shows in it why the contact was not
// saved. A contact added from a call's popup leaves the operator where
// they were (the popup shows the caller as known); one made on the
// contacts screen opens its card.
func (m Model) contactSaved(msg contactSavedMsg) (tea.Model, tea.Cmd) {
	o := m.formOverlay()
	if msg.Err != nil {
		if o != nil {
			o.form.SetError(msg.Err)
		} else {
			m.showError("save contact: " + msg.Err.Error())
		}
		return m, nil
	}
	m.removeOverlay(overlayContactForm)
	if msg.Edited {
		m.showToast("Contact " + msg.Contact.Name + " saved")
	} else {
		m.showToast("Contact " + msg.Contact.Name + " added")
	}
	if msg.Card != nil {
		m.calls.SetCard(msg.CallID, msg.Card)
	}
	if msg.CallID != "" {
		return m, nil
	}
	model, cmd := m.openContactCard(msg.Contact.ID)
	return model, cmd
}

// handleSearchKey: typing goes to the search box; enter opens the card
// of the contact under the cursor.
func (m Model) handleSearchKey(msg tea.KeyPressMsg, k keys.KeyMap) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, k.Back):
		m.contacts.BlurSearch()
		return m, nil
	case key.Matches(msg, k.OpenCard):
		m.contacts.BlurSearch()
		if c := m.contacts.Selected(); c != nil {
			return m.openContactCard(c.ID)
		}
		return m, nil
	case key.Matches(msg, k.Up):
		m.contacts.Move(-1)
		return m, nil
	case key.Matches(msg, k.Down):
		m.contacts.Move(1)
		return m, nil
	case key.Matches(msg, k.NextScreen):
		m.contacts.BlurSearch()
		return m.switchScreen((m.screen + 1) % screenCount)
	case key.Matches(msg, k.PrevScreen):
		m.contacts.BlurSearch()
		return m.switchScreen((m.screen + screenCount - 1) % screenCount)
	}
	return m.updateSearch(msg)
}

func (m Model) updateSearch(msg tea.Msg) (tea.Model, tea.Cmd) {
	var changed bool
	var cmd tea.Cmd
	m.contacts, changed, cmd = m.contacts.UpdateSearch(msg)
	if changed {
		return m, tea.Batch(cmd, m.refreshContacts())
	}
	return m, cmd
}

func (m Model) handleContactsKey(msg tea.KeyPressMsg, k keys.KeyMap) (tea.Model, tea.Cmd) {
	if m.contacts.InCard() {
		switch {
		case key.Matches(msg, k.Back):
			m.contacts.CloseCard()
			return m, m.refreshContacts()
		case key.Matches(msg, k.CallNumber):
			return m, m.cmds.dial("", m.contacts.SelectedNumber())
		case key.Matches(msg, k.EditContact):
			c, _ := m.contacts.Card()
			return m, m.openContactForm(c, "", "")
		case key.Matches(msg, k.NewContact):
			return m, m.openContactForm(crm.Contact{}, "", "")
		case key.Matches(msg, k.Refresh):
			return m, m.refreshContacts()
		case key.Matches(msg, k.Up):
			m.contacts.Move(-1)
		case key.Matches(msg, k.Down):
			m.contacts.Move(1)
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Search):
		return m, m.contacts.FocusSearch()
	case key.Matches(msg, k.OpenCard):
		return m.openContactCard(m.contacts.Selected().ID)
	case key.Matches(msg, k.NewContact):
		return m, m.openContactForm(crm.Contact{}, "", "")
	case key.Matches(msg, k.EditContact):
		return m, m.openContactForm(*m.contacts.Selected(), "", "")
	case key.Matches(msg, k.Refresh):
		return m, m.refreshContacts()
	case key.Matches(msg, k.Up):
		m.contacts.Move(-1)
	case key.Matches(msg, k.Down):
		m.contacts.Move(1)
	}
	return m, nil
}

// contactsContext narrows the contacts screen's keys: the search box
// takes typing; the card calls and edits; the list opens and adds.
func (m *Model) contactsContext(k keys.KeyMap, popupGroup, global []key.Binding) keyContext {
	if m.contacts.SearchFocused() {
		k.OpenCard = keys.Only(k.OpenCard, m.contacts.Selected() != nil)
		k.Back.SetHelp("esc", "leave search")
		k.Back.SetEnabled(true)
		group := []key.Binding{k.OpenCard, k.Up, k.Down, k.Back, k.NextScreen, k.ForceQuit}
		return keyContext{km: k, title: "contact search", help: keys.Context{Short: []key.Binding{k.OpenCard, k.Back}, Groups: [][]key.Binding{group}}}
	}
	var screen, shortList []key.Binding
	popup := m.popupOverlay() != nil
	if m.contacts.InCard() {
		_, loaded := m.contacts.Card()
		k.CallNumber = keys.Only(k.CallNumber, m.contacts.SelectedNumber() != "")
		k.EditContact = keys.Only(k.EditContact, loaded)
		if !popup {
			k.Back.SetHelp("esc", "back to the list")
		}
		screen = []key.Binding{k.CallNumber, k.EditContact, k.NewContact, k.Refresh, k.Up, k.Down, k.Back}
		shortList = append(short(popupGroup), k.CallNumber, k.EditContact, k.Back, k.Help)
	} else {
		sel := m.contacts.Selected() != nil
		k.OpenCard, k.EditContact = keys.Only(k.OpenCard, sel), keys.Only(k.EditContact, sel)
		k.Up, k.Down = keys.Only(k.Up, sel), keys.Only(k.Down, sel)
		k.Back.SetEnabled(popup)
		screen = []key.Binding{k.Search, k.OpenCard, k.NewContact, k.EditContact, k.Refresh, k.Up, k.Down}
		shortList = append(short(popupGroup), k.Search, k.OpenCard, k.NewContact, k.EditContact, k.Help)
	}
	return keyContext{km: k, title: "contacts", help: keys.Context{Short: shortList, Groups: [][]key.Binding{popupGroup, screen, global}}}
}

// formContext is the contact form's keys.
func (m *Model) formContext() keyContext {
	k := m.common.Keys
	back := k.Back
	back.SetHelp("esc", "cancel")
	label := k.NumberLabel
	if o := m.formOverlay(); o == nil || !o.form.OnNumber() {
		label = keys.Only(label, false)
	}
	group := []key.Binding{k.Save, k.NextField, k.PrevField, label, back, k.ForceQuit}
	return keyContext{km: onlyKeys(k, back, k.ForceQuit), title: "contact form",
		help: keys.Context{Short: []key.Binding{k.Save, k.NextField, label, back}, Groups: [][]key.Binding{group}}}
}
