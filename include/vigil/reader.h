/* vigil/reader.h - streaming line reader for ingest.
 *
 * Reads a file, stdin ("-") or a memory block line by line with bounded
 * memory. gzip input is detected by its magic bytes and decompressed
 * transparently. Lines longer than the cap are skipped whole and reported
 * as VIGIL_ETOOBIG so the caller can reject that record and go on.
 * A plain (not gzip) regular file of 4 MiB or more is mapped rather than
 * read, with the same lines, numbers and offsets; if another program
 * truncates it meanwhile, the process stops with a message (SIGBUS handler,
 * exit 1) instead of reading past the end.
 *
 * Ownership: vigil_reader_open*() allocate; vigil_reader_free() frees. Lines
 * returned by vigil_reader_getline() point into the reader's buffer and are
 * valid until the next call on the same reader. The memory block given to
 * vigil_reader_open_mem() is borrowed and must outlive the reader.
 */
#ifndef VIGIL_READER_H
#define VIGIL_READER_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"

typedef struct vigil_reader vigil_reader;

#define VIGIL_READER_DEFAULT_MAX_LINE ((size_t)16 << 20) /* 16 MiB */

int vigil_reader_open(const char *path, vigil_reader **out);
int vigil_reader_open_mem(const void *data, size_t len, const char *name,
                          vigil_reader **out);
void vigil_reader_free(vigil_reader *r);

void vigil_reader_set_max_line(vigil_reader *r, size_t max_line);

/* Next line without its '\n' (a trailing '\r' is stripped too).
 * Returns 1 and sets *line; 0 at end of input; VIGIL_ETOOBIG when the line
 * exceeded the cap (it has been skipped; line numbers stay right);
 * VIGIL_EIO / VIGIL_ECORRUPT (bad gzip) on read errors. */
int vigil_reader_getline(vigil_reader *r, vigil_str *line);

/* Position of the line last returned: its 1-based number and byte offset
 * in the decompressed stream, and the offset just past it. */
uint64_t vigil_reader_line(const vigil_reader *r);
uint64_t vigil_reader_offset(const vigil_reader *r);
uint64_t vigil_reader_next_offset(const vigil_reader *r);
/* Total bytes consumed from the underlying file (compressed bytes for gz),
 * for progress bars; and the file size if known (0 if not). */
uint64_t vigil_reader_raw_pos(const vigil_reader *r);
uint64_t vigil_reader_raw_size(const vigil_reader *r);
int vigil_reader_is_gzip(const vigil_reader *r);
const char *vigil_reader_name(const vigil_reader *r);

/* Looks at up to `want` bytes at the current position without consuming
 * them (for format detection). Sets *p and *n (n may be smaller at EOF). */
int vigil_reader_peek(vigil_reader *r, size_t want, const char **p, size_t *n);

/* Skips forward to `offset` (which must be a line start previously reported
 * by this reader's next_offset for the same input), numbering it `line`.
 * Used to resume an interrupted ingest. */
int vigil_reader_seek_line(vigil_reader *r, uint64_t offset, uint64_t line);

#endif
