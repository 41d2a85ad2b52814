// regress/clients/clientcheck.go - what the Go client programs
// (pgx_check.go, libpq_check.go) share; each is built together with this
// file.  rowSource is what pgx.Rows and database/sql's *sql.Rows both offer.
package main

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"time"
)

type rowSource interface {
	Next() bool
	Scan(dest ...interface{}) error
	Err() error
}

// The statement the cancel check runs: a push query over the unbounded
// source on sluiced, pg_sleep() on the PostgreSQL server the programs are
// validated against.  Like pg_sleep, the push query sends no row until it
// ends (its hour-long window does not close): database/sql reports the
// context's own error instead of the server's when a cancel lands between
// rows, so a query still streaming rows would not show the server's 57014.
func cancelSQL() string {
	if len(os.Args) > 5 && os.Args[5] == "postgres" {
		return "SELECT pg_sleep(60)"
	}
	return "SELECT station, count(*) FROM forever WINDOW TUMBLING (1 HOUR) GROUP BY station"
}

// checkSeconds is how long one check may take: a server that stops
// answering fails the check by name instead of hanging the test.
const checkSeconds = 30

// runCheck runs fn and prints "ok - name", or "not ok - name: [SQLSTATE]
// error" and exits 1; sqlstate returns the error's SQLSTATE, or "".
func runCheck(name string, fn func() error, sqlstate func(error) string) {
	watchdog := time.AfterFunc(checkSeconds*time.Second, func() {
		fmt.Printf("not ok - %s: no answer within %d s\n", name, checkSeconds)
		os.Exit(1)
	})
	err := fn()
	watchdog.Stop()
	if err != nil {
		if code := sqlstate(err); code != "" {
			fmt.Printf("not ok - %s: [%s] %s\n", name, code, err)
		} else {
			fmt.Printf("not ok - %s: %s\n", name, err)
		}
		os.Exit(1)
	}
	fmt.Printf("ok - %s\n", name)
}

func expect(what string, want, got interface{}) error {
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("%s: expected %#v, got %#v", what, want, got)
	}
	return nil
}

// ctx bounds every call, so a server that never answers fails the check
// (its timer is released when it fires: the programs are short-lived).
func ctx() context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	_ = cancel
	return c
}

// expectReadings reads the bounded push query's rows to the end.
func expectReadings(rows rowSource) error {
	var got []string
	for rows.Next() {
		var ts time.Time
		var st string
		var ph float64
		if err := rows.Scan(&ts, &st, &ph); err != nil {
			return err
		}
		got = append(got, fmt.Sprintf("%s %s %g", ts.UTC().Format("2006-01-02 15:04:05"), st, ph))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return expect("rows of station a", []string{"2026-01-01 00:00:00 a 7.1", "2026-01-01 00:00:20 a 7.3"}, got)
}

// expectColumns reads information_schema's column names of readings.
func expectColumns(rows rowSource) error {
	var got []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return err
		}
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return expect("columns of readings", []string{"ts", "station", "ph"}, got)
}

const columnsSQL = "SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position"

// cancelRunning starts run (a query read to the end) on a goroutine, calls
// cancel after a second, and returns run's error: the caller checks it is
// 57014.  It fails when the query ends before the cancel or runs on 10 s
// after it.
func cancelRunning(run func() error, cancel func() error) (error, error) {
	done := make(chan error, 1)
	go func() { done <- run() }()
	select {
	case err := <-done:
		return nil, fmt.Errorf("the query ended before the cancel: %v", err)
	case <-time.After(time.Second):
	}
	if err := cancel(); err != nil {
		return nil, err
	}
	select {
	case err := <-done:
		return err, nil
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("the query still runs 10 s after the cancel")
	}
}

// drain reads rows to the end.
func drain(rows rowSource) error {
	for rows.Next() {
	}
	return rows.Err()
}
