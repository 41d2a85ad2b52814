#!/bin/sh
# scripts/test.sh [configure options] - the README's test command: installs
# what is missing, builds with autotools and runs every test (make check).
# CI (.ci/run) calls it with --enable-werror.
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
