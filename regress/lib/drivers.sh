# regress/lib/drivers.sh - what the driver tests (regress/scripts/drivers_*.sh,
# issue 13) share.  Source it after regress/lib/server.sh's variables are set:
#   sl_drivers_need CMD...       exits 77 (skipped) unless each command exists
#   sl_drivers_start             a sluiced with readings.csv in its file root and
#                                regress/clients/setup_sluice.sql run by psql
#   sl_drivers_run NAME CMD...   runs a client program (regress/clients/*) with
#                                HOST PORT USER DBNAME appended, under timeout 60,
#                                prints its lines; exit status 1 when it fails
# Every client connects over TCP to 127.0.0.1 with the "sluice" role's
# password ($PGPASSWORD), at the driver's default settings.
SL_CLIENTS=$SL_SRCDIR/regress/clients
# Compiled client programs (Java classes, Go binaries and Go's build cache)
# live in the build tree, built once and rebuilt only when a source changes.
SL_CLIENTS_BUILD=$SL_BUILDDIR/regress/clients-build
# The programs run from the source tree, which may be read-only (distcheck):
# no __pycache__ beside clientcheck.py.
export PYTHONDONTWRITEBYTECODE=1
. "$SL_SRCDIR/regress/lib/server.sh"

sl_drivers_need() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || { echo "skip: $c is not installed (scripts/deps.sh installs it)"; exit 77; }
    done
}

sl_drivers_start() {
    sl_server_start || exit 1
    cp "$SL_CLIENTS/readings.csv" "$SL_DATADIR/files/"
    out=$(sl_psql -q -v ON_ERROR_STOP=1 -f "$SL_CLIENTS/setup_sluice.sql" 2>&1) ||
        { echo "not ok - setup: $out"; exit 1; }
}

sl_drivers_run() { # sl_drivers_run NAME CMD...
    local name=$1 rc; shift
    (cd "$SL_CLIENTS" && timeout 60 "$@" 127.0.0.1 "$SL_PORT" sluice sluice sluice) \
        >"$SL_TMP/$name.out" 2>"$SL_TMP/$name.err"
    rc=$?
    cat "$SL_TMP/$name.out"
    if [ "$rc" -eq 124 ]; then echo "not ok - $name: killed after 60 s, hung in the check after the last one above"; fi
    if [ "$rc" -ne 0 ]; then
        sed 's/^/# /' "$SL_TMP/$name.err" | tail -20
        return 1
    fi
}

# sl_drivers_python NAME PROGRAM MODULE...: the whole test of a Python
# client: skipped unless Debian's /usr/bin/python3 imports every MODULE
# (the first python3 on PATH may be another one, without Debian's packages).
sl_drivers_python() {
    local name=$1 prog=$2 fail=0; shift 2
    for m in "$@"; do
        /usr/bin/python3 -c "import $m" 2>/dev/null ||
            { echo "skip: /usr/bin/python3 cannot import $m (scripts/deps.sh installs it)"; exit 77; }
    done
    sl_drivers_start
    sl_drivers_run "$name" /usr/bin/python3 "$prog" || fail=1
    sl_server_stop || fail=1
    exit $fail
}
