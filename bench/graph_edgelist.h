/* Reads a "src dst" edge list (plain or gzip, via vigil_reader) into a
 * vigil_graph, mapping the 64-bit ids to dense indices in first-seen order.
 * Shared by bench_graph, bench_circles and tests/graph/test_graph_ego.c
 * (header-only so it needs no library of its own). Lines that are empty or
 * start with '#' are skipped; any other malformed line is VIGIL_EPARSE.
 * *n_edges_read (may be NULL) gets the number of edge lines; the graph has
 * fewer edges when the list has self-loops or duplicates. The caller frees *g with vigil_graph_free() and *map with vigil_idmap_free(). */
#ifndef VIGIL_BENCH_GRAPH_EDGELIST_H
#define VIGIL_BENCH_GRAPH_EDGELIST_H

#include <stdlib.h>

#include "vigil/error.h"
#include "vigil/graph.h"
#include "vigil/reader.h"

static int ge_parse_u64(const char **p, const char *end, uint64_t *v) {
  while (*p < end && (**p == ' ' || **p == '\t')) (*p)++;
  uint64_t r = 0;
  int digits = 0;
  while (*p < end && **p >= '0' && **p <= '9') {
    if (r > (UINT64_MAX - 9) / 10) return VIGIL_ERANGE;
    r = r * 10 + (uint64_t)(**p - '0');
    (*p)++, digits++;
  }
  if (!digits) return VIGIL_EPARSE;
  *v = r;
  return 0;
}

static int ge_load(const char *path, vigil_graph **g, vigil_idmap **map, size_t *n_edges_read) {
  vigil_reader *r;
  int rc = vigil_reader_open(path, &r);
  if (rc) return rc;
  if ((rc = vigil_idmap_new(map))) {
    vigil_reader_free(r);
    return rc;
  }
  size_t m = 0, cap = 0;
  uint32_t *src = NULL, *dst = NULL;
  vigil_str line;
  while ((rc = vigil_reader_getline(r, &line)) == 1) {
    const char *p = line.ptr, *end = line.ptr + line.len;
    if (line.len == 0 || *p == '#') continue;
    uint64_t a, b;
    uint32_t ia, ib;
    if ((rc = ge_parse_u64(&p, end, &a)) || (rc = ge_parse_u64(&p, end, &b))) break;
    if ((rc = vigil_idmap_get(*map, a, 1, &ia)) || (rc = vigil_idmap_get(*map, b, 1, &ib))) break;
    if (m == cap) {
      cap = cap ? cap * 2 : 1 << 16;
      uint32_t *ns = realloc(src, cap * sizeof *ns);
      if (ns) src = ns;
      uint32_t *nd = ns ? realloc(dst, cap * sizeof *nd) : NULL;
      if (nd) dst = nd;
      if (!ns || !nd) {
        rc = VIGIL_ENOMEM;
        break;
      }
    }
    src[m] = ia, dst[m] = ib, m++;
  }
  vigil_reader_free(r);
  if (n_edges_read) *n_edges_read = m;
  if (rc == 0) rc = vigil_graph_build(vigil_idmap_count(*map), m, src, dst, NULL, g);
  free(src), free(dst);
  if (rc) {
    vigil_idmap_free(*map);
    *map = NULL;
  }
  return rc;
}

#endif
