package webhook

import (
	"math/rand/v2"
	"time"
)

// Clock is the time the deliverer schedules retries by; tests use a fake.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Backoff is how long to wait after the attempt-th failure (1 = the first):
// base doubled per failure up to max, then "equal jitter" — between half
// and all of it, by jitter in [0, 1) — so that many deliveries failing
// together do not all come back at the same instant.
func Backoff(attempt int, base, max time.Duration, jitter float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	half := d / 2
	return half + time.Duration(jitter*float64(d-half))
}

func randomJitter() float64 { return rand.Float64() }
