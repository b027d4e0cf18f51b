/* Dispatch from the public store API to the backend's function table. */
#include <string.h>

#include "store/backend.h"
#include "vigil/error.h"

int vigil_store_open(const char *path, int flags, vigil_store **out) {
  *out = NULL;
  if (!path || !*path) return VIGIL_EINVAL;
  if (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0)
    return VIGIL_EUNSUPPORTED; /* the PostgreSQL backend is a later step */
  if (strncmp(path, "sqlite:", 7) == 0) path += 7;
  return vigil_store_sqlite_open(path, flags, out);
}

const char *vigil_store_errmsg(const vigil_store *s) { return s ? s->errmsg : ""; }

#define VIGIL_STORE_WRAP_(ret, name, params, args) \
  ret vigil_store_##name params { return s->ops->name args; }
VIGIL_STORE_OPS(VIGIL_STORE_WRAP_)
#undef VIGIL_STORE_WRAP_

size_t vigil_store_edges_pending(const vigil_store *s) { return s->ops->edges_pending(s); }
void vigil_store_edge_counts(const vigil_store *s, vigil_edge_counts *out) {
  s->ops->edge_counts(s, out);
}
