package phone

import (
	"context"
	"log/slog"
	"time"
)

// sipgo's transport layer logs every packet it cannot parse at ERROR, with
// the whole packet (up to 64 KB) in the record. A garbage flood would then
// write the log at line rate. throttledHandler passes at most a few records
// a second, cuts long values short, and says how many it dropped.
type throttledHandler struct {
	inner   slog.Handler
	records *sourceLimiter // one bucket: all records share the budget
}

const (
	logRecordsPerSecond = 5
	logRecordsBurst     = 20
	maxLoggedValue      = 300 // bytes of one attribute value
)

func newThrottledLogger(log *slog.Logger) *slog.Logger {
	return slog.New(&throttledHandler{inner: log.Handler(),
		records: newSourceLimiter(logRecordsPerSecond, logRecordsBurst, 1)})
}

func (h *throttledHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

func (h *throttledHandler) Handle(ctx context.Context, r slog.Record) error {
	d := h.records.allow("", time.Now(), reportEvery)
	if !d.allowed {
		if d.report > 0 {
			note := slog.NewRecord(r.Time, slog.LevelWarn, "SIP stack log records dropped (flood of bad packets?)", 0)
			note.AddAttrs(slog.Int("dropped", d.report))
			return h.inner.Handle(ctx, note)
		}
		return nil
	}
	short := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if s, ok := a.Value.Any().(string); ok && len(s) > maxLoggedValue {
			a.Value = slog.StringValue(s[:maxLoggedValue] + "…")
		}
		short.AddAttrs(a)
		return true
	})
	return h.inner.Handle(ctx, short)
}

func (h *throttledHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &throttledHandler{inner: h.inner.WithAttrs(attrs), records: h.records}
}

func (h *throttledHandler) WithGroup(name string) slog.Handler {
	return &throttledHandler{inner: h.inner.WithGroup(name), records: h.records}
}
