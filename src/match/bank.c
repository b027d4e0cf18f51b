/* Banks in the store, and the persisted PDQ index kept in step with them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil/bank.h"
#include "vigil/error.h"
#include "vigil/hindex.h"
#include "vigil/store_match.h"

static void copy_str(char *dst, size_t cap, vigil_str s) {
  size_t n = s.ptr ? s.len : 0;
  if (n >= cap) n = cap - 1;
  if (n) memcpy(dst, s.ptr, n);
  dst[n] = '\0';
}

static int find_cb(void *ctx, int64_t id, vigil_str name, vigil_str kind, vigil_str label,
                   int enabled, int64_t entries, int64_t version) {
  vigil_bank *b = ctx;
  b->id = id;
  copy_str(b->name, sizeof b->name, name);
  copy_str(b->label, sizeof b->label, label);
  b->kind = vigil_bank_kind_parse(kind);
  b->enabled = enabled;
  b->entries = entries;
  b->version = version;
  return 0;
}

int vigil_bank_find(vigil_store *s, vigil_str name, vigil_bank *out) {
  memset(out, 0, sizeof *out);
  if (!name.ptr) return VIGIL_EINVAL;
  int rc = vigil_store_each_bank(s, name, find_cb, out);
  if (!rc && out->kind == VIGIL_BANK_NONE) return VIGIL_ECORRUPT;
  return rc;
}

int vigil_bank_index_dir(const char *db_path, vigil_buf *out) {
  if (!db_path || !*db_path) return VIGIL_EINVAL;
  if (strncmp(db_path, "sqlite:", 7) == 0) db_path += 7;
  vigil_buf_clear(out);
  return vigil_buf_printf(out, "%s.banks", db_path);
}

/* ---- index persistence ---------------------------------------------------- */

static int paths(const char *dir, int64_t bank, vigil_buf *hidx, vigil_buf *meta) {
  int rc = vigil_buf_printf(hidx, "%s/%lld.hidx", dir, (long long)bank);
  if (!rc) rc = vigil_buf_printf(meta, "%s/%lld.meta", dir, (long long)bank);
  return rc;
}

/* The meta file records which store state the .hidx reflects. */
static int read_meta(const char *path, int64_t bank, int64_t *version, int64_t *entries) {
  FILE *f = fopen(path, "r");
  if (!f) return errno == ENOENT ? VIGIL_ENOTFOUND : VIGIL_EIO;
  long long b = 0, v = 0, n = 0;
  int got = fscanf(f, "vigil-bank-index 1 bank=%lld version=%lld entries=%lld", &b, &v, &n);
  fclose(f);
  if (got != 3 || b != bank || v < 0 || n < 0) return VIGIL_ECORRUPT;
  *version = v;
  *entries = n;
  return 0;
}

static int write_meta(const char *path, const vigil_bank *b) {
  vigil_buf tmp = VIGIL_BUF_INIT;
  int rc = vigil_buf_printf(&tmp, "%s.tmp", path);
  if (rc) return rc;
  FILE *f = fopen(tmp.data, "w");
  if (!f) rc = VIGIL_EIO;
  else {
    fprintf(f, "vigil-bank-index 1 bank=%lld version=%lld entries=%lld\n", (long long)b->id,
            (long long)b->version, (long long)b->entries);
    if (fflush(f) || fsync(fileno(f))) rc = VIGIL_EIO;
    if (fclose(f)) rc = VIGIL_EIO;
    if (!rc && rename(tmp.data, path)) rc = VIGIL_EIO;
    if (rc) unlink(tmp.data);
  }
  vigil_buf_release(&tmp);
  return rc;
}

