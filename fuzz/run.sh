#!/bin/sh
# fuzz/run.sh - builds the libFuzzer harnesses with clang and runs each for a
# bounded time on a copy of its corpus (`make fuzz` calls it; CI too).
#
#   fuzz/run.sh [HARNESS...]        (default: all of them)
#
# Environment (`make fuzz` sets the first four from the build):
#   SL_SRCDIR      source tree (default: this script's parent)
#   SL_BUILDDIR    build tree holding parser/grammar.c (default: .)
#   FUZZ_SOURCES   library .c files, relative to SL_SRCDIR (default: every
#                  .c of the library folders but server/main.c)
#   FUZZ_CPPFLAGS  include flags (default: the tree's and pkg-config's)
#   FUZZ_LIBS      libraries (default: pkg-config's)
#   FUZZ_CC        clang (default: clang, else clang-14)
#   FUZZ_SECONDS   seconds per harness (default 60)
#   FUZZ_JOBS      parallel compiles (default: number of CPUs)
#   FUZZ_ARGS      more libFuzzer flags (for example -jobs=4 or -dict=...)
#   FUZZ_UPDATE_CORPUS=1  merge the new interesting inputs into
#                  fuzz/corpus/<harness>/ (off: the repo is left alone)
#
# The harnesses are left in $SL_BUILDDIR/fuzz/bin/fuzz_<harness> (run one on
# a file to reproduce a crash).  Each runs on a copy of
# fuzz/corpus/<harness>/ in a temporary directory.  Crash, leak and timeout inputs are kept in
# $SL_BUILDDIR/fuzz/crashes/<harness>/; the script then prints how to
# reproduce them and how to keep them as regression inputs, and exits 1.
# The executions of each harness are printed (libFuzzer's
# stat::number_of_executed_units).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
SL_SRCDIR=${SL_SRCDIR:-$(dirname "$here")}
SL_BUILDDIR=$(cd "${SL_BUILDDIR:-.}" && pwd)
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
FUZZ_ARGS=${FUZZ_ARGS:-}
ALL_HARNESSES="sql protocol json csv avro xlsx scram"
harnesses=${*:-$ALL_HARNESSES}

if [ -z "${FUZZ_CC:-}" ]; then
    if command -v clang >/dev/null 2>&1; then FUZZ_CC=clang
    elif command -v clang-14 >/dev/null 2>&1; then FUZZ_CC=clang-14
    else
        echo "fuzz: clang not found: install the Debian packages clang and libclang-rt-14-dev" >&2
        exit 2
    fi
fi
grammar=$SL_BUILDDIR/parser/grammar.c
if [ ! -f "$grammar" ]; then
    echo "fuzz: $grammar not found: run make in the build directory first (or set SL_BUILDDIR)" >&2
    exit 2
fi
PKGS="rdkafka avro-c libcurl sqlite3 libzip expat zlib"
if [ -z "${FUZZ_CPPFLAGS:-}" ]; then
    FUZZ_CPPFLAGS="-I$SL_BUILDDIR/include -I$SL_SRCDIR/include -I$SL_BUILDDIR -I$SL_SRCDIR \
$(pkg-config --cflags $PKGS)"
fi
FUZZ_LIBS=${FUZZ_LIBS:-$(pkg-config --libs $PKGS)}
if [ -z "${FUZZ_SOURCES:-}" ]; then
    FUZZ_SOURCES=$(cd "$SL_SRCDIR" && find common parser formats kafka clients sources sinks server -name '*.c' | grep -v '^server/main\.c$')
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sl_fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/obj"

# -O1 -g as libFuzzer's docs advise; UB aborts so that libFuzzer keeps the input.
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wno-unused-parameter -pthread $SAN"

echo "fuzz: compiling the library with $FUZZ_CC ($(echo $FUZZ_SOURCES | wc -w) files + parser/grammar.c)"
srcs=""
for f in $FUZZ_SOURCES; do
    case "$f" in *.c) srcs="$srcs $SL_SRCDIR/$f" ;; esac
