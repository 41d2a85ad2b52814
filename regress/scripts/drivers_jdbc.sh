#!/bin/bash
# regress/scripts/drivers_jdbc.sh - pgjdbc (Debian's libpostgresql-jdbc-java)
# at its default settings against sluiced (issue 13): regress/clients/Jdbc.java,
# compiled once into the build tree, see regress/clients/README.md.
set -u
. "$SL_SRCDIR/regress/lib/drivers.sh"
sl_drivers_need java javac
jar=/usr/share/java/postgresql.jar
[ -f "$jar" ] || { echo "skip: $jar is missing (scripts/deps.sh installs it)"; exit 77; }
mkdir -p "$SL_CLIENTS_BUILD/java"
if [ ! "$SL_CLIENTS_BUILD/java/Jdbc.class" -nt "$SL_CLIENTS/Jdbc.java" ]; then
    javac -encoding UTF-8 -d "$SL_CLIENTS_BUILD/java" -cp "$jar" "$SL_CLIENTS/Jdbc.java" ||
        { echo "not ok - compile Jdbc.java"; exit 1; }
fi
sl_drivers_start
fail=0
sl_drivers_run jdbc java -Dfile.encoding=UTF-8 -cp "$jar:$SL_CLIENTS_BUILD/java" Jdbc || fail=1
sl_server_stop || fail=1
exit $fail
