/* Minimal RFC 4180 reader over a memory block, used by the text tests and
 * benchmarks to read the shared CSV datasets (the real ingest parser lives in
 * src/ingest/). Quoted fields may span lines; "" is a quote; CRLF or LF.
 *
 * Ownership: the caller owns the memory block (borrowed, must outlive the
 * reader) and the struct; vigil_csvmini_release() frees the field storage.
 * Field views returned by next() are valid until the next call. */
#ifndef VIGIL_TEXT_CSVMINI_H
#define VIGIL_TEXT_CSVMINI_H

#include <stddef.h>

#include "vigil/buf.h"

#define VIGIL_CSVMINI_MAX_FIELDS 64

typedef struct vigil_csvmini {
  const char *p;
  size_t n, pos;
  vigil_buf store;
  size_t off[VIGIL_CSVMINI_MAX_FIELDS];
  vigil_str f[VIGIL_CSVMINI_MAX_FIELDS];
  size_t nf;
} vigil_csvmini;

void vigil_csvmini_init(vigil_csvmini *c, const char *p, size_t n);
void vigil_csvmini_release(vigil_csvmini *c);
/* 1 with c->f[0..nf) set, 0 at end, VIGIL_EPARSE (unterminated quote),
 * VIGIL_ENOMEM. Fields past the maximum are dropped. */
int vigil_csvmini_next(vigil_csvmini *c);

#endif
