#include "ingest/json_common.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"

void *vj_alloc(vj *j, size_t n) {
  void *p = vjt_alloc(&j->arena, n);
  if (!p && !j->rc) j->rc = VIGIL_ENOMEM;
  return p;
}

/* ---- paths and faults ---------------------------------------------------------------- */

/* Keys pushed are literals or keys of the current line's tree: both outlive
 * the record, and the path is spelled out (vj_fail) before the line ends. */
void vj_push_key(vj *j, const char *key) {
  if (j->plen < VJ_SEG_MAX) j->seg[j->plen] = (struct vj_seg){key, 0};
  j->plen++;
}

void vj_push_idx(vj *j, size_t i) {
  if (j->plen < VJ_SEG_MAX) j->seg[j->plen] = (struct vj_seg){NULL, i};
  j->plen++;
}

static void path_append(char *out, size_t *len, const char *s, size_t n) {
  if (*len + n >= VJ_PATH_MAX) n = VJ_PATH_MAX - 1 - *len;
  memcpy(out + *len, s, n);
  *len += n;
  out[*len] = '\0';
}

/* "data[3].entities": keys joined with '.', indexes as "[i]" */
static void path_spell(const vj *j, char out[VJ_PATH_MAX]) {
  size_t len = 0, n = j->plen < VJ_SEG_MAX ? j->plen : VJ_SEG_MAX;
  out[0] = '\0';
  for (size_t k = 0; k < n; k++) {
    if (j->seg[k].key) {
      if (len) path_append(out, &len, ".", 1);
      path_append(out, &len, j->seg[k].key, strlen(j->seg[k].key));
    } else {
      char tmp[32];
      size_t t = sizeof tmp, i = j->seg[k].idx;
      tmp[--t] = ']';
      do tmp[--t] = (char)('0' + i % 10), i /= 10; while (i && t > 1);
      tmp[--t] = '[';
      path_append(out, &len, tmp + t, sizeof tmp - t);
    }
  }
}

int vj_fail(vj *j, const char *key, const char *reason) {
  if (j->bad) return VIGIL_ETYPE;
  j->bad = 1;
  size_t m = vj_mark(j);
  if (key) vj_push_key(j, key);
  path_spell(j, j->bad_path);
  vj_reset_path(j, m);
  snprintf(j->bad_reason, sizeof j->bad_reason, "%s", reason);
  return VIGIL_ETYPE;
}

int vj_reject(vj *j, const char *field, const char *reason) {
  if (!j->sink->reject) return 0;
  int rc = j->sink->reject(j->sink->ctx, &j->pos, field, reason);
  if (rc && !j->rc) j->rc = rc;
  return rc;
}

int vj_reject_record(vj *j) {
  return vj_reject(j, j->bad_path[0] ? j->bad_path : NULL, j->bad_reason);
}

int vj_reject_whole(vj *j, const char *reason) {
  vj_record_begin(j);
  vj_fail(j, NULL, reason);
  vj_reject_record(j);
  return j->rc;
}

/* ---- getters ------------------------------------------------------------------------------ */

/* Keys are short ASCII literals: two overlapping word compares beat a libc
 * call (never reading outside either key). */
