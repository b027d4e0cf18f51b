/* vigil/ingest.h - the ingest driver: files in, store updated.
 *
 * Reads one input (path, "-" for stdin, gzip transparently), detects or
 * takes its format, runs the parser with a sink that writes into the store
 * in batches (one transaction per batch, progress committed with the data),
 * and reports every rejected record as "FILE:LINE: field: reason" on the
 * error stream. Re-running an interrupted ingest of the same file resumes
 * after the last committed batch; re-ingesting a finished file changes no
 * count (everything is an upsert).
 *
 * Ownership: nothing returned needs freeing; the store and streams are the
 * caller's.
 */
#ifndef VIGIL_INGEST_H
#define VIGIL_INGEST_H

#include <stdio.h>

#include "vigil/parse.h"
#include "vigil/store.h"

typedef struct vigil_ingest_opts {
  int format;                 /* VIGIL_FORMAT_AUTO or a vigil_format */
  int strict;                 /* stop at the first rejected record */
  vigil_parse_opts parse;     /* platform, edge kind, field cap, observation time */
  size_t max_line;            /* reader line cap (0 = default 16 MiB) */
  size_t batch_records;       /* commit every N records (0 = 400,000) */
  size_t max_pending_edges;   /* commit early beyond this many buffered edges (0 = 32M);
                               * as vigil_store_edges_pending counts them */
  int progress;               /* draw a progress bar on `err` */
  FILE *err;                  /* reject reports and progress (NULL = stderr) */
  int resume;                 /* resume an interrupted run of the same file (default 1) */
} vigil_ingest_opts;

void vigil_ingest_opts_init(vigil_ingest_opts *o);

typedef struct vigil_ingest_result {
  vigil_ingest_counts counts;
  int format;                 /* the format used */
  uint64_t bytes;             /* bytes read (decompressed) */
  uint64_t resumed_from_line; /* 0 when the run started at the beginning */
  int64_t run;                /* ingest_runs id */
} vigil_ingest_result;

/* Returns 0 when the input was read to its end (rejected records are
 * counted in res->counts.rejected), VIGIL_EPARSE when --strict stopped at a
 * rejected record, or another VIGIL_E* code on a fatal error (the current
 * batch is rolled back; everything committed before stays). */
int vigil_ingest_path(vigil_store *s, const char *path, const vigil_ingest_opts *o,
                      vigil_ingest_result *res);

#endif
