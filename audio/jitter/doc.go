// Package jitter is the receive-side playout buffer of a call: an adaptive
// RTP jitter buffer with packet-loss concealment and clock-drift correction.
//
// # Timeline
//
// Every packet is placed on a sample timeline by its RTP timestamp (unwrapped
// relative to the newest packet, so sequence and timestamp wrap-around are
// invisible) and copied into a ring indexed by timeline position. Out-of-order
// packets therefore land in their slot by themselves; duplicates are recognised
// by sequence number. The playout point walks the timeline as the reader pulls
// samples. A packet whose slot has already been played is Late and dropped.
//
// # How much to buffer
//
// The controlled quantity is the headroom of each in-order packet: how far
// ahead of the playout point it starts when it arrives. The target headroom is
// max(frame, read size) + 2.5 x the RFC 3550 jitter estimate, clamped to
// [max(MinDelay, one frame), MaxDelay]. It rises at once when jitter rises or a
// packet turns out late, and decays with an 8 s time constant. At zero jitter
// the target is one frame, so a packet waits at most one read period plus one
// frame (<= 40 ms for 20 ms frames).
//
// The smoothed headroom is steered to the target by playing slightly faster
// or slower: a "slip" moves the read position by one sample over 20-400
// output samples with cubic interpolation, so the pitch changes by at most 5 %
// and only for a moment, and the output is bit-exact between slips. A sigma-
// delta accumulator spaces slips evenly. The same mechanism absorbs clock
// drift. The drift between the sender's clock and the playout clock
// (DriftPPM) is measured by a forgetting least-squares fit of RTP time
// against samples played, using the fastest packet of every 2 s so that a
// change in network delay does not read as drift, and is fed forward: a
// 200 ppm drift becomes one slip every 5000 samples instead of bursts. Only
// when the buffer holds more than MaxDelay is audio skipped, with a 5 ms
// cross-fade.
//
// # Losses and underruns
//
// A missing stretch of timeline is concealed: the concealer finds the pitch
// period of the last 20 ms by normalised cross-correlation, to a fraction of
// a sample, and repeats that period (read back with cubic interpolation, so
// there is no seam) at full level for 10 ms, then fading linearly to silence
// at 60 ms. When real audio returns it is cross-faded in over 5 ms, so neither
// the loss nor the recovery clicks. If the buffer runs dry (nothing stored beyond the
// playout point) the playout point holds still while the concealer plays: a
// late packet then plays when it comes, the delay having grown by the wait.
// If it turns out the awaited packet was lost, the time already concealed is
// credited against the gap; after a silence-suppression gap the playout point
// jumps so the new talk spurt starts at the target delay.
//
// Big timestamp discontinuities (a new source, a reset sender) re-anchor the
// timeline after the audio already buffered; a sequence-number jump is
// accepted after two consecutive packets agree (RFC 3550's probation).
//
// # Concurrency
//
// One goroutine may Push while another calls ReadFrame; both take a mutex for
// a few microseconds and never allocate. Stats reads atomics and never waits.
package jitter
