/*
 * lockfile.h - one server per data directory: DATADIR/sluiced.pid.
 *
 * The file holds, one per line like PostgreSQL's postmaster.pid: the PID,
 * the data directory, the start time (seconds since the epoch), the port,
 * the first Unix socket directory and the first listen address.  The server
 * holds an flock() on it for its whole life, so a file left behind by a
 * crashed server (whatever PID it names, even one reused by another process)
 * is recognised as stale and taken over.
 *
 * Entry points: sl_lockfile_acquire(), sl_lockfile_set_info(), sl_lockfile_release().
 */
#ifndef SLUICE_LOCKFILE_H
#define SLUICE_LOCKFILE_H

#include "sluice/error.h"

/* Locks datadir for this process or fails (55000) naming the running server's PID. */
sl_status sl_lockfile_acquire(const char *datadir, sl_error *err);

/* Rewrites the file with the listening details once they are known. */
sl_status sl_lockfile_set_info(int port, const char *socket_dir, const char *listen_addr, sl_error *err);

/* Removes the file and drops the lock (at exit). */
void sl_lockfile_release(void);

#endif
