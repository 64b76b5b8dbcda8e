package crm

import (
	"strings"
	"time"
)

// phrases are the generated texts in one language.
type phrases struct {
	newContact    string // "New (16:30 05.03.2018, incoming call)"
	incomingCall  string
	missedCall    string
	outgoingCall  string
	callCaseTitle string // title of a case created for a call: "%s 16:30 05.03.2018"
	unknownLead   string // title of the missed-call lead
	missedComment string // comment of the missed-call lead
	callbackNote  string // note of a missed-call callback task
}

// phrasesFor returns the texts of lang; a function rather than a map so
// that there is no package-level state to mutate.
func phrasesFor(lang string) phrases {
	if lang == LanguageRussian {
		return phrases{
			newContact:    "Новый",
			incomingCall:  "входящий звонок",
			missedCall:    "пропущенный звонок",
			outgoingCall:  "исходящий звонок",
			callCaseTitle: "Звонок",
			unknownLead:   "Неизвестный контакт",
			missedComment: "Пропущенный",
			callbackNote:  "Перезвонить: пропущенный звонок",
		}
	}
	return phrases{
		newContact:    "New",
		incomingCall:  "incoming call",
		missedCall:    "missed call",
		outgoingCall:  "outgoing call",
		callCaseTitle: "Call",
		unknownLead:   "Unknown contact",
		missedComment: "Missed",
		callbackNote:  "Call back: missed call",
	}
}

// phrases returns the texts of the configured language.
func (c *CRM) phrases() phrases { return phrasesFor(c.settings.Language) }

// clockStamp is "16:30 05.03.2018" in the configured zone: the form the
// issue asks for in both languages.
func (c *CRM) clockStamp(at time.Time) string {
	return at.In(c.location).Format("15:04 02.01.2006")
}

// fold makes text comparable case-insensitively in any script. SQLite's
// LIKE and lower() only fold ASCII, so the folded form is stored next to
// the text. "ё" is folded to "е" because Russian writers use them
// interchangeably.
func fold(text string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(text)), "ё", "е")
}

// likeContains builds a LIKE pattern matching text anywhere, with LIKE's
// wildcards escaped (use with ESCAPE '\').
func likeContains(text string) string {
	escaped := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(text)
	return "%" + escaped + "%"
}
