/* SQLite backend: hash banks, bank entries, match runs and matches. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/sqlite_impl.h"
#include "vigil/error.h"

typedef int (*row_cb)(void *, int64_t, vigil_str, vigil_str, vigil_str, int, int64_t, int64_t);
typedef int (*ent_cb)(void *, int64_t, int64_t, vigil_str, vigil_str, vigil_str, vigil_str);

static int step_once(sq_store *q, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, what);
}

int sq_bank_create(vigil_store *s, vigil_str name, vigil_str kind, vigil_str label, int64_t *id) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "SELECT id FROM banks WHERE name=?1");
  if (rc) return rc;
  bind_str(st, 1, name);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW) return VIGIL_EEXISTS;
  if (rc != SQLITE_DONE) return sq_fail(q, rc, "reading banks");
  if ((rc = sq_prepare(q, &st,
                       "INSERT INTO banks(name, kind, label, created_at) VALUES(?1,?2,?3,?4)")))
    return rc;
  bind_str(st, 1, name);
  bind_str(st, 2, kind);
  bind_str(st, 3, label.ptr && label.len ? label : VIGIL_STR_NULL);
  sqlite3_bind_int64(st, 4, (int64_t)time(NULL));
  if ((rc = step_once(q, st, "creating bank"))) return rc;
  *id = sqlite3_last_insert_rowid(q->db);
  return 0;
}

int sq_each_bank(vigil_store *s, vigil_str name, row_cb cb, void *ctx) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      name.ptr ? "SELECT id, name, kind, label, enabled, entries, version"
                                 " FROM banks WHERE name=?1"
                               : "SELECT id, name, kind, label, enabled, entries, version"
                                 " FROM banks ORDER BY name");
  if (rc) return rc;
  if (name.ptr) bind_str(st, 1, name);
  int found = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    found = 1;
    int e = cb(ctx, sqlite3_column_int64(st, 0), col_str(st, 1), col_str(st, 2), col_str(st, 3),
               sqlite3_column_int(st, 4), sqlite3_column_int64(st, 5),
               sqlite3_column_int64(st, 6));
    if (e) {
      sqlite3_finalize(st);
      return e;
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return sq_fail(q, rc, "reading banks");
  return name.ptr && !found ? VIGIL_ENOTFOUND : 0;
}

int sq_bank_set_enabled(vigil_store *s, int64_t bank, int enabled, vigil_change *change) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "UPDATE banks SET enabled=?2 WHERE id=?1 AND enabled<>?2");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, bank);
  sqlite3_bind_int(st, 2, enabled ? 1 : 0);
  if ((rc = step_once(q, st, "updating bank"))) return rc;
  *change = sqlite3_changes(q->db) ? VIGIL_UPDATED : VIGIL_UNCHANGED;
  return 0;
}

static vigil_str opt(const vigil_str *a, size_t i) {
  if (!a || !a[i].ptr || !a[i].len) return VIGIL_STR_NULL;
  return a[i];
}

static int same(vigil_str stored, vigil_str given) {
  if (!stored.ptr) return !given.ptr;
  return given.ptr && vigil_str_eq(stored, given);
}

int sq_bank_entries_put(vigil_store *s, int64_t bank, size_t n, const vigil_str *values,
                        const vigil_str *labels, const vigil_str *entities,
                        const vigil_str *content_types, int64_t *ids, vigil_change *changes) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *ins = NULL, *sel = NULL, *upd = NULL, *cnt = NULL;
  int64_t added = 0, now = (int64_t)time(NULL);
  int rc = sq_prepare(q, &ins,
                      "INSERT OR IGNORE INTO bank_entries(bank, value, label, entity,"
                      " content_type, added_at) VALUES(?1,?2,?3,?4,?5,?6)");
  if (!rc)
    rc = sq_prepare(q, &sel,
                    "SELECT id, label, entity, content_type FROM bank_entries"
                    " WHERE bank=?1 AND value=?2");
  if (!rc)
    rc = sq_prepare(q, &upd,
                    "UPDATE bank_entries SET label=?2, entity=?3, content_type=?4 WHERE id=?1");
  for (size_t i = 0; !rc && i < n; i++) {
    vigil_str l = opt(labels, i), e = opt(entities, i), c = opt(content_types, i);
    vigil_change ch = VIGIL_NEW;
    int64_t id = 0;
    sqlite3_bind_int64(ins, 1, bank);
    bind_str(ins, 2, values[i]);
    bind_str(ins, 3, l);
    bind_str(ins, 4, e);
    bind_str(ins, 5, c);
    sqlite3_bind_int64(ins, 6, now);
    int r = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (r != SQLITE_DONE) {
      rc = sq_fail(q, r, "storing bank entry");
      break;
    }
    if (sqlite3_changes(q->db)) {
      id = sqlite3_last_insert_rowid(q->db);
      added++;
    } else {
      sqlite3_bind_int64(sel, 1, bank);
      bind_str(sel, 2, values[i]);
      r = sqlite3_step(sel);
      if (r != SQLITE_ROW) {
        sqlite3_reset(sel);
        rc = sq_fail(q, r, "reading bank entry");
        break;
      }
      id = sqlite3_column_int64(sel, 0);
      int unchanged = same(col_str(sel, 1), l) && same(col_str(sel, 2), e) &&
                      same(col_str(sel, 3), c);
      sqlite3_reset(sel);
      ch = unchanged ? VIGIL_UNCHANGED : VIGIL_UPDATED;
      if (!unchanged) {
        sqlite3_bind_int64(upd, 1, id);
        bind_str(upd, 2, l);
        bind_str(upd, 3, e);
        bind_str(upd, 4, c);
        r = sqlite3_step(upd);
        sqlite3_reset(upd);
        if (r != SQLITE_DONE) {
          rc = sq_fail(q, r, "relabelling bank entry");
          break;
        }
      }
    }
    if (ids) ids[i] = id;
    if (changes) changes[i] = ch;
  }
  if (!rc && added) {
    rc = sq_prepare(q, &cnt,
                    "UPDATE banks SET entries=entries+?2, version=version+?2 WHERE id=?1");
    if (!rc) {
      sqlite3_bind_int64(cnt, 1, bank);
      sqlite3_bind_int64(cnt, 2, added);
      rc = step_once(q, cnt, "counting bank entries");
    }
  }
  sqlite3_finalize(ins);
  sqlite3_finalize(sel);
  sqlite3_finalize(upd);
  return rc;
}

int sq_bank_entry_remove(vigil_store *s, int64_t bank, int64_t entry) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "DELETE FROM bank_entries WHERE id=?1 AND bank=?2");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, entry);
  sqlite3_bind_int64(st, 2, bank);
  if ((rc = step_once(q, st, "removing bank entry"))) return rc;
  if (!sqlite3_changes(q->db)) return VIGIL_ENOTFOUND;
  if ((rc = sq_prepare(q, &st,
                       "UPDATE banks SET entries=entries-1, version=version+1 WHERE id=?1")))
    return rc;
  sqlite3_bind_int64(st, 1, bank);
  return step_once(q, st, "counting bank entries");
}

static int each_entry(sq_store *q, sqlite3_stmt *st, ent_cb cb, void *ctx) {
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int e = cb(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), col_str(st, 2),
               col_str(st, 3), col_str(st, 4), col_str(st, 5));
    if (e) {
      sqlite3_finalize(st);
      return e;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "reading bank entries");
}

#define ENTRY_COLS "SELECT id, bank, value, label, entity, content_type FROM bank_entries "

int sq_each_bank_entry(vigil_store *s, int64_t bank, int64_t after, ent_cb cb, void *ctx) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, ENTRY_COLS "WHERE bank=?1 AND id>?2 ORDER BY id");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, bank);
  sqlite3_bind_int64(st, 2, after);
  return each_entry(q, st, cb, ctx);
}

int sq_bank_entry_find(vigil_store *s, int64_t bank, vigil_str value, ent_cb cb, void *ctx) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, ENTRY_COLS "WHERE bank=?1 AND value=?2");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, bank);
  bind_str(st, 2, value);
  return each_entry(q, st, cb, ctx);
}

int sq_bank_entry_get(vigil_store *s, int64_t entry, ent_cb cb, void *ctx) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, ENTRY_COLS "WHERE id=?1");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, entry);
  return each_entry(q, st, cb, ctx);
}

int sq_match_begin(vigil_store *s, const char *actor, const char *params_json, int64_t *run) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "INSERT INTO match_runs(started_at, actor, params) VALUES(?1,?2,?3)");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
  bind_str(st, 2, vigil_str_c(actor));
  bind_str(st, 3, vigil_str_c(params_json));
  if ((rc = step_once(q, st, "starting match run"))) return rc;
  *run = sqlite3_last_insert_rowid(q->db);
  return 0;
}

int sq_match_put(vigil_store *s, int64_t run, vigil_str query, int64_t bank, int64_t entry,
                 double score) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  /* one prepare per match is fine: hits are rare next to queries */
  int rc = sq_prepare(q, &st,
                      "INSERT INTO matches(run, query, bank, entry, score, at)"
                      " VALUES(?1,?2,?3,?4,?5,?6)");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, run);
  bind_str(st, 2, query.ptr ? query : VIGIL_STR_LIT(""));
  sqlite3_bind_int64(st, 3, bank);
  sqlite3_bind_int64(st, 4, entry);
  sqlite3_bind_double(st, 5, score);
  sqlite3_bind_int64(st, 6, (int64_t)time(NULL));
  return step_once(q, st, "storing match");
}

int sq_match_end(vigil_store *s, int64_t run, const char *summary_json) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "UPDATE match_runs SET finished_at=?2, summary=?3 WHERE id=?1");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, run);
  sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
  bind_str(st, 3, vigil_str_c(summary_json));
  return step_once(q, st, "finishing match run");
}

int sq_each_match(vigil_store *s, int64_t run,
                  int (*cb)(void *, vigil_str, int64_t, int64_t, double), void *ctx) {
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "SELECT query, bank, entry, score FROM matches WHERE run=?1 ORDER BY id");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, run);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int e = cb(ctx, col_str(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
               sqlite3_column_double(st, 3));
    if (e) {
      sqlite3_finalize(st);
      return e;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "reading matches");
}

/* sq_each_post_media: sqlite_posts.c */
