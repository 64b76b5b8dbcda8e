package crm

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

// An import is a three-stage pipeline, because normalising numbers costs
// about as much CPU as writing them:
//
//	reader (1 goroutine) → validators (one per CPU) → writer (this goroutine)
//
// Records travel in batches; the writer takes batches in file order, so
// "first row wins" and line numbers in reports are deterministic. The
// writer does everything in one transaction with prepared statements.

const importBatchSize = 512

type importBatch struct {
	records []importRecord
	valid   []validContact
	errs    []error
	done    chan struct{} // closed when validated
}

func (c *CRM) runImport(ctx context.Context, source recordSource, options ImportOptions) (ImportReport, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(1, runtime.GOMAXPROCS(0))
	toValidate := make(chan *importBatch, 2*workers)
	inOrder := make(chan *importBatch, 4*workers)

	var readErr error // set before inOrder is closed, read after
	go func() {
		defer close(inOrder)
		defer close(toValidate)
		readErr = readBatches(ctx, source, toValidate, inOrder)
	}()
	var validators sync.WaitGroup
	for range workers {
		validators.Add(1)
		go func() {
			defer validators.Done()
			for batch := range toValidate {
				c.validateBatch(batch, options)
			}
		}()
	}
	// Whatever happens, stop the reader and wait for the validators, so no
	// goroutine outlives the import.
	defer validators.Wait()
	defer func() {
		cancel()
		for range inOrder {
		}
	}()

	report := ImportReport{IgnoredColumns: source.ignoredColumns()}
	writer := &importWriter{crm: c, options: options, report: &report, rejected: &ImportError{}}
	if options.SkipInvalid && options.Rejects != nil {
		writer.rejects = csv.NewWriter(options.Rejects)
		writer.rejectHeader = source.rejectHeader()
		if err := writer.rejects.Write(writer.rejectHeader); err != nil {
			return report, fmt.Errorf("write rejects: %w", err)
		}
	}
	conn, release, err := c.importConnection(ctx)
	if err != nil {
		return report, err
	}
	defer release()
	err = inTxOn(ctx, conn, func(tx *sql.Tx) error {
		if err := writer.prepare(ctx, tx); err != nil {
			return err
		}
		defer writer.close()
		for batch := range inOrder {
			select {
			case <-batch.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			if err := writer.writeBatch(ctx, batch); err != nil {
				return err
			}
		}
		if readErr != nil {
			return readErr
		}
		if writer.rejected.Total > 0 && !options.SkipInvalid {
			return writer.rejected
		}
		return writer.finish(ctx, tx)
	})
	if err != nil {
		return report, err
	}
	if writer.rejects != nil {
		writer.rejects.Flush()
		if err := writer.rejects.Error(); err != nil {
			return report, fmt.Errorf("write rejects: %w", err)
		}
	}
	return report, nil
}

// importConnection returns a connection set up for a large import, and the
// function that restores it and hands it back to the pool:
//   - cache_size: a large import inserts into indexes in random order, and
//     the default 2 MiB page cache would re-read pages constantly;
//   - temp_store=MEMORY: each multi-row INSERT keeps a statement journal
//     (to undo just that statement on a constraint error), by default in a
//     temporary file, which costs a system call per page;
//   - foreign_keys=OFF: every number and tag row would look its contact up
//     again, although the import inserts a contact before its rows and only
//     merges into contacts it has just found.
//
// SQLite ignores these inside a transaction (or reads them when one
// begins), hence a connection of our own on which they are set first.
func (c *CRM) importConnection(ctx context.Context) (*sql.Conn, func(), error) {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	var cacheSize, tempStore, foreignKeys int64
	err = conn.QueryRowContext(ctx, `SELECT * FROM pragma_cache_size, pragma_temp_store, pragma_foreign_keys`).
		Scan(&cacheSize, &tempStore, &foreignKeys)
	for _, pragma := range []string{fmt.Sprintf(`PRAGMA cache_size = %d`, -importCacheKiB), `PRAGMA temp_store = MEMORY`,
		`PRAGMA foreign_keys = OFF`} {
		if err == nil {
			_, err = conn.ExecContext(ctx, pragma)
		}
	}
	release := func() {
		restore := context.WithoutCancel(ctx)
		var restoreErr error
		for _, pragma := range []string{fmt.Sprintf(`PRAGMA cache_size = %d`, cacheSize),
			fmt.Sprintf(`PRAGMA temp_store = %d`, tempStore), fmt.Sprintf(`PRAGMA foreign_keys = %d`, foreignKeys)} {
			if _, err := conn.ExecContext(restore, pragma); err != nil {
				restoreErr = err
			}
		}
		if restoreErr != nil {
			// The pool must not keep a connection without foreign keys.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close() // back to the pool (or discarded, above)
	}
	if err != nil {
		release()
		return nil, nil, fmt.Errorf("set up import connection: %w", err)
	}
	return conn, release, nil
}

// readBatches reads the source into batches and hands each to the
// validators and, in order, to the writer.
func readBatches(ctx context.Context, source recordSource, toValidate, inOrder chan<- *importBatch) error {
	for {
		batch := &importBatch{records: make([]importRecord, 0, importBatchSize), done: make(chan struct{})}
		var readErr error
		for len(batch.records) < importBatchSize {
			record, err := source.next()
			if err != nil {
				readErr = err
				break
			}
			batch.records = append(batch.records, record)
		}
		if len(batch.records) > 0 {
			for _, destination := range []chan<- *importBatch{toValidate, inOrder} {
				select {
				case destination <- batch:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		if errors.Is(readErr, io.EOF) {
			return nil
		}
		if readErr != nil {
			return readErr
		}
	}
}

func (c *CRM) validateBatch(batch *importBatch, options ImportOptions) {
	batch.valid = make([]validContact, len(batch.records))
	batch.errs = make([]error, len(batch.records))
	for i, record := range batch.records {
		batch.valid[i], batch.errs[i] = c.validateImported(record, options)
	}
	close(batch.done)
}
