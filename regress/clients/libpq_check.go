// regress/clients/libpq_check.go - lib/pq (Go's database/sql driver) at its
// default settings.
//
// lib/pq sends a query without arguments as a simple Query and one with
// arguments as Parse (unnamed statement)/Describe/Sync, then
// Bind/Execute/Sync, in text format; cancelling a query's context sends a
// CancelRequest on a new connection and keeps the connection.
// Usage: libpq_check HOST PORT USER DBNAME [sluice|postgres], password from
// $PGPASSWORD; one line per check, exit status 1 at the first failure.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/lib/pq"
)

var conn *sql.Conn

func check(name string, fn func() error) {
	runCheck(name, fn, func(err error) string {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) {
			return string(pqErr.Code)
		}
		return ""
	})
}

func expectError(what, sqlstate, query string, args ...interface{}) error {
	rows, err := conn.QueryContext(ctx(), query, args...)
	if err == nil {
		rows.Close()
		return fmt.Errorf("%s: expected an error %s, it succeeded", what, sqlstate)
	}
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || string(pqErr.Code) != sqlstate {
		return fmt.Errorf("%s: expected SQLSTATE %s, got %v", what, sqlstate, err)
	}
	return nil
}

func main() {
	if len(os.Args) < 5 {
		fmt.Fprintln(os.Stderr, "usage: libpq_check HOST PORT USER DBNAME [sluice|postgres]")
		os.Exit(2)
	}
	host, port, user, dbname := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	connector, err := pq.NewConnector(fmt.Sprintf("host=%s port=%s user=%s dbname=%s password='%s' connect_timeout=10",
		host, port, user, dbname, os.Getenv("PGPASSWORD")))
	if err != nil {
		fmt.Printf("not ok - connect: %s\n", err)
		os.Exit(1)
	}
	db := sql.OpenDB(connector)

	check("connect", func() error {
		var err error
		conn, err = db.Conn(ctx())
		return err
	})
	check("SELECT 1 is an int4, read as an int64", func() error {
		rows, err := conn.QueryContext(ctx(), "SELECT 1")
		if err != nil {
			return err
		}
		defer rows.Close()
		types, err := rows.ColumnTypes()
		if err != nil {
			return err
		}
		if err := expect("the type of SELECT 1", "INT4", types[0].DatabaseTypeName()); err != nil {
			return err
		}
		var v interface{}
		if !rows.Next() {
			return fmt.Errorf("no row: %v", rows.Err())
		}
		if err := rows.Scan(&v); err != nil {
			return err
		}
		return expect("SELECT 1", int64(1), v)
	})
	check("parameter round trip (text, bigint, float, bool, timestamp)", func() error {
		ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		var t string
		var b int64
		var f float64
		var bo bool
		var gotTs time.Time
		err := conn.QueryRowContext(ctx(), "SELECT $1::text, $2::bigint + 1, $3::float8, $4::bool, $5::timestamp",
			"héllo", int64(41), 1.5, true, ts).Scan(&t, &b, &f, &bo, &gotTs)
		if err != nil {
			return err
		}
		return expect("round trip", []interface{}{"héllo", int64(42), 1.5, true, ts},
			[]interface{}{t, b, f, bo, gotTs.UTC()})
	})
	check("BeginTx/Commit", func() error {
		tx, err := conn.BeginTx(ctx(), nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx(), "SELECT $1::int", 1); err != nil {
			return err
		}
		return tx.Commit()
	})
	check("errors carry SQLSTATE 42P01 and 42601", func() error {
		if err := expectError("SELECT * FROM nosuch", "42P01", "SELECT * FROM nosuch"); err != nil {
			return err
		}
		if err := expectError("a syntax error", "42601", "SELEC 1"); err != nil {
			return err
		}
		if err := expectError("a syntax error with an argument", "42601", "SELEC $1::text", "x"); err != nil {
			return err
		}
		var v int64
		if err := conn.QueryRowContext(ctx(), "SELECT $1::int", 3).Scan(&v); err != nil {
			return err
		}
		return expect("usable after the errors", int64(3), v)
	})
	check("push query on a bounded source with a parameter, read to the end", func() error {
		rows, err := conn.QueryContext(ctx(), "SELECT ts, station, ph FROM readings WHERE station = $1", "a")
		if err != nil {
			return err
		}
		defer rows.Close()
		return expectReadings(rows)
	})
	// lib/pq marks a connection whose context was cancelled as bad, so
	// database/sql's pool replaces it: the query runs on a pooled
	// connection of its own, and the pool must go on working.
	check("context cancel of a running query gives 57014, pool usable", func() error {
		c, cancel := context.WithCancel(context.Background())
		defer cancel()
		err, fail := cancelRunning(func() error {
			rows, err := db.QueryContext(c, cancelSQL())
			if err != nil {
				return err
			}
			defer rows.Close()
			return drain(rows)
		}, func() error { cancel(); return nil })
		if fail != nil {
			return fail
		}
		var pqErr *pq.Error
		if !errors.As(err, &pqErr) || pqErr.Code != "57014" {
			return fmt.Errorf("expected SQLSTATE 57014, got %v", err)
		}
		var v int64
		if err := db.QueryRowContext(ctx(), "SELECT 4").Scan(&v); err != nil {
			return err
		}
		return expect("usable after the cancel", int64(4), v)
	})
	check("information_schema.columns lists the relation's columns", func() error {
		rows, err := conn.QueryContext(ctx(), columnsSQL, "readings")
		if err != nil {
			return err
		}
		defer rows.Close()
		return expectColumns(rows)
	})
	check("close", func() error {
		if err := conn.Close(); err != nil {
			return err
		}
		return db.Close()
	})
}