static inline int key_eq(const char *a, const char *b, size_t n) {
  if (n >= 8) {
    if (n > 16) return memcmp(a, b, n) == 0;
    uint64_t x0, y0, x1, y1;
    memcpy(&x0, a, 8), memcpy(&y0, b, 8);
    memcpy(&x1, a + n - 8, 8), memcpy(&y1, b + n - 8, 8);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  if (n >= 4) {
    uint32_t x0, y0, x1, y1;
    memcpy(&x0, a, 4), memcpy(&y0, b, 4);
    memcpy(&x1, a + n - 4, 4), memcpy(&y1, b + n - 4, 4);
    return ((x0 ^ y0) | (x1 ^ y1)) == 0;
  }
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return 0;
  return 1;
}

const vjt_node *vj_getn(const vjt_node *obj, const char *key, size_t klen) {
  if (!obj || obj->type != VJT_OBJECT || klen == 0) return NULL;
  const char k0 = key[0];
  for (const vjt_node *c = vjt_child(obj); c; c = c->next) {
    /* lengths first: most members differ in length from the wanted key */
    if (vj_key_len(c) != klen || c->key[0] != k0 || !key_eq(c->key + 1, key + 1, klen - 1)) continue;
    return c->type == VJT_NULL ? NULL : c;
  }
  return NULL;
}

int vj_has(const vjt_node *obj, const char *key) {
  if (!obj || obj->type != VJT_OBJECT) return 0;
  size_t klen = strlen(key);
  for (const vjt_node *c = vjt_child(obj); c; c = c->next)
    if (vj_key_len(c) == klen && memcmp(c->key, key, klen) == 0) return 1;
  return 0;
}

int vj_check_len(vj *j, const char *key, const vjt_node *v, vigil_str *out) {
  size_t n = vj_str_len(v);
  if (n > j->max_field) {
    char why[64];
    snprintf(why, sizeof why, "field exceeds %" PRIu64 " bytes", j->max_field);
    *out = VIGIL_STR_NULL;
    return vj_fail(j, key, why);
  }
  *out = (vigil_str){v->u.str, n}; /* callers checked that v is a string */
  return 0;
}

/* The per-key-list tables of vj_collect: key lengths and, per (first byte,
 * length) bucket, the wanted keys it can hold. Building them cost more than
 * the member walk itself (profiled: ~1,000 instructions per user object), so
 * each thread keeps the last few, found by the addresses of the key
 * strings (literals: their addresses and contents never change). */
typedef struct {
  const char *kp[32];
  size_t n;
  uint8_t kl[32];
  uint32_t bucket[64];
} collect_plan;

enum { PLAN_CACHE = 16 };
static _Thread_local collect_plan plan_cache[PLAN_CACHE];
static _Thread_local unsigned plan_next;

static inline unsigned key_bucket(unsigned char first, size_t len) {
  return (first ^ (unsigned)(len * 7)) & 63;
}

static const collect_plan *collect_plan_for(const char *const *keys, size_t n) {
  for (unsigned i = 0; i < PLAN_CACHE; i++) {
    const collect_plan *pl = &plan_cache[i];
    if (pl->n != n || pl->kp[0] != keys[0]) continue;
    size_t k = 1;
    while (k < n && pl->kp[k] == keys[k]) k++;
    if (k == n) return pl;
  }
  collect_plan *pl = &plan_cache[plan_next++ % PLAN_CACHE];
  memcpy(pl->kp, keys, n * sizeof *keys);
  pl->n = n;
  memset(pl->bucket, 0, sizeof pl->bucket);
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(keys[i]);
    /* keys are short literals; a longer one can never match (kl is 8-bit) */
    pl->kl[i] = (uint8_t)(l > 255 ? 0 : l);
    if (pl->kl[i]) pl->bucket[key_bucket((unsigned char)keys[i][0], l)] |= 1u << i;
  }
  return pl;
}

void vj_collect(const vjt_node *obj, const char *const *keys, size_t n, const vjt_node **out) {
  for (size_t i = 0; i < n; i++) out[i] = NULL;
  if (!obj || obj->type != VJT_OBJECT || n == 0) return;
  if (n > 32) n = 32;
  /* one walk over the members; each member's (first byte, length) picks
   * the few wanted keys it can be, usually none or one (a member costs a
   * table lookup instead of a compare with every wanted key) */
  const collect_plan *pl = collect_plan_for(keys, n);
  for (const vjt_node *c = vjt_child(obj); c; c = c->next) {
    size_t l = vj_key_len(c);
    if (l == 0) continue;
    const char *s = c->key;
    for (uint32_t m = pl->bucket[key_bucket((unsigned char)s[0], l)]; m; m &= m - 1) {
      unsigned i = (unsigned)__builtin_ctz(m);
      if (pl->kl[i] != l || !key_eq(keys[i] + 1, s + 1, l - 1)) continue;
      if (!out[i] && c->type != VJT_NULL) out[i] = c;
      break;
    }
  }
}

/* A number as the double cJSON used to give (strtod of the text), so that
 * the id and count rules below keep their exact behaviour. Short integers
 * (at most 15 digits, hence exact) skip strtod. NaN when memory runs out,
 * which the callers' range checks turn into a fault. */
static double num_value(const vjt_node *v) {
  int64_t x;
  if ((v->flags & VJT_F_INT) && v->len <= 15 && vjt_num_i64(v, &x) == 0) return (double)x;
  double d;
  if (vjt_num_double(v, &d) != 0) return NAN;
  return d;
}

int vj_str_v(vj *j, const char *key, const vjt_node *v, vigil_str *out) {
  *out = VIGIL_STR_NULL;
  if (!v) return 0;
  if (v->type != VJT_STRING) return vj_fail(j, key, "expected a string");
  return vj_check_len(j, key, v, out);
}

