#!/bin/bash
# regress/scripts/drivers_asyncpg.sh - asyncpg at its default settings
# against sluiced (issue 13): regress/clients/asyncpg_check.py, see regress/clients/README.md.
set -u
. "$SL_SRCDIR/regress/lib/drivers.sh"
sl_drivers_python asyncpg asyncpg_check.py asyncpg
