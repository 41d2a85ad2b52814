/*
 * config.h - server settings: sluiced.conf, -c overrides, SET and SHOW.
 *
 * Every setting is declared once in the table in config.c (name, type,
 * default, when it may change, one line of help); that table writes the
 * commented sluiced.conf of a new data directory and answers SHOW ALL, so
 * the documentation of a setting cannot drift from the code.
 *
 * The server's values are loaded at start and again on SIGHUP (settings that
 * need a restart keep their old value, with a log line).  Each session has
 * an sl_settings that starts as a copy of the server's values; SET changes
 * only the session's copy, and only for settings a session may change.
 * Settings PostgreSQL clients send on connect (client_encoding, DateStyle,
 * TimeZone, extra_float_digits, application_name, search_path, ...) are
 * accepted so drivers work unchanged.
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "sluice/error.h"
#include "sluice/mcxt.h"

typedef struct sl_settings sl_settings;

/* Server-wide: call once at start (before threads); datadir holds sluiced.conf. */
sl_status sl_config_init(const char *datadir, sl_error *err);
/* -c name=value from the command line: wins over the file, kept across reloads. */
sl_status sl_config_override(const char *name, const char *value, sl_error *err);
/* Re-reads sluiced.conf (SIGHUP). Safe while sessions run. */
sl_status sl_config_reload(sl_error *err);
/* Writes a sluiced.conf listing every setting, commented out with its default and help. */
sl_status sl_config_write_default(const char *path, sl_error *err);

/* Typed reads of the server's current values (thread-safe). */
int64_t sl_config_int(const char *name); /* ints, and intervals in milliseconds */
bool sl_config_bool(const char *name);
/* Copies a string setting into buf; returns buf. */
char *sl_config_string(const char *name, char *buf, size_t bufsize);

/* A session's view, allocated in cx. */
sl_settings *sl_settings_new(sl_mcxt *cx);
/* Current text value of a setting in this session, allocated in cx; NULL with err
 * (42704 unrecognized configuration parameter) when unknown. */
const char *sl_settings_show(sl_settings *s, sl_mcxt *cx, const char *name, sl_error *err);
/* A numeric setting (intervals in milliseconds) as this session sees it. */
int64_t sl_settings_int(sl_settings *s, const char *name);
/* SET name = value (NULL value = DEFAULT: the startup packet's value, else the server's). */
sl_status sl_settings_set(sl_settings *s, const char *name, const char *value, sl_error *err);

/* SET LOCAL name = value (NULL = DEFAULT): the value before it comes back at
 * sl_settings_end_transaction. */
sl_status sl_settings_set_local(sl_settings *s, const char *name, const char *value, sl_error *err);
/* COMMIT or ROLLBACK: undoes the block's SET LOCAL. */
void sl_settings_end_transaction(sl_settings *s);
/* The connection has started: the values set so far (the startup packet's)
 * are what RESET, SET ... TO DEFAULT and RESET ALL return to. */
void sl_settings_connected(sl_settings *s);
/* RESET ALL: every setting a session may change goes back to its value at
 * connect (the startup packet's, else the server's). */
void sl_settings_reset_all(sl_settings *s);

/* Like sl_settings_set, but also for settings fixed when the connection starts
 * (the startup packet's parameters, session_authorization). */
sl_status sl_settings_set_startup(sl_settings *s, const char *name, const char *value, sl_error *err);

/* SHOW ALL: calls fn for each setting with its session value and help text. */
typedef void (*sl_settings_visit_fn)(void *arg, const char *name, const char *value, const char *description);
void sl_settings_foreach(sl_settings *s, sl_mcxt *cx, sl_settings_visit_fn fn, void *arg);

/* Sets the value of a read-only setting that reports a fact learned at
 * run time (kafka_bootstrap); ignored for other settings. */
void sl_config_set_fact(const char *name, const char *value);

/* The data directory given to sl_config_init (NULL before). */
const char *sl_config_datadir(void);
/* Frees the server's values (at exit, so leak checkers stay quiet). */
void sl_config_shutdown(void);

/* Size limit of one setting's text value. */
#define SL_CONFIG_VALUE_MAX 1024

#endif
