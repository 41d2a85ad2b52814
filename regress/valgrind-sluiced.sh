#!/bin/sh
# regress/valgrind-sluiced.sh - sluiced under valgrind memcheck, for
# `make check-valgrind` (regress/valgrind.sh sets SLUICED to this script).
#
# Runs $SL_VALGRIND_SLUICED (the real binary) with the given arguments under
# memcheck.  exec keeps the PID, so regress/lib/server.sh's SIGTERM reaches
# the server and its exit status is the server's: status 99 when memcheck
# saw an error or a definitely lost block (checked at the clean exit that
# SIGTERM causes).  Each server writes its report to
# $SL_VALGRIND_LOGDIR/sluiced.PID.log, which regress/valgrind.sh scans.
: "${SL_VALGRIND_SLUICED:?the sluiced binary}"
: "${SL_VALGRIND_LOGDIR:?a directory for the reports}"
supp=
if [ -n "${SL_VALGRIND_SUPP:-}" ] && [ -f "$SL_VALGRIND_SUPP" ]; then supp="--suppressions=$SL_VALGRIND_SUPP"; fi
# sluiced links jemalloc (configure.ac): memcheck must replace that
# library's malloc and free, as it does libc's, to see every block.
exec valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite --error-exitcode=99 --num-callers=30 \
    --soname-synonyms=somalloc='*jemalloc*' \
    --log-file="$SL_VALGRIND_LOGDIR/sluiced.%p.log" $supp "$SL_VALGRIND_SLUICED" "$@"
