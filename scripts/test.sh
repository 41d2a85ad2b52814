#!/bin/sh
# scripts/test.sh [configure options] - the README's test command: installs
# what is missing, builds with autotools, runs every test (make check), then
# each libFuzzer harness for SL_FUZZ_SECONDS (default 10) on the corpus kept
# in fuzz/corpus (make fuzz).  CI (.ci/run) calls it with --enable-werror
# and SL_FUZZ_SECONDS=60.
set -eu
cd "$(dirname "$0")/.."

./scripts/deps.sh
autoreconf -fi
./configure "$@"
make -j"$(nproc)"
if ! make -j"$(nproc)" check; then
    # Show why: automake keeps each test's log next to it.
    for f in $(find . -name '*.log' -newer config.status | grep -v config.log); do
        if grep -q '^FAIL\|^ERROR' "${f%.log}.trs" 2>/dev/null; then
            echo "===== $f"; tail -n 80 "$f"
        fi
    done
    exit 1
fi
make fuzz FUZZ_SECONDS="${SL_FUZZ_SECONDS:-10}"
