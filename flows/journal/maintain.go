package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Backup writes a consistent copy of the journal to dest (VACUUM INTO),
// while sales go on being written. dest must not exist: a backup never
// overwrites a file. The copy is a complete journal that Open accepts.
func (j *Journal) Backup(ctx context.Context, dest string) error {
	if dest == "" {
		return fmt.Errorf("journal: backup: no destination: %w", ErrInvalid)
	}
	if j.pg {
		return fmt.Errorf("journal %s: backup: a PostgreSQL journal is backed up on the server (pg_dump), not copied to a file: %w", j.path, ErrInvalid)
	}
	abs, err := filepath.Abs(dest)
	if err != nil {
		return fmt.Errorf("journal: backup to %s: %w", dest, err)
	}
	if _, err := os.Stat(abs); err == nil {
		return fmt.Errorf("journal: backup to %s: the file exists; choose a new name", abs)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("journal: backup to %s: %w", abs, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return fmt.Errorf("journal: backup to %s: %w", abs, err)
	}
	if _, err := j.db.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		return j.wrap("backup to "+abs, err)
	}
	return os.Chmod(abs, 0o600) // it holds customer names and emails
}

// PruneEvents deletes stored webhook events first received before before,
// and returns how many went. Sales and their history are never pruned; the
// events are only kept for inspection and replay.
func (j *Journal) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := j.write(ctx, "prune events", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM events WHERE received_at < ?`, ms(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
