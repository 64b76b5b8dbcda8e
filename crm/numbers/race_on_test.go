//go:build race

package numbers

// raceEnabled scales down the heaviest tests: the race detector slows the
// library's regular expressions thirtyfold.
const raceEnabled = true
