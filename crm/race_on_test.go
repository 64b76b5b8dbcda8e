//go:build race

package crm

// raceEnabled scales down the heaviest tests: the race detector slows the
// pure-Go SQLite and the number parser's regular expressions tenfold or more.
const raceEnabled = true
