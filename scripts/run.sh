#!/bin/sh
# scripts/run.sh - the README's run command: installs what is missing,
# builds, and starts sluiced in the foreground on ./data (created on first
# start) with the embedded defaults.  Connect with `./sluice` or
# `psql -h 127.0.0.1 -p 5477`.  Ctrl-C stops it cleanly.
set -eu
cd "$(dirname "$0")/.."

./scripts/deps.sh
if [ ! -x ./sluiced ] || [ ! -f config.status ]; then
    autoreconf -fi
    ./configure
fi
make -j"$(nproc)"
exec ./sluiced -D ./data "$@"
