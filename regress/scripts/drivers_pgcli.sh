#!/bin/bash
# regress/scripts/drivers_pgcli.sh - pgcli's completion refreshers, completer and PGExecute at its default settings
# against sluiced (issue 13): regress/clients/pgcli_check.py, see regress/clients/README.md.
set -u
. "$SL_SRCDIR/regress/lib/drivers.sh"
sl_drivers_python pgcli pgcli_check.py pgcli.pgexecute
