#!/bin/bash
# regress/scripts/docs.sh - docs/options.md is generated from the connector
# option declarations; it must equal what this build prints, so the
# reference cannot drift from the code.  Regenerate with
# `./sluiced --describe-options > docs/options.md`.
set -u
if "$SLUICED" --describe-options | diff -u "$SL_SRCDIR/docs/options.md" -; then
    echo "ok - docs/options.md matches sluiced --describe-options"
else
    echo "not ok - docs/options.md is stale: regenerate it with ./sluiced --describe-options > docs/options.md"
    exit 1
fi