int vigil_bank_index_save(vigil_store *s, const char *dir, const vigil_bank *b,
                          const vigil_hindex *ix) {
  vigil_buf hp = VIGIL_BUF_INIT, mp = VIGIL_BUF_INIT;
  vigil_bank cur;
  int rc = vigil_bank_find(s, vigil_str_c(b->name), &cur);
  if (!rc && (int64_t)vigil_hindex_count(ix) != cur.entries) rc = VIGIL_ESTATE;
  if (!rc && mkdir(dir, 0777) && errno != EEXIST) rc = VIGIL_EIO;
  if (!rc) rc = paths(dir, b->id, &hp, &mp);
  /* meta first invalidated, then the index, then the new meta: a crash in
   * between leaves a stale meta and the next open rebuilds */
  if (!rc && unlink(mp.data) && errno != ENOENT) rc = VIGIL_EIO;
  if (!rc) rc = vigil_hindex_save(ix, hp.data);
  if (!rc) rc = write_meta(mp.data, &cur);
  vigil_buf_release(&hp);
  vigil_buf_release(&mp);
  return rc;
}

typedef struct rebuild_ctx {
  uint64_t *ids;
  uint8_t *hashes;
  size_t n, cap;
  int bad;
} rebuild_ctx;

static int rebuild_cb(void *ctx, int64_t id, int64_t bank, vigil_str value, vigil_str label,
                      vigil_str entity, vigil_str ctype) {
  rebuild_ctx *r = ctx;
  if (r->n == r->cap) {
    size_t nc = r->cap ? r->cap * 2 : 4096;
    uint64_t *ni = realloc(r->ids, nc * sizeof *ni);
    if (!ni) return VIGIL_ENOMEM;
    r->ids = ni;
    uint8_t *nh = realloc(r->hashes, nc * VIGIL_PDQ_BYTES);
    if (!nh) return VIGIL_ENOMEM;
    r->hashes = nh;
    r->cap = nc;
  }
  if (vigil_pdq_parse_hex(value.ptr, value.len, r->hashes + r->n * VIGIL_PDQ_BYTES)) {
    r->bad++; /* cannot happen through the bank API; never index garbage */
    return 0;
  }
  r->ids[r->n++] = (uint64_t)id;
  return 0;
}

int vigil_bank_index_open(vigil_store *s, const char *dir, const vigil_bank *b, int save,
                          vigil_hindex **out, int *rebuilt) {
  *out = NULL;
  if (rebuilt) *rebuilt = 0;
  if (b->kind != VIGIL_BANK_PDQ) return VIGIL_EINVAL;
  vigil_buf hp = VIGIL_BUF_INIT, mp = VIGIL_BUF_INIT;
  vigil_hindex *ix = NULL;
  int64_t v = -1, n = -1;
  int rc = dir ? paths(dir, b->id, &hp, &mp) : 0;
  if (rc) goto out;
  if (dir && read_meta(mp.data, b->id, &v, &n) == 0 && v == b->version && n == b->entries) {
    if (vigil_hindex_load(&ix, hp.data, NULL) == 0 && (int64_t)vigil_hindex_count(ix) == n) {
      *out = ix;
      goto out;
    }
    vigil_hindex_free(ix);
    ix = NULL;
  }
  /* missing, corrupt or stale: rebuild from the store */
  rebuild_ctx r = {0};
  rc = vigil_store_each_bank_entry(s, b->id, 0, rebuild_cb, &r);
  if (!rc) rc = vigil_hindex_create(&ix, NULL);
  if (!rc && r.n) rc = vigil_hindex_add_many(ix, r.ids, r.hashes, r.n);
  free(r.ids);
  free(r.hashes);
  if (!rc && rebuilt) *rebuilt = 1;
  if (!rc && save && dir) rc = vigil_bank_index_save(s, dir, b, ix);
  if (rc) vigil_hindex_free(ix);
  else *out = ix;
out:
  vigil_buf_release(&hp);
  vigil_buf_release(&mp);
  return rc;
}

/* ---- writing entries ----------------------------------------------------------- */

#define BATCH 65536 /* entries per transaction */

