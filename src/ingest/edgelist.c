/* Edge-list ingest: "src dst [weight]" lines (SNAP style).
 *
 * Fields are separated by runs of spaces/tabs; commas are ordinary id bytes
 * (so "a,b" is one field and the line is rejected: CSV edges go through the
 * CSV parser). Lines starting with '#' or '%' and blank lines are skipped.
 * Node ids are opaque (SNAP uses integers; we never convert them), at most
 * 256 bytes, valid UTF-8 without control characters. The weight is a
 * positive decimal integer (default 1).
 *
 * Speed matters here (tens of millions of lines): tokenising is one table
 * lookup per byte on the reader's line view, nothing is allocated per line,
 * and UTF-8 validation only runs when a token has a byte >= 0x80.
 */
#include "ingest/edgelist.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"

#define EL_MAX_ID 256
#define EL_ARENA ((size_t)VIGIL_EDGE_BATCH * 64)

/* byte classes: token byte, separator, or a token byte needing a closer look
 * (separators: space, \t, \v, \f, \r) */
enum { C_TOK = 0, C_SEP = 1, C_HIGH = 2, C_CTRL = 4 };

static const unsigned char cls[256] = {
    4, 4, 4, 4, 4, 4, 4, 4, 4, 1, 4, 1, 1, 1, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

enum { L_SKIP = 0, L_EDGE, L_FIELDS, L_WEIGHT, L_UTF8, L_CTRL, L_LONG };

typedef struct el_line {
  vigil_str src, dst;
  int64_t weight;
  const char *field; /* for rejects */
} el_line;

/* Checks one node id token (length, control bytes, UTF-8 when non-ASCII). */
static inline int check_id(const unsigned char *t, size_t n, unsigned char flags) {
  if (n > EL_MAX_ID) return L_LONG;
  if (flags & C_CTRL) return L_CTRL;
  if ((flags & C_HIGH) && !vigil_utf8_valid((const char *)t, n)) return L_UTF8;
  return L_EDGE;
}

#define SKIP_SEP() \
  while (s < e && cls[*s] == C_SEP) s++
/* Advances over one token, OR-ing the classes of its bytes into flags (a
 * variant with a tighter inner loop measured slower on SNAP lines). */
#define SCAN_TOKEN(flags)                      \
  do {                                         \
    unsigned char f_ = 0, k_;                  \
    while (s < e && (k_ = cls[*s]) != C_SEP) { \
      f_ |= k_;                                \
      s++;                                     \
    }                                          \
    (flags) = f_;                              \
  } while (0)

/* Splits one line. Returns L_EDGE with *out filled, L_SKIP, or an error
 * class (out->field names the field at fault). Straight-line code for the
 * fixed shape "id SEP id [SEP weight]": this is the hot loop of edge ingest. */
static inline __attribute__((always_inline)) int parse_line(const char *ptr, size_t len,
                                                            el_line *out) {
  const unsigned char *s = (const unsigned char *)ptr, *e = s + len;
  unsigned char f0, f1;
  SKIP_SEP();
  if (s == e || *s == '#' || *s == '%') return L_SKIP;
  const unsigned char *t0 = s;
  SCAN_TOKEN(f0);
  size_t n0 = (size_t)(s - t0);
  SKIP_SEP();
  if (s == e) return L_FIELDS;
  const unsigned char *t1 = s;
  SCAN_TOKEN(f1);
  size_t n1 = (size_t)(s - t1);
  SKIP_SEP();
  int64_t w = 1;
  if (s < e) {
    const unsigned char *t2 = s;
    uint64_t v = 0; /* wraps harmlessly on long input; length is checked below */
    while (s < e && (unsigned)(*s - '0') <= 9) v = v * 10 + (uint64_t)(*s++ - '0');
    size_t n2 = (size_t)(s - t2);
    if (s < e && cls[*s] != C_SEP) {
      /* a non-digit: a bad weight, unless there is a 4th field */
      unsigned char f2;
      SCAN_TOKEN(f2);
      (void)f2;
      SKIP_SEP();
      if (s < e) return L_FIELDS;
      out->field = "weight";
      return L_WEIGHT;
    }
    SKIP_SEP();
    if (s < e) return L_FIELDS;
    out->field = "weight";
    if (n2 > 18 || v < 1) return L_WEIGHT;
    w = (int64_t)v;
  }
  int k;
  out->field = "src";
  if ((f0 | f1 | (n0 > EL_MAX_ID) | (n1 > EL_MAX_ID)) != 0) {
    if ((k = check_id(t0, n0, f0)) != L_EDGE) return k;
    out->field = "dst";
    if ((k = check_id(t1, n1, f1)) != L_EDGE) return k;
  }
  out->src = (vigil_str){(const char *)t0, n0};
  out->dst = (vigil_str){(const char *)t1, n1};
  out->weight = w;
  return L_EDGE;
}

static const char *reason_of(int k) {
  switch (k) {
    case L_FIELDS: return "expected 2 or 3 fields";
    case L_WEIGHT: return "weight must be a positive integer";
    case L_UTF8: return "invalid UTF-8";
    case L_CTRL: return "control character in node id";
    case L_LONG: return "node id longer than 256 bytes";
    default: return "malformed line";
  }
}

static const char *field_of(int k, const el_line *l) {
  switch (k) {
    case L_FIELDS: return "fields";
    case L_WEIGHT: return "weight";
    case L_UTF8: return "utf8";
    default: return l->field;
  }
}

static int reject(const vigil_sink *sink, const vigil_srcpos *pos, const char *field,
                  const char *reason) {
  if (!sink->reject) return 0;
  int rc = sink->reject(sink->ctx, pos, field, reason);
  return rc > 0 ? VIGIL_EINVAL : rc;
}

static void edge_defaults(vigil_edge *e, const vigil_parse_opts *o) {
  memset(e, 0, sizeof *e);
  e->platform = o->platform;
  e->kind = o->edge_kind;
  e->seen_at = o->observed_at;
  e->weight = 1;
}

int vigil_parse_edgelist(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink) {
  if (!r || !o || !sink) return VIGIL_EINVAL;
  if (o->edge_kind < 0 || o->edge_kind >= VIGIL_EDGE_KIND_COUNT) return VIGIL_EINVAL;
  vigil_edge e;
  edge_defaults(&e, o);
  vigil_srcpos pos = {vigil_reader_name(r), 0, 0};
  int (*on_edge)(void *, const vigil_srcpos *, const vigil_edge *) = sink->edge;
  int (*on_ckpt)(void *, const vigil_srcpos *) = sink->checkpoint;
  void *ctx = sink->ctx;
  el_line l;
  vigil_str line;
  int rc;
  /* line numbers and offsets are tracked here rather than asked of the
   * reader for every line: a line starts where the previous one ended, and
   * every getline result (line or overlong line) advances the count by one */
  uint64_t line_no = vigil_reader_line(r);
  uint64_t off = vigil_reader_next_offset(r);
  for (;;) {
    rc = vigil_reader_getline(r, &line);
    if (rc == 0) return 0;
    if (rc < 0 && rc != VIGIL_ETOOBIG) return rc;
    pos.line = ++line_no;
    pos.offset = off;
    off = vigil_reader_next_offset(r);
    if (rc == VIGIL_ETOOBIG) {
      if ((rc = reject(sink, &pos, "line", "line exceeds the reader's line cap"))) return rc;
    } else {
      int k = parse_line(line.ptr, line.len, &l);
      if (k == L_EDGE) {
        if (on_edge) {
          e.src.platform_id = l.src;
          e.dst.platform_id = l.dst;
          e.weight = l.weight;
          if ((rc = on_edge(ctx, &pos, &e))) return rc;
        }
      } else if (k != L_SKIP) {
        if ((rc = reject(sink, &pos, field_of(k, &l), reason_of(k)))) return rc;
      }
    }
    if (on_ckpt) {
      vigil_srcpos next = {pos.file, line_no, off};
      if ((rc = on_ckpt(ctx, &next))) return rc;
    }
  }
}

/* ---- batched fast path -----------------------------------------------------
 *
 * Reading and tokenising run on a thread of their own, a block of up to
 * VIGIL_EDGE_BATCH edges ahead of the caller, who resolves and stores them:
 * on a 20M-line list that halves the time to the last edge. Every callback
 * still runs on the calling thread, in input order: a block carries its
 * edges, then at most one rejected line (a reject closes the block), and
 * the reader position at its close for the checkpoint, as the single-thread
 * loop computed them. Only the parser thread touches the reader until it
 * is joined. When a callback fails, the parser thread stops at its next
 * block; on a pipe it may first wait for the line it is reading (the
 * writer's next output or EOF). */

enum { N_BLOCKS = 4 };

typedef struct el_block {
  vigil_edge *edges;
  size_t n;
  char *arena;
  size_t used;
  vigil_srcpos next;       /* reader position at the block's close */
  int has_reject;          /* then: */
  vigil_srcpos reject_pos; /* line and offset of the rejected line */
  const char *reject_field, *reject_reason;
  int end;                 /* last block: rc is the parse result (0 at EOF) */
  int rc;
} el_block;

typedef struct el_pipe {
  vigil_reader *r;
  const char *name;
  vigil_edge proto;
  el_block blocks[N_BLOCKS];
  size_t head, tail; /* filled blocks are [head, tail), modulo N_BLOCKS */
  int stop;          /* the caller gave up: the parser thread returns */
  pthread_mutex_t mu;
  pthread_cond_t cv;
} el_pipe;

/* Waits for a free block (the caller consumes them); NULL once stopped. */
static el_block *free_block(el_pipe *p) {
  pthread_mutex_lock(&p->mu);
  while (!p->stop && p->tail - p->head == N_BLOCKS) pthread_cond_wait(&p->cv, &p->mu);
  el_block *b = p->stop ? NULL : &p->blocks[p->tail % N_BLOCKS];
  pthread_mutex_unlock(&p->mu);
  if (b) {
    b->n = b->used = 0;
    b->has_reject = b->end = b->rc = 0;
  }
  return b;
}

static void publish(el_pipe *p, el_block *b) {
  b->next = (vigil_srcpos){p->name, vigil_reader_line(p->r), vigil_reader_next_offset(p->r)};
  pthread_mutex_lock(&p->mu);
  p->tail++;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
}

static void *parse_thread(void *arg) {
  el_pipe *p = arg;
  el_block *b = free_block(p);
  el_line l;
  vigil_str line;
  while (b) {
    int rc = vigil_reader_getline(p->r, &line);
    if (rc == 0 || (rc < 0 && rc != VIGIL_ETOOBIG)) {
      b->end = 1;
      b->rc = rc;
      if (rc) b->n = 0; /* a read error: the block's edges are not stored */
      publish(p, b);
      return NULL;
    }
    int k = rc == VIGIL_ETOOBIG ? -1 : parse_line(line.ptr, line.len, &l);
    if (k == L_SKIP) continue;
    if (k != L_EDGE) {
      b->has_reject = 1;
      b->reject_pos = (vigil_srcpos){p->name, vigil_reader_line(p->r), vigil_reader_offset(p->r)};
      b->reject_field = k < 0 ? "line" : field_of(k, &l);
      b->reject_reason = k < 0 ? "line exceeds the reader's line cap" : reason_of(k);
      publish(p, b);
      b = free_block(p);
      continue;
    }
    vigil_edge *e = &b->edges[b->n++];
    *e = p->proto;
    memcpy(b->arena + b->used, l.src.ptr, l.src.len);
    e->src.platform_id = (vigil_str){b->arena + b->used, l.src.len};
    b->used += l.src.len;
    memcpy(b->arena + b->used, l.dst.ptr, l.dst.len);
    e->dst.platform_id = (vigil_str){b->arena + b->used, l.dst.len};
    b->used += l.dst.len;
    e->weight = l.weight;
    /* ids are at most 256 bytes each: closing the block while less than
     * 512 bytes remain keeps the next edge's copy in bounds */
    if (b->n == VIGIL_EDGE_BATCH || EL_ARENA - b->used < 2 * EL_MAX_ID) {
      publish(p, b);
      b = free_block(p);
    }
  }
  return NULL;
}

/* The caller's side of one block, as the single-thread loop did it: the
 * edges, the checkpoint after them, then the rejected line. */
static int consume(const el_block *b, const vigil_sink *sink, vigil_edge_batch_fn fn, void *ctx) {
  int rc;
  if (b->n) {
    if ((rc = fn(ctx, b->edges, b->n))) return rc;
    if (sink->checkpoint && (rc = sink->checkpoint(sink->ctx, &b->next))) return rc;
  }
  if (b->has_reject && (rc = reject(sink, &b->reject_pos, b->reject_field, b->reject_reason)))
    return rc;
  return b->end ? (b->rc ? b->rc : 1) : 0;
}

int vigil_parse_edgelist_batch(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink,
                               vigil_edge_batch_fn fn, void *fn_ctx) {
  if (!r || !o || !sink || !fn) return VIGIL_EINVAL;
  if (o->edge_kind < 0 || o->edge_kind >= VIGIL_EDGE_KIND_COUNT) return VIGIL_EINVAL;
  el_pipe *p = calloc(1, sizeof *p);
  if (!p) return VIGIL_ENOMEM;
  int rc = 0;
  for (int i = 0; i < N_BLOCKS && !rc; i++) {
    p->blocks[i].edges = malloc(VIGIL_EDGE_BATCH * sizeof *p->blocks[i].edges);
    p->blocks[i].arena = malloc(EL_ARENA);
    if (!p->blocks[i].edges || !p->blocks[i].arena) rc = VIGIL_ENOMEM;
  }
  pthread_t th;
  int started = 0;
  if (!rc) {
    p->r = r;
    p->name = vigil_reader_name(r);
    edge_defaults(&p->proto, o);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    started = pthread_create(&th, NULL, parse_thread, p) == 0;
    if (!started) rc = VIGIL_ENOMEM;
  }
  while (started) {
    pthread_mutex_lock(&p->mu);
    while (p->head == p->tail) pthread_cond_wait(&p->cv, &p->mu);
    el_block *b = &p->blocks[p->head % N_BLOCKS];
    pthread_mutex_unlock(&p->mu);
    rc = consume(b, sink, fn, fn_ctx);
    pthread_mutex_lock(&p->mu);
    p->head++;
    if (rc) p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (rc) break;
  }
  if (started) {
    pthread_join(th, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
  }
  if (rc == 1) rc = 0; /* the end block of a clean parse */
  for (int i = 0; i < N_BLOCKS; i++) {
    free(p->blocks[i].edges);
    free(p->blocks[i].arena);
  }
  free(p);
  return rc;
}
