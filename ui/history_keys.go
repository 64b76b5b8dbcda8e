package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/switchboard/switchboard/ui/keys"
)

// playback is the recording being played from the history: one at a
// time. cancel stops it (the command's context); the command's answer,
// playDoneMsg, clears it.
type playback struct {
	callID string
	cancel context.CancelFunc
}

// loadHistory asks for the history page shown, with the screen's filter.
func (m Model) loadHistory() tea.Cmd {
	return m.cmds.history(m.history.Filter(), m.history.Page())
}

func (m Model) handleHistoryKey(msg tea.KeyPressMsg, k keys.KeyMap) (tea.Model, tea.Cmd) {
	call := m.history.Selected()
	switch {
	case key.Matches(msg, k.CallBack) && call != nil:
		target := call.RemoteNumber
		if target == "" {
			target = call.RemoteURI
		}
		return m, m.cmds.dial(call.Account, target)
	case key.Matches(msg, k.PlayRecording):
		return m.togglePlayback()
	case key.Matches(msg, k.EditNote) && call != nil:
		return m, m.openPastNotes(call.ID, call.Notes)
	case key.Matches(msg, k.Dispose) && call != nil:
		m.openDisposition(call.ID, historyName(call.DisplayName, call.RemoteNumber), call.Disposition)
		return m, nil
	case key.Matches(msg, k.NextPage):
		if m.history.NextPage() {
			return m, m.loadHistory()
		}
		return m, nil
	case key.Matches(msg, k.PrevPage):
		if m.history.PrevPage() {
			return m, m.loadHistory()
		}
		return m, nil
	case key.Matches(msg, k.MissedOnly):
		m.history.ToggleMissedOnly()
		return m, m.loadHistory()
	case key.Matches(msg, k.Refresh):
		return m, m.loadHistory()
	case key.Matches(msg, k.Back):
		m.history.SetNumber("")
		return m, m.loadHistory()
	}
	var cmd tea.Cmd
	m.history, cmd = m.history.Update(msg)
	return m, cmd
}

// togglePlayback stops the recording that plays, or plays the selected
// call's. The context is made here (no I/O: it only holds the cancel) so
// that the key can stop the command that plays.
func (m Model) togglePlayback() (tea.Model, tea.Cmd) {
	if m.playing.cancel != nil {
		m.playing.cancel()
		return m, nil
	}
	call := m.history.Selected()
	if call == nil || call.Recording == "" {
		return m, nil
	}
	ctx, cancel := context.WithCancel(m.cmds.ctx)
	m.playing = playback{callID: call.ID, cancel: cancel}
	m.history.SetPlaying(call.ID)
	m.showToast("Playing the recording · P stops")
	return m, m.cmds.play(ctx, call.ID)
}

func (m Model) playDone(msg playDoneMsg) (tea.Model, tea.Cmd) {
	if m.playing.callID == msg.CallID {
		m.playing.cancel()
		m.playing = playback{}
		m.history.SetPlaying("")
	}
	switch {
	case errors.Is(msg.Err, context.Canceled):
		m.showToast("Playback stopped")
	case msg.Err != nil:
		m.common.Logger.Warn("play recording", "call", msg.CallID, "error", msg.Err)
		m.showError("play recording: " + msg.Err.Error())
	default:
		m.showToast("Played " + talkTime(msg.Played))
	}
	return m, nil
}

// historyContext narrows the history screen's keys to what the selected
// call allows.
func (m *Model) historyContext(k keys.KeyMap, popupGroup, global []key.Binding) keyContext {
	call := m.history.Selected()
	sel := call != nil
	// The sound card is the call's while one is live: no playback then.
	idle := len(m.calls.LiveIDs(false)) == 0
	playing := m.playing.cancel != nil
	k.CallBack = keys.Only(k.CallBack, sel)
	k.PlayRecording = keys.Only(k.PlayRecording, playing || (sel && call.Recording != "" && idle))
	if playing {
		k.PlayRecording.SetHelp("P", "stop playing")
	}
	k.EditNote = keys.Only(k.EditNote, sel)
	k.Dispose = keys.Only(k.Dispose, sel && len(m.settings.Dispositions) > 0)
	k.NextPage = keys.Only(k.NextPage, m.history.HasNext())
	k.PrevPage = keys.Only(k.PrevPage, m.history.HasPrev())
	k.Up, k.Down = keys.Only(k.Up, sel), keys.Only(k.Down, sel)
	screen := []key.Binding{k.CallBack, k.PlayRecording, k.EditNote, k.Dispose, k.NextPage, k.PrevPage, k.MissedOnly, k.Refresh, k.Up, k.Down}
	shortList := append(short(popupGroup), k.CallBack, k.PlayRecording, k.EditNote, k.Dispose, k.NextPage, k.MissedOnly, k.Help)
	return keyContext{km: k, title: "history", help: keys.Context{Short: shortList, Groups: [][]key.Binding{popupGroup, screen, global}}}
}

func historyName(name, number string) string {
	if name != "" {
		return name
	}
	return number
}

// talkTime is m:ss.
func talkTime(d time.Duration) string {
	s := int(d / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
