/* SQLite backend: analyst labels, census runs and scores, the audit log. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/sqlite_impl.h"
#include "vigil/error.h"

static int step_once(sq_store *q, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, what);
}

int sq_label_put(vigil_store *s, int64_t account, vigil_str label, vigil_str note,
                 vigil_str analyst, int64_t at, vigil_change *change) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_stubs_flush(q);
  if (rc) return rc;
  rc = sq_prepare(q, &st,
                      "SELECT label, coalesce(note,'') FROM labels WHERE account=?1"
                      " ORDER BY id DESC LIMIT 1");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, account);
  *change = VIGIL_NEW;
  if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    vigil_str old_label = col_str(st, 0), old_note = col_str(st, 1);
    vigil_str n = note.ptr ? note : VIGIL_STR_LIT("");
    if (vigil_str_eq(old_label, label) && vigil_str_eq(old_note, n)) *change = VIGIL_UNCHANGED;
    else *change = VIGIL_UPDATED;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sq_fail(q, rc, "reading labels");
  if (*change == VIGIL_UNCHANGED) return 0;
  if ((rc = sq_prepare(q, &st,
                       "INSERT INTO labels(account, label, note, analyst, created_at)"
                       " VALUES(?1,?2,?3,?4,?5)")))
    return rc;
  sqlite3_bind_int64(st, 1, account);
  bind_str(st, 2, label);
  bind_str(st, 3, note.ptr && note.len ? note : VIGIL_STR_NULL);
  bind_str(st, 4, analyst);
  sqlite3_bind_int64(st, 5, at);
  return step_once(q, st, "storing label");
}

int sq_each_label(vigil_store *s, int history, int (*cb)(void *ctx, const vigil_label_row *row),
                  void *ctx) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(
      q, &st,
      history ? "SELECT l.account, a.platform_id, a.username, l.label, l.note, l.analyst,"
                " l.created_at FROM labels l JOIN accounts a ON a.id=l.account ORDER BY l.id"
              : "SELECT l.account, a.platform_id, a.username, l.label, l.note, l.analyst,"
                " l.created_at FROM labels l JOIN accounts a ON a.id=l.account"
                " WHERE l.id = (SELECT max(id) FROM labels WHERE account=l.account)"
                " ORDER BY l.account");
  if (rc) return rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    vigil_label_row row = {sqlite3_column_int64(st, 0), col_str(st, 1), col_str(st, 2),
                           col_str(st, 3),              col_str(st, 4), col_str(st, 5),
                           sqlite3_column_int64(st, 6)};
    int e = cb(ctx, &row);
    if (e) {
      sqlite3_finalize(st);
      return e;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "reading labels");
}

int sq_census_begin(vigil_store *s, const char *actor, const char *params_json, int64_t *run) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      "INSERT INTO census_runs(started_at, actor, params) VALUES(?1,?2,?3)");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, (int64_t)time(NULL));
  sqlite3_bind_text(st, 2, actor ? actor : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, params_json ? params_json : "{}", -1, SQLITE_TRANSIENT);
  if ((rc = step_once(q, st, "starting census run"))) return rc;
  *run = sqlite3_last_insert_rowid(q->db);
  return 0;
}

int sq_score_put(vigil_store *s, int64_t run, int64_t account, double score, int predicted,
                 vigil_str why) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  static const char sql[] =
      "INSERT OR REPLACE INTO scores(run, account, score, predicted, why) VALUES(?1,?2,?3,?4,?5)";
  /* hot loop (one call per account): the statement is kept */
  int rc;
  if (!q->st_score_put && (rc = sq_prepare(q, &q->st_score_put, sql))) return rc;
  sqlite3_stmt *st = q->st_score_put;
  sqlite3_bind_int64(st, 1, run);
  sqlite3_bind_int64(st, 2, account);
  sqlite3_bind_double(st, 3, score);
  sqlite3_bind_int(st, 4, predicted);
  bind_str(st, 5, why);
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "storing score");
}

int sq_census_end(vigil_store *s, int64_t run, const char *summary_json) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st, "UPDATE census_runs SET finished_at=?2, summary=?3 WHERE id=?1");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, run);
  sqlite3_bind_int64(st, 2, (int64_t)time(NULL));
  sqlite3_bind_text(st, 3, summary_json ? summary_json : "{}", -1, SQLITE_TRANSIENT);
  return step_once(q, st, "finishing census run");
}

int sq_census_latest(vigil_store *s, int64_t *run, vigil_buf *summary) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      "SELECT id, summary FROM census_runs WHERE finished_at IS NOT NULL"
                      " ORDER BY id DESC LIMIT 1");
  if (rc) return rc;
  *run = 0;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *run = sqlite3_column_int64(st, 0);
    if (summary) vigil_buf_append_str(summary, col_str(st, 1));
  }
  sqlite3_finalize(st);
  return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : sq_fail(q, rc, "reading census runs");
}

