/* ingest/edgelist.h - batched fast path of the edge-list parser (private to
 * the ingest driver; the plain entry point is vigil_parse_edgelist in
 * vigil/parse.h).
 *
 * vigil_parse_edgelist_batch parses like vigil_parse_edgelist but hands the
 * edges to `batch` in arrays of up to VIGIL_EDGE_BATCH instead of one
 * sink->edge call per line, so a store can insert a batch in one tight loop.
 * sink->reject is called in input order (pending edges are flushed first);
 * sink->checkpoint is called after each flushed batch (not after each line)
 * with the position just past the batch's last line. sink->edge is unused.
 *
 * Ownership: the edges and the strings they point to live in a buffer owned
 * by the parser and are valid only during the `batch` call; the parser frees
 * everything before it returns.
 */
#ifndef VIGIL_INGEST_EDGELIST_H
#define VIGIL_INGEST_EDGELIST_H

#include <stddef.h>

#include "vigil/parse.h"

#define VIGIL_EDGE_BATCH 4096

typedef int (*vigil_edge_batch_fn)(void *ctx, const vigil_edge *edges, size_t n);

int vigil_parse_edgelist_batch(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink,
                               vigil_edge_batch_fn batch, void *batch_ctx);

#endif
