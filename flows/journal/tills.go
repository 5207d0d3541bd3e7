package journal

import (
	"context"
	"database/sql"
	"errors"
)

// KnowsTill reports whether till has made a sale in the journal or has
// opened it (its owner row): a report of a mistyped till can then say so
// instead of showing an empty day. Two index look-ups, whatever the
// journal's size.
func (j *Journal) KnowsTill(ctx context.Context, till string) (bool, error) {
	var one int
	err := j.db.QueryRowContext(ctx, `SELECT 1 WHERE EXISTS (SELECT 1 FROM sales WHERE till = ?) OR EXISTS (SELECT 1 FROM owners WHERE till = ?)`, till, till).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, j.wrap("look the till up", err)
	}
	return true, nil
}

// Tills lists, sorted, the tills the journal knows (KnowsTill's).
func (j *Journal) Tills(ctx context.Context) ([]string, error) {
	rows, err := j.db.QueryContext(ctx, `SELECT till FROM sales WHERE till <> '' GROUP BY till UNION SELECT till FROM owners WHERE till <> '' ORDER BY 1`)
	if err != nil {
		return nil, j.wrap("list the tills", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, j.wrap("list the tills", err)
		}
		out = append(out, t)
	}
	return out, j.wrap("list the tills", rows.Err())
}
