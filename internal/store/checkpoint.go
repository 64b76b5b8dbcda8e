package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointInterval is how often the write-ahead log is copied back into
// the database file. SQLite would otherwise do it inside whichever commit
// crosses 1000 pages, and that commit — a call's state change, a
// heartbeat — would wait milliseconds for the copy and its fsync. Here the
// copy runs off the write path, on a connection of its own, and a passive
// checkpoint never blocks a writer.
const checkpointInterval = time.Second

// restartAfterFrames bounds the log under a sustained stream of writes (an
// import, a generated history). A passive checkpoint copies only what was
// committed when it began, so while writers keep appending the log is never
// fully copied and never starts over: it would grow without end. Past this
// size (about 40 MB of pages) the checkpointer waits for the writers
// instead and cuts the log file back to nothing (TRUNCATE). A phone's own
// writes never come near it.
const restartAfterFrames = 10000

// checkpointer runs passive checkpoints in the background until stopped.
type checkpointer struct {
	db          *DB
	stop        context.CancelFunc
	done        sync.WaitGroup
	frames      atomic.Int64 // WAL frames copied so far, for tests and figures
	truncations atomic.Int64 // times the log was cut back under sustained writes
	lastErr     atomic.Value // error of the last failed checkpoint, if any
}

func startCheckpointer(db *DB) *checkpointer {
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, stop: cancel}
	c.done.Go(func() {
		tick := time.NewTicker(checkpointInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if copied, err := db.Checkpoint(ctx); err != nil {
					if ctx.Err() == nil {
						c.lastErr.Store(err)
					}
				} else {
					c.frames.Add(int64(copied))
				}
			}
		}
	})
	return c
}

func (c *checkpointer) close() {
	c.stop()
	c.done.Wait()
}

// Checkpoint copies what it can of the write-ahead log into the database
// file without waiting for readers or blocking writers (a passive
// checkpoint); when the log has grown past restartAfterFrames it waits for
// the writers and has the log start over. It returns the number of frames
// copied.
func (db *DB) Checkpoint(ctx context.Context) (int, error) {
	logFrames, copied, err := db.checkpoint(ctx, "PASSIVE")
	if err == nil && logFrames > restartAfterFrames {
		_, copied, err = db.checkpoint(ctx, "TRUNCATE")
		if err == nil && db.checkpoints != nil {
			db.checkpoints.truncations.Add(1)
		}
	}
	return copied, err
}

func (db *DB) checkpoint(ctx context.Context, mode string) (logFrames, copied int, err error) {
	var busy int
	if err := db.sqlDB.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &logFrames, &copied); err != nil {
		return 0, 0, fmt.Errorf("store: checkpoint %s (%s): %w", db.path, mode, err)
	}
	return logFrames, max(copied, 0), nil
}
