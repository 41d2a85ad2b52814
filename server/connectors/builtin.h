/*
 * builtin.h - registers the source and sink kinds compiled into sluiced.
 *
 * The registry (registry.c) knows no kind; the server and the tests call
 * this at start, and the built-ins register exactly as an extension does.
 *
 * Entry point: sl_connectors_register_builtin.
 */
#ifndef SLUICE_BUILTIN_H
#define SLUICE_BUILTIN_H

/* Registers every built-in source and sink kind (sources/builtin.c, sinks/builtin.c). */
void sl_connectors_register_builtin(void);

#endif