int vj_str_ne_v(vj *j, const char *key, const vjt_node *v, vigil_str *out) {
  int rc = vj_str_v(j, key, v, out);
  if (!rc && out->ptr && out->len == 0) *out = VIGIL_STR_NULL;
  return rc;
}

int vj_id_v(vj *j, const char *key, const vjt_node *v, vigil_str *out) {
  *out = VIGIL_STR_NULL;
  if (!v) return 0;
  if (v->type == VJT_NUMBER) {
    /* only integers exact in a double are taken: larger ids must come as
     * strings (v1.1 id_str), so refuse rather than store a wrong id */
    double d = num_value(v);
    if (!(d >= 0 && d < 9007199254740992.0) || floor(d) != d)
      return vj_fail(j, key, "numeric id out of exact range");
    char *buf = vj_alloc(j, 24);
    if (!buf) return VIGIL_ENOMEM;
    int n = snprintf(buf, 24, "%" PRId64, (int64_t)d);
    *out = (vigil_str){buf, (size_t)n};
    return 0;
  }
  if (v->type != VJT_STRING) return vj_fail(j, key, "expected a string id");
  int rc = vj_check_len(j, key, v, out);
  if (rc) return rc;
  if (out->len == 0) {
    *out = VIGIL_STR_NULL;
    return vj_fail(j, key, "empty id");
  }
  return 0;
}

int vj_i64_v(vj *j, const char *key, const vjt_node *v, int64_t *out) {
  if (!v) return 0;
  if (v->type != VJT_NUMBER) return vj_fail(j, key, "expected a number");
  double d = num_value(v);
  if (!(d >= -9.2e18 && d <= 9.2e18) || floor(d) != d)
    return vj_fail(j, key, "expected an integer");
  *out = (int64_t)d;
  return 0;
}

int vj_bool_v(vj *j, const char *key, const vjt_node *v, int *out) {
  if (!v) return 0;
  if (v->type != VJT_TRUE && v->type != VJT_FALSE) return vj_fail(j, key, "expected true or false");
  *out = v->type == VJT_TRUE;
  return 0;
}

int vj_obj_v(vj *j, const char *key, const vjt_node *v, const vjt_node **out) {
  *out = NULL;
  if (!v) return 0;
  if (v->type != VJT_OBJECT) return vj_fail(j, key, "expected an object");
  *out = v;
  return 0;
}

int vj_arr_v(vj *j, const char *key, const vjt_node *v, const vjt_node **out) {
  *out = NULL;
  if (!v) return 0;
  if (v->type != VJT_ARRAY) return vj_fail(j, key, "expected an array");
  *out = v;
  return 0;
}

int vj_time_v(vj *j, const char *key, const vjt_node *v, int64_t *out) {
  vigil_str s;
  int rc = vj_str_v(j, key, v, &s);
  if (rc || !s.ptr) return rc;
  if (s.len == 0) return 0;
  if (vigil_time_parse_any(s, out) != 0) {
    *out = VIGIL_TIME_UNKNOWN;
    return vj_fail(j, key, "unparseable timestamp");
  }
  return 0;
}

int vj_str(vj *j, const vjt_node *obj, const char *key, vigil_str *out) {
  return vj_str_v(j, key, vj_get(obj, key), out);
}
int vj_str_ne(vj *j, const vjt_node *obj, const char *key, vigil_str *out) {
  return vj_str_ne_v(j, key, vj_get(obj, key), out);
}
int vj_id(vj *j, const vjt_node *obj, const char *key, vigil_str *out) {
  return vj_id_v(j, key, vj_get(obj, key), out);
}
int vj_i64(vj *j, const vjt_node *obj, const char *key, int64_t *out) {
  return vj_i64_v(j, key, vj_get(obj, key), out);
}
int vj_bool(vj *j, const vjt_node *obj, const char *key, int *out) {
  return vj_bool_v(j, key, vj_get(obj, key), out);
}
int vj_obj(vj *j, const vjt_node *obj, const char *key, const vjt_node **out) {
  return vj_obj_v(j, key, vj_get(obj, key), out);
}
int vj_arr(vj *j, const vjt_node *obj, const char *key, const vjt_node **out) {
  return vj_arr_v(j, key, vj_get(obj, key), out);
}
int vj_time(vj *j, const vjt_node *obj, const char *key, int64_t *out) {
  return vj_time_v(j, key, vj_get(obj, key), out);
}

/* ---- text ------------------------------------------------------------------------------------ */

static size_t put_utf8(char *o, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  return vjt_put_utf8(o, cp);
}

/* Decodes the entity at s[0] == '&'; returns bytes consumed (0 = not an
 * entity we know, emit '&' literally) and writes the text to o. */
