// regress/clients/pgx_check.go - pgx v4 at its default settings.
//
// pgx prepares every query it is given with parameters or not (Parse and
// Describe of an unnamed or cached named statement, then Bind/Execute with
// binary formats where it knows the type), reads the server's
// ParameterStatus and cancels through PgConn().CancelRequest (a
// CancelRequest on a new connection; a cancelled context instead closes the
// connection).
// Usage: pgx_check HOST PORT USER DBNAME [sluice|postgres], password from
// $PGPASSWORD; one line per check, exit status 1 at the first failure.
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgx/v4"
)

var conn *pgx.Conn

func check(name string, fn func() error) {
	runCheck(name, fn, func(err error) string {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) {
			return pgErr.Code
		}
		return ""
	})
}

func expectError(what, sqlstate, sql string) error {
	_, err := conn.Exec(ctx(), sql)
	var pgErr *pgconn.PgError
	if err == nil {
		return fmt.Errorf("%s: expected an error %s, it succeeded", what, sqlstate)
	}
	if !errors.As(err, &pgErr) || pgErr.Code != sqlstate {
		return fmt.Errorf("%s: expected SQLSTATE %s, got %v", what, sqlstate, err)
	}
	return nil
}

func main() {
	if len(os.Args) < 5 {
		fmt.Fprintln(os.Stderr, "usage: pgx_check HOST PORT USER DBNAME [sluice|postgres]")
		os.Exit(2)
	}
	host, port, user, dbname := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	url := fmt.Sprintf("postgres://%s@%s:%s/%s?connect_timeout=10", user, host, port, dbname)

	check("connect", func() error {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			return err
		}
		cfg.Password = os.Getenv("PGPASSWORD")
		conn, err = pgx.ConnectConfig(ctx(), cfg)
		return err
	})
	check("SELECT 1 is an int32", func() error {
		rows, err := conn.Query(ctx(), "SELECT 1")
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			return fmt.Errorf("no row: %v", rows.Err())
		}
		v, err := rows.Values()
		if err != nil {
			return err
		}
		return expect("SELECT 1", int32(1), v[0])
	})
	check("parameter round trip (text, bigint, float, bool, timestamp)", func() error {
		ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		var t string
		var b int64
		var f float64
		var bo bool
		var gotTs time.Time
		err := conn.QueryRow(ctx(), "SELECT $1::text, $2::bigint + 1, $3::float8, $4::bool, $5::timestamp",
			"héllo", int64(41), 1.5, true, ts).Scan(&t, &b, &f, &bo, &gotTs)
		if err != nil {
			return err
		}
		return expect("round trip", []interface{}{"héllo", int64(42), 1.5, true, ts},
			[]interface{}{t, b, f, bo, gotTs.UTC()})
	})
	check("Begin/Commit", func() error {
		tx, err := conn.Begin(ctx())
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx(), "SELECT 1"); err != nil {
			return err
		}
		return tx.Commit(ctx())
	})
	check("errors carry SQLSTATE 42P01 and 42601", func() error {
		if err := expectError("SELECT * FROM nosuch", "42P01", "SELECT * FROM nosuch"); err != nil {
			return err
		}
		if err := expectError("a syntax error", "42601", "SELEC 1"); err != nil {
			return err
		}
		var v int32
		if err := conn.QueryRow(ctx(), "SELECT 3").Scan(&v); err != nil {
			return err
		}
		return expect("usable after the errors", int32(3), v)
	})
	check("push query on a bounded source with a parameter, read to the end", func() error {
		rows, err := conn.Query(ctx(), "SELECT ts, station, ph FROM readings WHERE station = $1", "a")
		if err != nil {
			return err
		}
		defer rows.Close()
		return expectReadings(rows)
	})
	check("CancelRequest of a running query gives 57014, connection usable", func() error {
		err, fail := cancelRunning(func() error {
			rows, err := conn.Query(ctx(), cancelSQL())
			if err != nil {
				return err
			}
			defer rows.Close()
			return drain(rows)
		}, func() error { return conn.PgConn().CancelRequest(ctx()) })
		if fail != nil {
			return fail
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
			return fmt.Errorf("expected SQLSTATE 57014, got %v", err)
		}
		var v int32
		if err := conn.QueryRow(ctx(), "SELECT 4").Scan(&v); err != nil {
			return err
		}
		return expect("usable after the cancel", int32(4), v)
	})
	check("information_schema.columns lists the relation's columns", func() error {
		rows, err := conn.Query(ctx(), columnsSQL, "readings")
		if err != nil {
			return err
		}
		defer rows.Close()
		return expectColumns(rows)
	})
	check("close", func() error { return conn.Close(ctx()) })
}
