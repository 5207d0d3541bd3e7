package journaltest

import (
	"database/sql"
	"fmt"
	"os"
)

// DamageSales overwrites one leaf page of the sales table in the journal
// at path (closed, its WAL checkpointed) with garbage, as a failing disk
// would: at 0 the page of the oldest sales, at 1 the newest's. The file's
// header and schema stay intact, so it still opens as a database.
func DamageSales(path string, at float64) error {
	if at < 0 || at > 1 {
		return fmt.Errorf("journaltest: damage at %v: want 0 to 1", at)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	var pageSize int64
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		return err
	}
	rows, err := db.Query(`SELECT pageno FROM dbstat WHERE name = 'sales' AND pagetype = 'leaf' ORDER BY path`)
	if err != nil {
		return err
	}
	var leaves []int64
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return err
		}
		leaves = append(leaves, p)
	}
	rows.Close()
	if len(leaves) < 3 {
		return fmt.Errorf("journaltest: the sales table has %d leaf pages; damage needs a journal with more sales", len(leaves))
	}
	page := leaves[int(at*float64(len(leaves)-1))]
	if err := db.Close(); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	garbage := make([]byte, pageSize)
	for i := range garbage {
		garbage[i] = byte(i*7 + 3)
	}
	if _, err := f.WriteAt(garbage, (page-1)*pageSize); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
