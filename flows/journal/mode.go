package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// metaMode is the meta key holding the mode (sandbox, test, live) the
// journal's sales are made in.
const metaMode = "mode"

// ErrOtherMode is ModeError's class, for errors.Is.
var ErrOtherMode = errors.New("the journal keeps another mode's sales")

// ModeError is ClaimMode's refusal: the journal's sales were made in
// another mode, against another KOMOJU.
type ModeError struct {
	Path       string
	Kept, Want string
}

func (e *ModeError) Error() string {
	return fmt.Sprintf("journal %s keeps the sales of %s mode and komoju-tui is in %s mode: a KOMOJU that never saw those sales cannot say whether they were charged, "+
		"so the two are never mixed; leave out --journal to use this mode's own journal, or run in %s mode", e.Path, e.Kept, e.Want, e.Kept)
}

func (e *ModeError) Unwrap() error { return ErrOtherMode }

// ClaimMode records mode as the mode of the journal's sales the first time
// a till or command that talks to KOMOJU opens it, and refuses (a
// *ModeError) a journal that already keeps another mode's sales. Each mode
// has its own file by default; this catches a --journal (or a store's
// database) shared across modes, where a sandbox answering "no such
// session" about a live sale would let recovery write "not charged" for a
// customer who may have paid. Reports that only read the journal do not
// claim it.
func (j *Journal) ClaimMode(ctx context.Context, mode string) error {
	switch mode {
	case ModeSandbox, ModeTest, ModeLive:
	default:
		return fmt.Errorf("journal: unknown mode %q (sandbox, test or live): %w", mode, ErrInvalid)
	}
	var kept string
	// Read first: a journal already marked (every start but the first)
	// costs a read, not a write transaction.
	err := j.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaMode).Scan(&kept)
	switch {
	case err == nil && kept == mode:
		return nil
	case err == nil:
		return j.modeError(kept, mode)
	case !errors.Is(err, sql.ErrNoRows):
		return j.wrap("read the journal's mode", err)
	}
	err = j.write(ctx, "claim the journal's mode", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value, at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`,
			metaMode, mode, ms(j.wall())); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, metaMode).Scan(&kept)
	})
	if err != nil {
		return err
	}
	if kept != mode {
		return j.modeError(kept, mode)
	}
	return nil
}

func (j *Journal) modeError(kept, want string) error {
	path := j.path
	if j.pg {
		path = redactURL(path)
	}
	return &ModeError{Path: path, Kept: kept, Want: want}
}
