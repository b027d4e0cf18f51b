/* src/cmd/cmd.h - the subcommand interface (one file per command).
 *
 * A command is `int cmd_NAME(int argc, char **argv, vigil_ctx *ctx)`; argv[0]
 * is the command name, and the command parses its own flags with
 * getopt_long (optind is reset by the dispatcher). It prints results on
 * stdout and progress/errors on stderr, and returns a process exit code:
 * 0 ok, 1 fatal error, 2 usage error, 3 partial (some records rejected).
 */
#ifndef VIGIL_CMD_H
#define VIGIL_CMD_H

#include <stdio.h>

#include "vigil/error.h"

struct vigil_store;

enum { VIGIL_EXIT_OK = 0, VIGIL_EXIT_FATAL = 1, VIGIL_EXIT_USAGE = 2, VIGIL_EXIT_PARTIAL = 3 };

/* command flags */
#define NEEDS_STORE 0x1 /* the dispatcher opens --db before calling */
#define BULK_STORE 0x2  /* ... with VIGIL_STORE_BULK (the ingest driver only) */

typedef struct vigil_ctx {
  const char *db_path;        /* --db, $VIGIL_DB or ./vigil.db */
  struct vigil_store *store;  /* opened by the dispatcher for NEEDS_STORE */
  int quiet;                  /* --quiet: no progress output */
  const char *actor;          /* who runs this (for audit): $VIGIL_USER or $USER */
} vigil_ctx;

/* Prints "vigil CMD: <msg>: <vigil_strerror(rc)>" on stderr; returns 1. */
int vigil_cmd_fail(const char *cmd, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prints "vigil CMD: <msg>" and "Try 'vigil CMD --help'." on stderr;
 * returns 2. */
int vigil_cmd_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define VIGIL_CMD(name, fn, flags, summary) int fn(int argc, char **argv, vigil_ctx *ctx);
#include "cmd/table.def"
#undef VIGIL_CMD

#endif
