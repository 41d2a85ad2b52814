#!/bin/bash
# regress/scripts/layout.sh - the code keeps the layout docs/layout.md
# describes: headers included by their path from the top, no server header
# outside server/, libraries that call only those linked after them (none
# linked twice; the registry calls no source or sink), and no files that
# call each other in a loop.  See regress/lib/layout_check.py.
set -u
if [ -z "${SL_SERVER_LIBS:-}" ]; then
    echo "layout.sh: SL_SERVER_LIBS is not set (run it through make check)" >&2
    exit 99
fi
# shellcheck disable=SC2086
/usr/bin/python3 "$SL_SRCDIR/regress/lib/layout_check.py" "$SL_SRCDIR" "$SL_BUILDDIR" $SL_SERVER_LIBS
