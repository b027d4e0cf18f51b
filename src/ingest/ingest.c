/* The ingest driver: a vigil_sink that writes parser records into the store
 * in committed batches. */
#include "vigil/ingest.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "ingest/edgelist.h"
#include "vigil/error.h"

#define MAX_STORED_REJECTS 100000
#define MAX_MENTIONS 256

typedef struct driver {
  vigil_store *store;
  const vigil_ingest_opts *o;
  vigil_ingest_result *res;
  FILE *err;
  int64_t run;
  vigil_str platform;
  int64_t observed_at;
  size_t since_commit;  /* non-edge records since the last commit */
  uint64_t rejects_stored;
  vigil_edge_counts edges_at_start;
  int fatal; /* a store error: stop */
  /* progress */
  vigil_reader *reader;
  double last_draw;
  int drew;
} driver;

void vigil_ingest_opts_init(vigil_ingest_opts *o) {
  memset(o, 0, sizeof *o);
  vigil_parse_opts_init(&o->parse);
  o->format = VIGIL_FORMAT_AUTO;
  o->resume = 1;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void draw_progress(driver *d, int final) {
  if (!d->o->progress) return;
  double t = now_s();
  if (!final && t - d->last_draw < 0.2) return;
  d->last_draw = t;
  uint64_t pos = vigil_reader_raw_pos(d->reader), size = vigil_reader_raw_size(d->reader);
  char bar[31];
  int pct = size ? (int)(pos * 100 / size) : 0;
  if (pct > 100) pct = 100;
  int fill = pct * 30 / 100;
  for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
  bar[30] = 0;
  fprintf(d->err, "\r  [%s] %3d%%  %.1f MB  %llu records", bar, pct, pos / 1e6,
          (unsigned long long)d->res->counts.records);
  if (final) fputc('\n', d->err);
  fflush(d->err);
  d->drew = 1;
}

static void count_account(vigil_ingest_counts *c, vigil_change ch) {
  if (ch == VIGIL_NEW) c->accounts_new++;
  else if (ch == VIGIL_UPDATED) c->accounts_updated++;
  else c->accounts_unchanged++;
}

static vigil_str plat(driver *d, vigil_str p) { return p.ptr && p.len ? p : d->platform; }

static int resolve(driver *d, vigil_str platform, const vigil_account_ref *ref, int64_t *id) {
  vigil_change ch;
  *id = 0;
  if (!(ref->platform_id.ptr && ref->platform_id.len) && !(ref->username.ptr && ref->username.len))
    return 0; /* no reference */
  int rc = vigil_store_account_resolve(d->store, platform, ref, 1, id, &ch);
  if (!rc && ch == VIGIL_NEW) d->res->counts.accounts_new++;
  return rc;
}

static int store_error(driver *d, int rc) {
  d->fatal = rc;
  return rc;
}

static int sink_account(void *ctx, const vigil_srcpos *pos, const vigil_account *a) {
  driver *d = ctx;
  vigil_account copy = *a;
  copy.platform = plat(d, a->platform);
  int64_t obs = a->observed_at != VIGIL_TIME_UNKNOWN ? a->observed_at : d->observed_at;
  int64_t id;
  vigil_change ch;
  if (!(copy.platform_id.ptr && copy.platform_id.len) && !(copy.username.ptr && copy.username.len))
    return d->o->strict ? VIGIL_EMISSING : 0;
  int rc = vigil_store_account_upsert(d->store, &copy, obs, &id, &ch);
  if (rc) return store_error(d, rc);
  count_account(&d->res->counts, ch);
  d->res->counts.records++;
  d->since_commit++;
  (void)pos;
  return 0;
}

static int sink_post(void *ctx, const vigil_srcpos *pos, const vigil_post *p) {
  driver *d = ctx;
  vigil_post copy = *p;
  copy.platform = plat(d, p->platform);
  if (copy.observed_at == VIGIL_TIME_UNKNOWN) copy.observed_at = d->observed_at;
  vigil_post_refs refs = {0};
  int64_t mentions[MAX_MENTIONS];
  int rc;
  (void)pos;
  if ((rc = resolve(d, copy.platform, &p->author, &refs.author))) return store_error(d, rc);
  if (!refs.author) return 0; /* the parser rejects posts without an author */
  if ((rc = resolve(d, copy.platform, &p->reply_to, &refs.reply_to)) ||
      (rc = resolve(d, copy.platform, &p->retweet_of, &refs.retweet_of)) ||
      (rc = resolve(d, copy.platform, &p->quote_of, &refs.quote_of)))
    return store_error(d, rc);
  size_t nm = 0;
  for (size_t i = 0; i < p->n_mentions && nm < MAX_MENTIONS; i++) {
    int64_t id;
    if ((rc = resolve(d, copy.platform, &p->mentions[i], &id))) return store_error(d, rc);
    if (!id) continue;
    int dup = 0;
    for (size_t j = 0; j < nm; j++) dup |= mentions[j] == id;
    if (!dup) mentions[nm++] = id;
  }
  /* sorted, so the same set always hashes the same */
  for (size_t i = 1; i < nm; i++)
    for (size_t j = i; j > 0 && mentions[j - 1] > mentions[j]; j--) {
      int64_t t = mentions[j];
      mentions[j] = mentions[j - 1], mentions[j - 1] = t;
    }
  refs.mentions = mentions;
  refs.n_mentions = nm;
  int64_t id;
  vigil_change ch;
  if ((rc = vigil_store_post_upsert(d->store, &copy, &refs, &id, &ch))) return store_error(d, rc);
  if (ch == VIGIL_NEW) d->res->counts.posts_new++;
  else if (ch == VIGIL_UPDATED) d->res->counts.posts_updated++;
  else d->res->counts.posts_unchanged++;
  d->res->counts.records++;
  d->since_commit++;
  return 0;
}

static int sink_status(void *ctx, const vigil_srcpos *pos, const vigil_status_obs *s) {
  driver *d = ctx;
  int64_t id;
  int rc = resolve(d, plat(d, s->platform), &s->account, &id);
  (void)pos;
  if (rc) return store_error(d, rc);
  if (!id) return 0;
  vigil_change ch;
  int64_t at = s->observed_at != VIGIL_TIME_UNKNOWN ? s->observed_at : d->observed_at;
  if ((rc = vigil_store_status_add(d->store, id, s->status, at, s->reason, &ch)))
    return store_error(d, rc);
  if (ch == VIGIL_NEW) d->res->counts.statuses_new++;
  else d->res->counts.statuses_unchanged++;
  d->res->counts.records++;
  d->since_commit++;
  return 0;
}

static int sink_edge(void *ctx, const vigil_srcpos *pos, const vigil_edge *e) {
  driver *d = ctx;
  vigil_str platform = plat(d, e->platform);
  int64_t src, dst;
  int rc;
  (void)pos;
  if ((rc = resolve(d, platform, &e->src, &src)) || (rc = resolve(d, platform, &e->dst, &dst)))
    return store_error(d, rc);
  if (!src || !dst) return 0;
  int64_t at = e->seen_at != VIGIL_TIME_UNKNOWN ? e->seen_at : d->observed_at;
  rc = vigil_store_edge_put(d->store, e->kind, src, dst, e->weight > 0 ? e->weight : 1, at);
  if (rc) return store_error(d, rc);
  d->res->counts.records++;
  /* Explicit edges are buffered and merged per source account at commit,
   * so small batches would rewrite busy accounts' adjacency again and
   * again: they commit on the pending-edge bound instead. */
  return 0;
}

/* Edge lists come in arrays (vigil_parse_edgelist_batch): the store
 * resolves a whole array's ids at once. */
static int sink_edges(void *ctx, const vigil_edge *edges, size_t n) {
  driver *d = ctx;
  uint64_t stored = 0, created = 0;
  int rc = vigil_store_edges_put_batch(d->store, d->platform, d->observed_at, n, edges, &stored,
                                       &created);
  d->res->counts.records += stored;
  d->res->counts.accounts_new += created;
  return rc ? store_error(d, rc) : 0;
}

static int sink_reject(void *ctx, const vigil_srcpos *pos, const char *field, const char *reason) {
  driver *d = ctx;
  if (d->drew) {
    fputc('\n', d->err);
    d->drew = 0;
  }
  /* the reason names the problem, never the record's content */
  if (field && *field)
    fprintf(d->err, "%s:%llu: %s: %s\n", pos->file, (unsigned long long)pos->line, field, reason);
  else
    fprintf(d->err, "%s:%llu: %s\n", pos->file, (unsigned long long)pos->line, reason);
  d->res->counts.rejected++;
  if (d->rejects_stored < MAX_STORED_REJECTS) {
    d->rejects_stored++;
    int rc = vigil_store_ingest_reject(d->store, d->run, pos->line, field, reason);
    if (rc) return store_error(d, rc);
  }
  return d->o->strict ? VIGIL_EPARSE : 0;
}

/* Edge counts come from the store's cumulative counters, which background
 * commits update: read them when no commit is in flight. */
static void take_edge_counts(driver *d) {
  vigil_edge_counts now;
  vigil_store_edge_counts(d->store, &now);
  d->res->counts.edges_new = now.created - d->edges_at_start.created;
  d->res->counts.edges_updated = now.updated - d->edges_at_start.updated;
  d->res->counts.edges_unchanged = now.unchanged - d->edges_at_start.unchanged;
}

/* Commits the batch with its progress row. Intermediate batches commit in
 * the background while the parser goes on with the next one. */
static int commit_batch(driver *d, const vigil_srcpos *next, int final) {
  int rc;
  if (next &&
      (rc = vigil_store_ingest_progress(d->store, d->run, next->offset, next->line, &d->res->counts)))
    return store_error(d, rc);
  rc = final ? vigil_store_commit(d->store) : vigil_store_commit_async(d->store);
  if (rc) return store_error(d, rc);
  if (final) take_edge_counts(d);
  d->since_commit = 0;
  return 0;
}

static int sink_checkpoint(void *ctx, const vigil_srcpos *next) {
  driver *d = ctx;
  /* Large batches: each commit writes every page the batch dirtied, and
   * once a store outgrows the page cache, new posts' and accounts' random
   * ids dirty most index pages in every batch. Measured on a 2M-account
   * store (users and 1.3 GB of tweets): 400k records per batch took 54 s
   * wall and 49 s CPU, 50k took 72 s and 56 s. A kill loses at most one
   * batch of work; the re-run redoes it. */
  size_t batch = d->o->batch_records ? d->o->batch_records : 400000;
  size_t max_edges = d->o->max_pending_edges ? d->o->max_pending_edges : ((size_t)32 << 20);
  draw_progress(d, 0);
  if (d->since_commit < batch && vigil_store_edges_pending(d->store) < max_edges) return 0;
  int rc = commit_batch(d, next, 0);
  if (!rc) rc = vigil_store_begin(d->store);
  if (rc) return store_error(d, rc);
  return 0;
}

static uint64_t fingerprint(const char *path, vigil_reader *r, uint64_t *size, int64_t *mtime) {
  struct stat st;
  *size = 0, *mtime = 0;
  if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  *size = (uint64_t)st.st_size;
  *mtime = (int64_t)st.st_mtime;
  const char *p;
  size_t n;
  if (vigil_reader_peek(r, 65536, &p, &n)) return 0;
  XXH3_state_t s;
  XXH3_64bits_reset(&s);
  XXH3_64bits_update(&s, size, sizeof *size);
  XXH3_64bits_update(&s, mtime, sizeof *mtime);
  XXH3_64bits_update(&s, p, n);
  uint64_t h = XXH3_64bits_digest(&s);
  return h ? h : 1;
}

int vigil_ingest_path(vigil_store *s, const char *path, const vigil_ingest_opts *o,
                      vigil_ingest_result *res) {
  memset(res, 0, sizeof *res);
  vigil_reader *r;
  int rc = vigil_reader_open(path, &r);
  if (rc) return rc;
  if (o->max_line) vigil_reader_set_max_line(r, o->max_line);
  int format = o->format;
  FILE *err = o->err ? o->err : stderr;
  const char *peek;
  size_t npeek;
  if ((rc = vigil_reader_peek(r, 1, &peek, &npeek))) {
    vigil_reader_free(r);
    return rc;
  }
  if (npeek == 0) {
    /* not fatal: nothing was there to take, and the user should know */
    fprintf(err, "%s:1: empty input: no records\n", path);
    res->counts.rejected = 1;
    vigil_reader_free(r);
    return 0;
  }
  if (format == VIGIL_FORMAT_AUTO) {
    format = vigil_detect_format(r);
    if (format < 0) {
      fprintf(err, "%s:1: format: cannot tell the format from the content%s\n", path,
              format == VIGIL_EFORMAT ? " (binary or unknown data?); give --format" : "");
      vigil_reader_free(r);
      return format;
    }
  }
  res->format = format;
  driver d = {0};
  d.store = s;
  d.o = o;
  d.res = res;
  d.err = o->err ? o->err : stderr;
  d.reader = r;
  d.platform = o->parse.platform.ptr ? o->parse.platform : VIGIL_STR_LIT("twitter");
  vigil_ingest_file f = {path, vigil_format_name(format), 0, 0, 0};
  f.fingerprint = fingerprint(path, r, &f.size, &f.mtime);
  d.observed_at = o->parse.observed_at != VIGIL_TIME_UNKNOWN ? o->parse.observed_at
                  : f.mtime ? f.mtime : (int64_t)time(NULL);
  vigil_parse_opts popts = o->parse;
  popts.platform = d.platform;
  popts.observed_at = d.observed_at;

  uint64_t resume_off = 0, resume_line = 0;
  vigil_store_edge_counts(s, &d.edges_at_start);
  if ((rc = vigil_store_begin(s))) goto out;
  if ((rc = vigil_store_ingest_begin(s, &f, &d.run, &resume_off, &resume_line))) goto fail;
  res->run = d.run;
  /* A CSV needs its header line, so it restarts from the top: idempotent
   * upserts make that safe, only slower. */
  if (resume_off && o->resume && format != VIGIL_FORMAT_CSV) {
    if ((rc = vigil_reader_seek_line(r, resume_off, resume_line))) goto fail;
    res->resumed_from_line = resume_line + 1;
  }
  vigil_sink sink = {&d, sink_account, sink_post, sink_status, sink_edge, sink_reject,
                     sink_checkpoint};
  if (format == VIGIL_FORMAT_EDGELIST)
    rc = vigil_parse_edgelist_batch(r, &popts, &sink, sink_edges, &d);
  else
    rc = vigil_parse(format, r, &popts, &sink);
  if (d.fatal) rc = d.fatal;
  if (rc == VIGIL_EPARSE && o->strict) {
    /* keep what came before the bad record, and say where it stopped */
    vigil_srcpos here = {path, vigil_reader_line(r), vigil_reader_offset(r)};
    int e = commit_batch(&d, &here, 1);
    if (!e && !(e = vigil_store_begin(s))) {
      e = vigil_store_ingest_end(s, d.run, "failed", &res->counts);
      if (!e) e = vigil_store_commit(s);
    }
    if (e) rc = e;
    goto out;
  }
  if (rc) goto fail;
  {
    vigil_srcpos end = {path, vigil_reader_line(r), vigil_reader_next_offset(r)};
    if ((rc = commit_batch(&d, &end, 1))) goto fail;
    if ((rc = vigil_store_begin(s))) goto out;
    if ((rc = vigil_store_ingest_end(s, d.run, "complete", &res->counts))) goto fail;
    if ((rc = vigil_store_commit(s))) goto out;
  }
  draw_progress(&d, 1);
  res->bytes = vigil_reader_next_offset(r);
  goto out;
fail:
  vigil_store_rollback(s);
out:
  if (d.drew && rc) fputc('\n', d.err);
  vigil_reader_free(r);
  return rc;
}
