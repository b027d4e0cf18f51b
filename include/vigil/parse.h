/* vigil/parse.h - the input-format parsers behind `vigil ingest`.
 *
 * Each parser reads records from a vigil_reader and emits them to a
 * vigil_sink (see model.h). Parsers never touch the store: the ingest driver
 * supplies the sink. A bad record is reported through sink->reject with its
 * position and the field at fault, and parsing goes on with the next record
 * (unless reject returns non-zero, which aborts with that code).
 *
 * Return: 0 when the input was read to its end (even if records were
 * rejected), or a negative VIGIL_E* code for a fatal error (I/O, out of
 * memory, or a sink callback's abort).
 *
 * Ownership: the parser owns nothing it is given; everything it allocates is
 * freed before it returns. Records passed to the sink are borrowed views.
 */
#ifndef VIGIL_PARSE_H
#define VIGIL_PARSE_H

#include <stdint.h>

#include "vigil/model.h"
#include "vigil/reader.h"

typedef enum vigil_format {
  VIGIL_FORMAT_AUTO = 0,
  VIGIL_FORMAT_TWARC2,     /* Twitter API v2 response pages / flattened tweets (JSON lines) */
  VIGIL_FORMAT_TWITTER_V1, /* twarc v1.1 tweet or user objects (JSON lines) */
  VIGIL_FORMAT_MASTODON,   /* Mastodon API statuses / accounts (JSON lines or arrays) */
  VIGIL_FORMAT_CSV,        /* CSV with a header row naming the columns */
  VIGIL_FORMAT_EDGELIST,   /* "src dst [weight]" lines, '#' comments (SNAP) */
  VIGIL_FORMAT_COUNT
} vigil_format;

const char *vigil_format_name(int fmt); /* "twarc2", ... (static) */
int vigil_format_parse(const char *name); /* or VIGIL_EINVAL */

typedef struct vigil_parse_opts {
  vigil_str platform;   /* default platform for records that don't say; "twitter" */
  int edge_kind;        /* edgelist: kind of every edge (default follow) */
  uint64_t max_field;   /* cap on any single string field, bytes (0 = 1 MiB) */
  int64_t observed_at;  /* observation time for records without their own */
} vigil_parse_opts;

void vigil_parse_opts_init(vigil_parse_opts *o);

/* Guesses the format from the first bytes of the input (peeked, not
 * consumed). Returns a vigil_format >= 1, or VIGIL_EFORMAT. */
int vigil_detect_format(vigil_reader *r);

int vigil_parse(int format, vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink);

int vigil_parse_twarc2(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink);
int vigil_parse_twitter_v1(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink);
int vigil_parse_mastodon(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink);
int vigil_parse_csv(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink);
int vigil_parse_edgelist(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink);

/* Shared helpers for parsers. */
/* 1 if s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int vigil_utf8_valid(const char *s, size_t n);

#endif