struct vigil_bank_writer {
  vigil_store *s;
  char *dir; /* copied: the caller's string may go before close */
  vigil_bank b;
  vigil_hindex *ix; /* pdq banks: opened before the first change */
  vigil_buf arena;  /* batch strings; views are offsets until flush */
  size_t off[BATCH][4], len[BATCH][4];
  unsigned char has[BATCH][4];
  size_t n;
  vigil_bank_import_stats st;
  /* new pdq entries since the index was opened */
  uint64_t *new_ids;
  uint8_t *new_hashes;
  size_t n_new, cap_new;
  int64_t ids[BATCH];
  vigil_change ch[BATCH];
  vigil_str v[4][BATCH];
  uint32_t ord[BATCH];
  int rebuilt;
};

int vigil_bank_writer_open(vigil_bank_writer **out, vigil_store *s, const char *dir,
                           const vigil_bank *b) {
  *out = NULL;
  vigil_bank_writer *w = calloc(1, sizeof *w);
  if (!w) return VIGIL_ENOMEM;
  w->s = s;
  w->dir = strdup(dir ? dir : "");
  if (!w->dir) {
    free(w);
    return VIGIL_ENOMEM;
  }
  w->b = *b;
  if (b->kind == VIGIL_BANK_PDQ) {
    /* the index must reflect the store BEFORE our changes, so the new ids
     * can be added on top of it */
    int rc = vigil_bank_index_open(s, dir, b, 0, &w->ix, &w->rebuilt);
    if (rc) {
      free(w->dir);
      free(w);
      return rc;
    }
  }
  *out = w;
  return 0;
}

/* Hash values are random keys: inserting a batch in value order walks the
 * (bank, value) index B-tree front to back instead of touching a random
 * page per row (10M-hash imports spent most of their time there). Ties
 * keep file order so the last of duplicate values sets the labels. */
static int by_value(const void *a, const void *b, void *ctx) {
  const vigil_bank_writer *w = ctx;
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  size_t lx = w->len[x][0], ly = w->len[y][0];
  int c = memcmp(w->arena.data + w->off[x][0], w->arena.data + w->off[y][0], lx < ly ? lx : ly);
  if (!c) c = lx < ly ? -1 : lx > ly;
  return c ? c : x < y ? -1 : x > y;
}

static int flush(vigil_bank_writer *w) {
  if (!w->n) return 0;
  vigil_str(*v)[BATCH] = w->v;
  for (uint32_t i = 0; i < w->n; i++) w->ord[i] = i;
  if (w->b.kind == VIGIL_BANK_PDQ || w->b.kind == VIGIL_BANK_MD5 || w->b.kind == VIGIL_BANK_SHA256)
    qsort_r(w->ord, w->n, sizeof *w->ord, by_value, w);
  for (size_t j = 0; j < w->n; j++) {
    uint32_t i = w->ord[j];
    for (int k = 0; k < 4; k++)
      v[k][j] = w->has[i][k] ? (vigil_str){w->arena.data + w->off[i][k], w->len[i][k]}
                             : VIGIL_STR_NULL;
  }
  int rc = vigil_store_begin(w->s);
  if (rc) return rc;
  rc = vigil_store_bank_entries_put(w->s, w->b.id, w->n, v[0], v[1], v[2], v[3], w->ids, w->ch);
  if (!rc) rc = vigil_store_commit(w->s);
  else vigil_store_rollback(w->s);
  if (rc) return rc;
  for (size_t i = 0; i < w->n; i++) {
    if (w->ch[i] == VIGIL_NEW) w->st.added++;
    else if (w->ch[i] == VIGIL_UPDATED) w->st.updated++;
    else w->st.unchanged++;
    if (w->ch[i] != VIGIL_NEW || !w->ix) continue;
    if (w->n_new == w->cap_new) {
      size_t nc = w->cap_new ? w->cap_new * 2 : 4096;
      uint64_t *ni = realloc(w->new_ids, nc * sizeof *ni);
      if (!ni) return VIGIL_ENOMEM;
      w->new_ids = ni;
      uint8_t *nh = realloc(w->new_hashes, nc * VIGIL_PDQ_BYTES);
      if (!nh) return VIGIL_ENOMEM;
      w->new_hashes = nh;
      w->cap_new = nc;
    }
    if (vigil_pdq_parse_hex(v[0][i].ptr, v[0][i].len, w->new_hashes + w->n_new * VIGIL_PDQ_BYTES))
      return VIGIL_ECORRUPT;
    w->new_ids[w->n_new++] = (uint64_t)w->ids[i];
  }
  w->n = 0;
  vigil_buf_clear(&w->arena);
  return 0;
}

