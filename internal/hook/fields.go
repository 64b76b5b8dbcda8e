package hook

import (
	"strconv"

	"github.com/switchboard/switchboard/phone"
)

// PhoneFields are a phone event's SWITCHBOARD_* variables (without the
// prefix). Empty values are left out.
func PhoneFields(ev phone.Event) map[string]string {
	fields := map[string]string{
		"TIME":            ev.Time.UTC().Format("2006-01-02T15:04:05.000Z"),
		"ACCOUNT":         ev.Account,
		"CALL_ID":         ev.CallID,
		"DIRECTION":       string(ev.Direction),
		"NUMBER":          ev.Number,
		"NAME":            ev.DisplayName,
		"LINE":            ev.Line,
		"REMOTE_URI":      ev.RemoteURI,
		"RESULT":          string(ev.Result),
		"REASON":          ev.Reason,
		"HANGUP_BY":       ev.HangupBy,
		"RECORDING":       ev.Recording,
		"TRANSFER_TARGET": ev.TransferTarget,
		"DIGIT":           ev.Digit,
	}
	if ev.Code != 0 {
		fields["CODE"] = strconv.Itoa(ev.Code)
	}
	if ev.Kind == phone.CallEnded {
		fields["RING_MS"] = strconv.FormatInt(ev.RingMS, 10)
		fields["TALK_MS"] = strconv.FormatInt(ev.TalkMS, 10)
	}
	for name, value := range fields {
		if value == "" {
			delete(fields, name)
		}
	}
	return fields
}
