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
// checkpoint never blocks a writer; once it has copied everything, the
// next write starts the log over.
const checkpointInterval = time.Second

// writerCheckpointFrames is where SQLite's own checkpoint, inside the
// committing connection, takes over (wal_autocheckpoint). Under a
// sustained stream of writes (an import, a generated history) a passive
// checkpoint from another connection never catches up with the writer and
// the log would grow without end; the writer's own checkpoint runs between
// its transactions and bounds it. A phone's writes never come near it.
const writerCheckpointFrames = 10000

// checkpointer runs passive checkpoints in the background until stopped.
type checkpointer struct {
	db      *DB
	stop    context.CancelFunc
	done    sync.WaitGroup
	frames  atomic.Int64 // WAL frames copied so far, for tests and figures
	lastErr atomic.Value // error of the last failed checkpoint, if any
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
// checkpoint). It returns the number of frames copied.
func (db *DB) Checkpoint(ctx context.Context) (int, error) {
	var busy, logFrames, copied int
	if err := db.sqlDB.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied); err != nil {
		return 0, fmt.Errorf("store: checkpoint %s: %w", db.path, err)
	}
	return max(copied, 0), nil
}
