// regress/clients/Jdbc.java - pgjdbc (42.5) at its default settings.
//
// pgjdbc sends everything with the extended query protocol (Parse/Bind/
// Describe/Execute/Sync; named server-side statements from the fifth
// execution, prepareThreshold=5), starts with SET extra_float_digits = 3
// and SET application_name, runs in autocommit by default, reads
// DatabaseMetaData from pg_catalog and cancels with Statement.cancel() (a
// CancelRequest on a new connection).
// Usage: java -cp postgresql.jar:DIR Jdbc HOST PORT USER DBNAME [sluice|postgres],
// password from $PGPASSWORD; one line per check, exit status 1 at the
// first failure.
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

public class Jdbc {
    interface Check {
        void run() throws Exception;
    }

    static Connection conn;
    static String url, user, password, target;

    // A server that stops answering fails the check by name instead of hanging.
    static final int CHECK_SECONDS = 30;

    static void check(String name, Check c) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(CHECK_SECONDS * 1000L);
            } catch (InterruptedException e) {
                return;
            }
            System.out.println("not ok - " + name + ": no answer within " + CHECK_SECONDS + " s");
            System.exit(1);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            c.run();
        } catch (SQLException e) {
            System.out.println("not ok - " + name + ": [" + e.getSQLState() + "] " + e.getMessage());
            System.exit(1);
        } catch (Throwable e) {
            System.out.println("not ok - " + name + ": " + e);
            System.exit(1);
        }
        watchdog.interrupt();
        System.out.println("ok - " + name);
    }

    static void expect(String what, Object want, Object got) {
        if (want == null ? got != null : !want.equals(got))
            throw new AssertionError(what + ": expected " + want + ", got " + got);
    }

    static void expectError(String what, String sqlstate, String sql) throws Exception {
        try (Statement st = conn.createStatement()) {
            st.executeQuery(sql).close();
        } catch (SQLException e) {
            expect(what + " SQLSTATE (" + e.getMessage() + ")", sqlstate, e.getSQLState());
            return;
        }
        throw new AssertionError(what + ": expected an error " + sqlstate + ", it succeeded");
    }

    static Object one(String sql) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getObject(1);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: Jdbc HOST PORT USER DBNAME [sluice|postgres]");
            System.exit(2);
        }
        url = "jdbc:postgresql://" + args[0] + ":" + args[1] + "/" + args[3];
        user = args[2];
        password = System.getenv().getOrDefault("PGPASSWORD", "");
        target = args.length > 4 ? args[4] : "sluice";
        String cancelSql = target.equals("postgres") ? "SELECT pg_sleep(60)" : "SELECT station, ph FROM forever";
        DriverManager.setLoginTimeout(10);

        check("connect", () -> {
            Properties p = new Properties();
            p.setProperty("user", user);
            p.setProperty("password", password);
            conn = DriverManager.getConnection(url, p);
        });
        check("autocommit is the default", () -> expect("getAutoCommit()", true, conn.getAutoCommit()));
        check("SELECT 1 is an Integer", () -> {
            Object v = one("SELECT 1");
            expect("SELECT 1", "java.lang.Integer 1", v.getClass().getName() + " " + v);
        });
        check("parameter round trip (text, bigint, float, bool, timestamp)", () -> {
            Timestamp ts = Timestamp.valueOf(LocalDateTime.of(2026, 1, 2, 3, 4, 5));
            try (PreparedStatement ps = conn.prepareStatement(
                    "SELECT ?::text, ?::bigint + 1, ?::float8, ?::bool, ?::timestamp")) {
                ps.setString(1, "héllo");
                ps.setLong(2, 41);
                ps.setDouble(3, 1.5);
                ps.setBoolean(4, true);
                ps.setTimestamp(5, ts);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    expect("text", "héllo", rs.getString(1));
                    expect("bigint", 42L, rs.getLong(2));
                    expect("float", 1.5, rs.getDouble(3));
                    expect("bool", true, rs.getBoolean(4));
                    expect("timestamp", ts, rs.getTimestamp(5));
                }
            }
        });
        check("a prepared statement run 6 times (server-side prepare from the 5th)", () -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT ?::bigint * 2")) {
                for (long i = 0; i < 6; i++) {
                    ps.setLong(1, i);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        expect("run " + i, 2 * i, rs.getLong(1));
                    }
                }
            }
        });
        check("setAutoCommit(false), commit, rollback", () -> {
            conn.setAutoCommit(false);
            one("SELECT 1");
            conn.commit();
            one("SELECT 2");
            conn.rollback();
            conn.setAutoCommit(true);
        });
        check("errors carry SQLSTATE 42P01 and 42601", () -> {
            expectError("SELECT * FROM nosuch", "42P01", "SELECT * FROM nosuch");
            expectError("a syntax error", "42601", "SELEC 1");
            expect("usable after the errors", 3, one("SELECT 3"));
        });
        check("push query on a bounded source with a parameter, read to the end", () -> {
            List<String> got = new ArrayList<>();
            try (PreparedStatement ps = conn.prepareStatement("SELECT ts, station, ph FROM readings WHERE station = ?")) {
                ps.setString(1, "a");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next())
                        got.add(rs.getTimestamp(1) + " " + rs.getString(2) + " " + rs.getDouble(3));
                }
            }
            expect("rows of station a", "[2026-01-01 00:00:00.0 a 7.1, 2026-01-01 00:00:20.0 a 7.3]", got.toString());
        });
        check("Statement.cancel() of a running query gives 57014, connection usable", () -> {
            AtomicReference<Object> outcome = new AtomicReference<>();
            Statement st = conn.createStatement();
            Thread t = new Thread(() -> {
                try {
                    ResultSet rs = st.executeQuery(cancelSql);
                    while (rs.next()) {
                    }
                    outcome.set("ended");
                } catch (SQLException e) {
                    outcome.set(e);
                }
            });
            t.setDaemon(true);
            t.start();
            Thread.sleep(1000);
            if (outcome.get() != null)
                throw new AssertionError("the query ended before the cancel: " + outcome.get());
            st.cancel();
            t.join(10000);
            if (t.isAlive())
                throw new AssertionError("the query still runs 10 s after Statement.cancel()");
            Object o = outcome.get();
            if (!(o instanceof SQLException) || !"57014".equals(((SQLException) o).getSQLState()))
                throw new AssertionError("expected SQLSTATE 57014, got " + o);
            st.close();
            expect("usable after the cancel", 4, one("SELECT 4"));
        });
        check("DatabaseMetaData getTables() and getColumns()", () -> {
            DatabaseMetaData md = conn.getMetaData();
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = md.getTables(null, null, "readings", null)) {
                while (rs.next())
                    tables.add(rs.getString("TABLE_NAME"));
            }
            expect("getTables(readings)", "[readings]", tables.toString());
            List<String> cols = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, null, "readings", null)) {
                while (rs.next())
                    cols.add(rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME"));
            }
            expect("getColumns(readings)", "[ts timestamp, station text, ph float8]", cols.toString());
        });
        check("close", () -> conn.close());
    }
}
