package history

import "math"

// Simplified E-model constants. The full ITU-T G.107 model needs codec,
// echo and loudness parameters the phone does not measure; this reduced form
// (after Cole and Rosenbluth, "Voice over IP performance monitoring", 2001,
// and as used by common network monitors) keeps the three impairments that
// vary between calls on the same setup: delay, jitter and loss.
const (
	// rDefault is G.107's R for a narrowband call with default parameters
	// and no delay or loss.
	rDefault = 93.2
	// jitterBufferFactor: a jitter buffer must hold about twice the mean
	// jitter, which the listener experiences as extra delay.
	jitterBufferFactor = 2
	// codecDelayMillis is the packetisation and decoding delay of a typical
	// 20 ms frame, added to the network delay.
	codecDelayMillis = 10
	// Delay costs little until the conversation starts to feel laggy
	// (about 160 ms one way), then a lot.
	delayKneeMillis    = 160
	delayLowDivisor    = 40
	delayHighOffset    = 120
	delayHighDivisor   = 10
	lossPenaltyPerCent = 2.5
)

// EstimateMOS estimates the mean opinion score (1 = bad, 4.5 = best a
// narrowband call can reach) from packet loss in percent, mean jitter and
// one-way delay in milliseconds. It is meant for comparing calls and
// spotting bad ones, not as a certified figure. Negative or NaN inputs count
// as 0; loss above 100 % as 100 %.
func EstimateMOS(lossPercent, jitterMillis, delayMillis float64) float64 {
	loss := clampMeasure(lossPercent, 100)
	jitter := clampMeasure(jitterMillis, math.MaxFloat64)
	delay := clampMeasure(delayMillis, math.MaxFloat64)

	effectiveDelay := delay + jitterBufferFactor*jitter + codecDelayMillis
	var delayImpairment float64
	if effectiveDelay < delayKneeMillis {
		delayImpairment = effectiveDelay / delayLowDivisor
	} else {
		delayImpairment = (effectiveDelay - delayHighOffset) / delayHighDivisor
	}
	r := rDefault - delayImpairment - lossPenaltyPerCent*loss
	return mosFromR(r)
}

// mosFromR is the R-factor to MOS conversion of ITU-T G.107 (Annex B).
func mosFromR(r float64) float64 {
	switch {
	case r <= 0:
		return 1
	case r >= 100:
		return 4.5
	}
	// The cubic dips just below 1 for R under about 6.5; 1 is the floor of
	// the scale.
	return max(1, 1+0.035*r+r*(r-60)*(100-r)*7e-6)
}

func clampMeasure(value, ceiling float64) float64 {
	if math.IsNaN(value) || value < 0 {
		return 0
	}
	return min(value, ceiling)
}
