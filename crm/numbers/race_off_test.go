//go:build !race

package numbers

const raceEnabled = false