static size_t decode_entity(const char *s, size_t n, char *o, size_t *olen) {
  static const struct { const char *name; const char *text; } named[] = {
      {"amp;", "&"}, {"lt;", "<"}, {"gt;", ">"}, {"quot;", "\""},
      {"apos;", "'"}, {"nbsp;", " "}};
  if (n >= 3 && s[1] == '#') {
    size_t i = 2;
    int hex = 0;
    if (i < n && (s[i] == 'x' || s[i] == 'X')) hex = 1, i++;
    uint32_t cp = 0;
    size_t digits = 0;
    for (; i < n && digits < 8; i++, digits++) {
      char c = s[i];
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else break;
      cp = cp * (hex ? 16u : 10u) + (uint32_t)d;
    }
    if (digits == 0 || i >= n || s[i] != ';') return 0;
    *olen = put_utf8(o, cp);
    return i + 1;
  }
  for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
    size_t l = strlen(named[k].name);
    if (n >= l + 1 && memcmp(s + 1, named[k].name, l) == 0) {
      *olen = strlen(named[k].text);
      memcpy(o, named[k].text, *olen);
      return l + 1;
    }
  }
  return 0;
}

/* tag name of "<...>" at s (without '<' or '/'), lowercased into name */
static void tag_name(const char *s, size_t n, char *name, size_t cap, int *closing) {
  size_t i = 1, k = 0;
  *closing = 0;
  if (i < n && s[i] == '/') *closing = 1, i++;
  while (i < n && k + 1 < cap) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) break;
    name[k++] = c;
    i++;
  }
  name[k] = '\0';
}

vigil_str vj_html_text(vj *j, vigil_str html) {
  if (!html.ptr) return VIGIL_STR_NULL;
  /* output never exceeds the input: every entity is at least as long as
   * its UTF-8 text (&#1; -> 3 bytes of U+FFFD fits in 4) and tags shrink */
  char *out = vj_alloc(j, html.len + 1);
  if (!out) return VIGIL_STR_NULL;
  const char *s = html.ptr;
  size_t n = html.len, o = 0;
  int saw_block = 0;
  for (size_t i = 0; i < n;) {
    char c = s[i];
    if (c == '<') {
      const char *gt = memchr(s + i, '>', n - i);
      if (!gt) { out[o++] = c; i++; continue; }
      char name[8];
      int closing;
      tag_name(s + i, (size_t)(gt - (s + i)), name, sizeof name, &closing);
      if (strcmp(name, "br") == 0) {
        out[o++] = '\n';
      } else if (strcmp(name, "p") == 0 && !closing && saw_block && o > 0) {
        /* paragraph break between <p>s; the first <p> adds nothing */
        out[o++] = '\n';
        if (o < html.len) out[o++] = '\n';
      }
      if (strcmp(name, "p") == 0) saw_block = 1;
      i = (size_t)(gt - s) + 1;
      continue;
    }
    if (c == '&') {
      char tmp[8];
      size_t tl = 0, used = decode_entity(s + i, n - i, tmp, &tl);
      if (used && tl <= used) {
        memcpy(out + o, tmp, tl);
        o += tl;
        i += used;
        continue;
      }
    }
    out[o++] = c;
    i++;
  }
  while (o > 0 && out[o - 1] == '\n') o--;
  out[o] = '\0';
  return (vigil_str){out, o};
}

vigil_str vj_url_host(vigil_str u) {
  if (!u.ptr) return VIGIL_STR_NULL;
  const char *p = u.ptr, *e = u.ptr + u.len;
  const char *sep = NULL;
  for (const char *q = p; q + 2 < e; q++)
    if (q[0] == ':' && q[1] == '/' && q[2] == '/') { sep = q + 3; break; }
  if (!sep) return VIGIL_STR_NULL;
  const char *h = sep;
  while (h < e && *h != '/' && *h != '?' && *h != '#') h++;
  /* drop userinfo and port */
  const char *at = memchr(sep, '@', (size_t)(h - sep));
  if (at) sep = at + 1;
  const char *colon = memchr(sep, ':', (size_t)(h - sep));
  if (colon) h = colon;
  if (h == sep) return VIGIL_STR_NULL;
  return (vigil_str){sep, (size_t)(h - sep)};
}