int vigil_bank_writer_add(vigil_bank_writer *w, const vigil_bank_item *it) {
  vigil_str f[4] = {it->value, it->label, it->entity, it->content_type};
  w->st.records++;
  for (int k = 0; k < 4; k++) {
    w->has[w->n][k] = f[k].ptr != NULL;
    w->off[w->n][k] = w->arena.len;
    w->len[w->n][k] = f[k].ptr ? f[k].len : 0;
    if (f[k].ptr) {
      int rc = vigil_buf_append(&w->arena, f[k].ptr, f[k].len);
      if (rc) return rc;
    }
  }
  if (++w->n == BATCH) return flush(w);
  return 0;
}

static void writer_free(vigil_bank_writer *w) {
  if (!w) return;
  vigil_hindex_free(w->ix);
  vigil_buf_release(&w->arena);
  free(w->dir);
  free(w->new_ids);
  free(w->new_hashes);
  free(w);
}

void vigil_bank_writer_abort(vigil_bank_writer *w) {
  /* committed batches stay; the index is rebuilt on next use if needed */
  writer_free(w);
}

int vigil_bank_writer_close(vigil_bank_writer *w, const char *actor, const char *what,
                            vigil_bank_import_stats *stats) {
  int rc = flush(w);
  if (!rc && w->ix && w->n_new) {
    rc = vigil_hindex_add_many(w->ix, w->new_ids, w->new_hashes, w->n_new);
    if (!rc) rc = vigil_hindex_build(w->ix);
  }
  if (!rc && w->ix && (w->n_new || w->rebuilt))
    rc = vigil_bank_index_save(w->s, w->dir, &w->b, w->ix);
  if (!rc && (w->st.added || w->st.updated)) {
    char detail[512];
    snprintf(detail, sizeof detail,
             "bank=%s kind=%s source=%s records=%llu added=%llu updated=%llu unchanged=%llu",
             w->b.name, vigil_bank_kind_name(w->b.kind), what ? what : "",
             (unsigned long long)w->st.records, (unsigned long long)w->st.added,
             (unsigned long long)w->st.updated, (unsigned long long)w->st.unchanged);
    int single = what && strcmp(what, "add") == 0;
    rc = vigil_store_audit(w->s, actor ? actor : "unknown", single ? "bank.add" : "bank.import",
                           detail);
  }
  if (stats) {
    uint64_t rej = stats->rejected;
    *stats = w->st;
    stats->rejected = rej;
  }
  writer_free(w);
  return rc;
}

int vigil_bank_remove_entry(vigil_store *s, const char *dir, const vigil_bank *b, int64_t entry,
                            const char *actor) {
  vigil_hindex *ix = NULL;
  int rc = 0;
  if (b->kind == VIGIL_BANK_PDQ && (rc = vigil_bank_index_open(s, dir, b, 0, &ix, NULL)))
    return rc;
  char detail[256];
  snprintf(detail, sizeof detail, "bank=%s entry=%lld", b->name, (long long)entry);
  rc = vigil_store_begin(s);
  if (!rc) rc = vigil_store_bank_entry_remove(s, b->id, entry);
  if (!rc) rc = vigil_store_audit(s, actor ? actor : "unknown", "bank.remove", detail);
  if (!rc) rc = vigil_store_commit(s);
  else vigil_store_rollback(s);
  if (!rc && ix) {
    rc = vigil_hindex_remove(ix, (uint64_t)entry);
    if (!rc) rc = vigil_bank_index_save(s, dir, b, ix);
  }
  vigil_hindex_free(ix);
  return rc;
}