int sq_each_score(vigil_store *s, int64_t run, int (*cb)(void *ctx, const vigil_score_row *row),
                  void *ctx) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      "SELECT account, score, predicted, why FROM scores WHERE run=?1"
                      " ORDER BY score DESC, account");
  if (rc) return rc;
  sqlite3_bind_int64(st, 1, run);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    vigil_score_row row = {sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1),
                           sqlite3_column_int(st, 2), col_str(st, 3)};
    int e = cb(ctx, &row);
    if (e) {
      sqlite3_finalize(st);
      return e;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "reading scores");
}

/* hex(SHA-256(prev_hash \n at \n actor \n action \n detail)) */
static void audit_hash(const char *prev, int64_t at, vigil_str actor, vigil_str action,
                       vigil_str detail, char out[65]) {
  crypto_hash_sha256_state h;
  unsigned char md[crypto_hash_sha256_BYTES];
  char num[32];
  int n = snprintf(num, sizeof num, "%lld", (long long)at);
  crypto_hash_sha256_init(&h);
  crypto_hash_sha256_update(&h, (const unsigned char *)prev, strlen(prev));
  crypto_hash_sha256_update(&h, (const unsigned char *)"\n", 1);
  crypto_hash_sha256_update(&h, (const unsigned char *)num, (size_t)n);
  const vigil_str parts[] = {actor, action, detail};
  for (int i = 0; i < 3; i++) {
    char len[24];
    int k = snprintf(len, sizeof len, "\n%zu:", parts[i].len);
    crypto_hash_sha256_update(&h, (const unsigned char *)len, (size_t)k);
    if (parts[i].len) crypto_hash_sha256_update(&h, (const unsigned char *)parts[i].ptr, parts[i].len);
  }
  crypto_hash_sha256_final(&h, md);
  sodium_bin2hex(out, 65, md, sizeof md);
}

static const char GENESIS[] = "0000000000000000000000000000000000000000000000000000000000000000";

int sq_audit(vigil_store *s, const char *actor, const char *action, const char *detail) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  int own = !q->in_txn, rc;
  if (own && (rc = sq_exec(q, "BEGIN IMMEDIATE"))) return rc;
  sqlite3_stmt *st = NULL;
  char prev[65], hash[65];
  snprintf(prev, sizeof prev, "%s", GENESIS);
  if ((rc = sq_prepare(q, &st, "SELECT hash FROM audit ORDER BY id DESC LIMIT 1"))) goto out;
  if (sqlite3_step(st) == SQLITE_ROW) {
    vigil_str h = col_str(st, 0);
    if (h.len == 64) memcpy(prev, h.ptr, 64), prev[64] = 0;
  }
  sqlite3_finalize(st);
  int64_t at = (int64_t)time(NULL);
  audit_hash(prev, at, vigil_str_c(actor), vigil_str_c(action), vigil_str_c(detail ? detail : ""),
             hash);
  if ((rc = sq_prepare(q, &st,
                       "INSERT INTO audit(at, actor, action, detail, prev_hash, hash)"
                       " VALUES(?1,?2,?3,?4,?5,?6)")))
    goto out;
  sqlite3_bind_int64(st, 1, at);
  sqlite3_bind_text(st, 2, actor, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, detail ? detail : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 5, prev, 64, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 6, hash, 64, SQLITE_TRANSIENT);
  rc = step_once(q, st, "writing audit entry");
out:
  if (own) {
    if (rc) sq_exec(q, "ROLLBACK");
    else rc = sq_exec(q, "COMMIT");
  }
  return rc;
}

int sq_audit_verify(vigil_store *s, int64_t *entries, int64_t *bad_id) {
  SQ_WAIT((sq_store *)s);
  sq_store *q = (sq_store *)s;
  sqlite3_stmt *st;
  int rc = sq_prepare(q, &st,
                      "SELECT id, at, actor, action, detail, prev_hash, hash FROM audit ORDER BY id");
  if (rc) return rc;
  char prev[65], hash[65];
  snprintf(prev, sizeof prev, "%s", GENESIS);
  *entries = 0;
  *bad_id = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    vigil_str stored_prev = col_str(st, 5), stored = col_str(st, 6);
    audit_hash(prev, sqlite3_column_int64(st, 1), col_str(st, 2), col_str(st, 3), col_str(st, 4),
               hash);
    if (!vigil_str_eq(stored_prev, vigil_str_c(prev)) || !vigil_str_eq(stored, vigil_str_c(hash))) {
      *bad_id = id;
      sqlite3_finalize(st);
      return VIGIL_ECORRUPT;
    }
    memcpy(prev, hash, sizeof prev);
    (*entries)++;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : sq_fail(q, rc, "reading audit log");
}
