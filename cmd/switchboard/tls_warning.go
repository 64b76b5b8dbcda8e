package main

import (
	"fmt"
	"io"

	"github.com/switchboard/switchboard/config"
	"github.com/switchboard/switchboard/phone"
)

// warnInsecureTLS says on the terminal, once per account and before the phone
// starts, that a registrar's certificate will not be checked: the log file alone
// is too easy to miss for a setting that leaves calls open to interception.
func warnInsecureTLS(w io.Writer, accounts []config.Account) {
	for _, acct := range accounts {
		if msg := phone.InsecureTLSWarning(acct); msg != "" {
			fmt.Fprintln(w, "switchboard: warning:", msg)
		}
	}
}