vigil_str vj_concat3(vj *j, vigil_str a, vigil_str b, vigil_str c) {
  size_t n = (a.ptr ? a.len : 0) + (b.ptr ? b.len : 0) + (c.ptr ? c.len : 0);
  char *buf = vj_alloc(j, n + 1);
  if (!buf) return VIGIL_STR_NULL;
  size_t o = 0;
  if (a.ptr) memcpy(buf + o, a.ptr, a.len), o += a.len;
  if (b.ptr) memcpy(buf + o, b.ptr, b.len), o += b.len;
  if (c.ptr) memcpy(buf + o, c.ptr, c.len), o += c.len;
  buf[o] = '\0';
  return (vigil_str){buf, o};
}

/* ---- emit ---------------------------------------------------------------------------------------- */

#define EMIT(cb, rec)                                           \
  do {                                                          \
    if (j->rc) return j->rc;                                    \
    if (!j->sink->cb) return 0;                                 \
    int rc_ = j->sink->cb(j->sink->ctx, &j->pos, rec);          \
    if (rc_) j->rc = rc_;                                       \
    return rc_;                                                 \
  } while (0)

int vj_emit_account(vj *j, const vigil_account *a) { EMIT(account, a); }
int vj_emit_post(vj *j, const vigil_post *p) { EMIT(post, p); }
int vj_emit_status(vj *j, const vigil_status_obs *s) { EMIT(status, s); }
int vj_emit_edge(vj *j, const vigil_edge *e) { EMIT(edge, e); }

/* ---- line loop ------------------------------------------------------------------------------------- */

static int is_blank(vigil_str l) {
  for (size_t i = 0; i < l.len; i++) {
    char c = l.ptr[i];
    if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') return 0;
  }
  return 1;
}

static int checkpoint(vj *j) {
  if (!j->sink->checkpoint) return 0;
  /* line = lines consumed, as vigil_reader_seek_line expects */
  vigil_srcpos next = {j->pos.file, vigil_reader_line(j->r), vigil_reader_next_offset(j->r)};
  return j->sink->checkpoint(j->sink->ctx, &next);
}

static int do_line(vj *j, vigil_str line, vj_line_fn fn) {
  if (is_blank(line)) return 0;
  if (!vigil_utf8_valid(line.ptr, line.len)) {
    vj_reject(j, "utf8", "invalid UTF-8");
    return j->rc;
  }
  /* a UTF-8 byte order mark: cJSON skipped it on every line, so do we */
  if (line.len >= 3 && memcmp(line.ptr, "\xEF\xBB\xBF", 3) == 0) line.ptr += 3, line.len -= 3;
  vjt_node *root;
  vjt_error err;
  int rc = vjt_parse(&j->arena, line.ptr, line.len, &root, &err);
  if (rc == VIGIL_ENOMEM) return j->rc = VIGIL_ENOMEM;
  if (rc) {
    char why[96];
    snprintf(why, sizeof why, "malformed JSON near byte %zu: %s", err.offset,
             err.reason ? err.reason : "malformed");
    vj_reject(j, NULL, why);
    return j->rc;
  }
  vj_reset_path(j, 0);
  rc = fn(j, root);
  return rc ? rc : j->rc;
}

int vj_run(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink,
           vigil_str platform, vj_line_fn fn, void *state) {
  vigil_parse_opts defaults;
  if (!o) {
    vigil_parse_opts_init(&defaults);
    o = &defaults;
  }
  vj j;
  memset(&j, 0, sizeof j);
  j.r = r;
  j.o = o;
  j.sink = sink;
  j.platform = platform;
  j.max_field = o->max_field ? o->max_field : ((uint64_t)1 << 20);
  j.state = state;
  j.pos.file = vigil_reader_name(r);
  int rc = 0;
  for (;;) {
    vigil_str line;
    int g = vigil_reader_getline(r, &line);
    if (g == 0) break;
    j.pos.line = vigil_reader_line(r);
    j.pos.offset = vigil_reader_offset(r);
    if (g == VIGIL_ETOOBIG) {
      vj_reject(&j, NULL, "record exceeds the line-size cap");
      rc = j.rc;
    } else if (g < 0) {
      rc = g;
    } else {
      rc = do_line(&j, line, fn);
    }
    vjt_arena_reset(&j.arena);
    if (rc) break;
    rc = checkpoint(&j);
    if (rc) break;
  }
  vjt_arena_free(&j.arena);
  return rc;
}

int vj_each_object(vj *j, const vjt_node *root, vj_line_fn fn) {
  if (root->type != VJT_ARRAY) return fn(j, root);
  size_t i = 0;
  for (const vjt_node *c = vjt_child(root); c && !j->rc; c = c->next, i++) {
    vj_reset_path(j, 0);
    vj_push_idx(j, i);
    fn(j, c);
  }
  return j->rc;
}