done
# One object per source, named after its path (common/log.c -> server_log.o).
# shellcheck disable=SC2086
# Warnings are gcc -Werror's business (the normal build); clang's would only bury the results.
printf '%s\n' $srcs "$grammar" | FUZZ_CC=$FUZZ_CC CFLAGS="$CFLAGS -w -fsanitize=fuzzer-no-link" \
    CPPFLAGS="$FUZZ_CPPFLAGS" SRC="$SL_SRCDIR" BLD="$SL_BUILDDIR" OBJ="$work/obj" \
    xargs -P "$FUZZ_JOBS" -I{} sh -c '
        f={}; rel=${f#"$SRC"/}; rel=${rel#"$BLD"/}
        o="$OBJ/$(echo "$rel" | tr / _ | sed "s/\.c\$/.o/")"
        $FUZZ_CC $CFLAGS $CPPFLAGS -c "$f" -o "$o" || { echo "fuzz: cannot compile $f" >&2; exit 255; }'
ar rcs "$work/libsluice_fuzz.a" "$work"/obj/*.o

crashdir=$SL_BUILDDIR/fuzz/crashes
bindir=$SL_BUILDDIR/fuzz/bin
mkdir -p "$bindir"
failed=""
summary=""
for h in $harnesses; do
    src=$SL_SRCDIR/fuzz/fuzz_$h.c
    if [ ! -f "$src" ]; then
        echo "fuzz: no harness $h (expected $src)" >&2
        exit 2
    fi
    extra=""
    case "$h" in json | csv | avro) extra="$SL_SRCDIR/fuzz/format_check.c" ;; esac
    # shellcheck disable=SC2086
    $FUZZ_CC $CFLAGS -fsanitize=fuzzer $FUZZ_CPPFLAGS -I"$SL_SRCDIR/fuzz" "$src" $extra \
        "$work/libsluice_fuzz.a" $FUZZ_LIBS -lm -o "$bindir/fuzz_$h"
    mkdir -p "$work/corpus/$h" "$crashdir/$h"
    if [ -d "$SL_SRCDIR/fuzz/corpus/$h" ]; then
        cp "$SL_SRCDIR/fuzz/corpus/$h"/* "$work/corpus/$h/" 2>/dev/null || true
    fi
    dict=""
    [ -f "$SL_SRCDIR/fuzz/$h.dict" ] && dict="-dict=$SL_SRCDIR/fuzz/$h.dict"
    echo "fuzz: running $h for ${FUZZ_SECONDS}s ($(ls "$work/corpus/$h" | wc -l) seed inputs)"
    log=$work/$h.log
    rc=0
    # shellcheck disable=SC2086
    (cd "$work" && "$bindir/fuzz_$h" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -timeout=10 \
        -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$crashdir/$h/" $dict $FUZZ_ARGS \
        "$work/corpus/$h" >"$log" 2>&1) || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | sed 's/cov: //')
    line=$(printf '%-10s %12s executions  coverage %6s  corpus %5s' "$h" "${execs:-?}" "${cov:-?}" \
        "$(ls "$work/corpus/$h" | wc -l)")
    if [ "$rc" -ne 0 ]; then
        line="$line  FAILED (exit $rc)"
        failed="$failed $h"
        grep -E 'ERROR: |runtime error|invariant broken|^SUMMARY|Test unit written' "$log" | head -20 >&2 || true
        sed -n '/==ERROR\|invariant broken\|runtime error/,/^SUMMARY/p' "$log" | head -60 >&2 || true
    fi
    echo "$line"
    summary="$summary
$line"
    if [ "${FUZZ_UPDATE_CORPUS:-0}" = 1 ] && [ "$rc" -eq 0 ]; then
        mkdir -p "$SL_SRCDIR/fuzz/corpus/$h"
        "$bindir/fuzz_$h" -merge=1 "$SL_SRCDIR/fuzz/corpus/$h" "$work/corpus/$h" >/dev/null 2>&1
        echo "fuzz: merged new inputs into fuzz/corpus/$h"
    fi
done

echo
echo "fuzz: executions per harness (${FUZZ_SECONDS}s each):$summary"
if [ -n "$failed" ]; then
    echo
    echo "fuzz: FAILED:$failed"
    for h in $failed; do
        for f in "$crashdir/$h"/*; do
            [ -f "$f" ] || continue
            echo "  $h: $f"
        done
        echo "  reproduce: $bindir/fuzz_$h <file>"
        echo "      (or $SL_BUILDDIR/fuzz/replay_$h <file>, built by make check, without sanitizers)"
        echo "  keep it as a regression input once fixed:"
        echo "      cp <file> $SL_SRCDIR/fuzz/corpus/$h/crash-<what-it-was>"
    done
    exit 1
fi
