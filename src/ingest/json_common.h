/* src/ingest/json_common.h - private machinery shared by the JSON parsers
 * (twarc2, twitter-v1, mastodon).
 *
 * Ownership: a vj is a stack object owned by the parser's entry function.
 * All memory a parser needs for one input line (the JSON tree built by
 * json_tree.c, scratch arrays, HTML-stripped strings) comes from a per-parse
 * arena that is reset after each line and freed by vj_run() before it
 * returns, so records handed to the sink are views valid only during the
 * callback (as model.h says). Strings without escapes are views into the
 * reader's line buffer, which stays valid until the next getline, i.e. for
 * the whole line. Nothing here is global: parsers may run in several
 * threads at once.
 */
#ifndef VIGIL_INGEST_JSON_COMMON_H
#define VIGIL_INGEST_JSON_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ingest/json_tree.h"

#include "vigil/model.h"
#include "vigil/parse.h"
#include "vigil/reader.h"

#define VJ_PATH_MAX 256
#define VJ_SEG_MAX 32

typedef struct vj {
  vigil_reader *r;
  const vigil_parse_opts *o;
  const vigil_sink *sink;
  vigil_srcpos pos;
  vigil_str platform;
  uint64_t max_field;
  vjt_arena arena;
  /* field path of the value being read, e.g. "data[3].entities", kept as
   * segments (a key or an index each) and spelled out only when a fault is
   * reported: writing the text for every value cost 1% of an ingest */
  struct vj_seg {
    const char *key; /* NULL: an index */
    size_t idx;
  } seg[VJ_SEG_MAX];
  size_t plen; /* segments pushed (only the first VJ_SEG_MAX are kept) */
  /* first fault of the current record */
  int bad;
  char bad_path[VJ_PATH_MAX];
  char bad_reason[96];
  int rc; /* fatal error (sink abort / ENOMEM); stops the parse */
  void *state; /* the format parser's own per-line state */
} vj;

/* One parsed line: root is the whole JSON value (object or array). The
 * callback returns 0 or a fatal code (normally j->rc). */
typedef int (*vj_line_fn)(vj *j, const vjt_node *root);

/* The line loop: reader -> UTF-8 check -> vjt_parse (arena) -> fn -> checkpoint.
 * Rejects over-long lines, invalid UTF-8 and malformed JSON itself. */
int vj_run(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink,
           vigil_str platform, vj_line_fn fn, void *state);

/* Calls fn on root, or on each element of root when it is an array (the
 * APIs return both shapes), with the field path set to "[i]". Stops at a
 * fatal error; returns j->rc or fn's result. */
int vj_each_object(vj *j, const vjt_node *root, vj_line_fn fn);

/* Arena allocation (16-byte aligned, not zeroed); NULL on OOM
 * (and j->rc is set to VIGIL_ENOMEM). Valid until the end of the line. */
void *vj_alloc(vj *j, size_t n);

/* ---- field paths ---------------------------------------------------------- */
static inline size_t vj_mark(const vj *j) { return j->plen; }
static inline void vj_reset_path(vj *j, size_t m) { j->plen = m; }
void vj_push_key(vj *j, const char *key);
void vj_push_idx(vj *j, size_t i);

/* Starts a new record (clears the fault state). */
static inline void vj_record_begin(vj *j) { j->bad = 0; }
/* Notes a fault at path + "." + key (key may be NULL). Only the first fault
 * of a record is kept. Always returns VIGIL_ETYPE for `return vj_fail(...)`. */
int vj_fail(vj *j, const char *key, const char *reason);
/* Reports the record's fault to the sink; returns the sink's code. */
int vj_reject_record(vj *j);
/* Rejects at an explicit field (NULL allowed). Sets j->rc on abort. */
int vj_reject(vj *j, const char *field, const char *reason);
/* Rejects a whole record at the current path (e.g. a line that is not an
 * object); returns j->rc, for `return vj_reject_whole(j, "...")`. */
int vj_reject_whole(vj *j, const char *reason);

/* ---- typed getters -------------------------------------------------------------
 * A missing key and JSON null both mean "absent" and are not faults. A
 * present value of the wrong type records a fault (vj_fail) and returns
 * VIGIL_ETYPE; callers keep going (so that the first fault is reported) and
 * check j->bad at the end of the record. */
const vjt_node *vj_getn(const vjt_node *obj, const char *key, size_t klen);
/* NULL if absent/null; inline so that strlen of a literal key folds */
static inline const vjt_node *vj_get(const vjt_node *obj, const char *key) {
  return vj_getn(obj, key, strlen(key));
}
int vj_str(vj *j, const vjt_node *obj, const char *key, vigil_str *out);
/* Like vj_str but "" becomes absent (for URLs and ids). */
int vj_str_ne(vj *j, const vjt_node *obj, const char *key, vigil_str *out);
/* An id: a non-empty string, or an integral number below 2^53 (formatted). */
int vj_id(vj *j, const vjt_node *obj, const char *key, vigil_str *out);
int vj_i64(vj *j, const vjt_node *obj, const char *key, int64_t *out); /* keeps *out if absent */
int vj_bool(vj *j, const vjt_node *obj, const char *key, int *out);   /* keeps *out if absent */
int vj_obj(vj *j, const vjt_node *obj, const char *key, const vjt_node **out);
int vj_arr(vj *j, const vjt_node *obj, const char *key, const vjt_node **out);
/* Timestamp in any vigil_time_parse_any form; bad text is a fault. */
int vj_time(vj *j, const vjt_node *obj, const char *key, int64_t *out);
/* The same on a value already looked up (v may be NULL = absent); key only
 * names the field in a fault. */
int vj_str_v(vj *j, const char *key, const vjt_node *v, vigil_str *out);
int vj_str_ne_v(vj *j, const char *key, const vjt_node *v, vigil_str *out);
int vj_id_v(vj *j, const char *key, const vjt_node *v, vigil_str *out);
int vj_i64_v(vj *j, const char *key, const vjt_node *v, int64_t *out);
int vj_bool_v(vj *j, const char *key, const vjt_node *v, int *out);
int vj_obj_v(vj *j, const char *key, const vjt_node *v, const vjt_node **out);
int vj_arr_v(vj *j, const char *key, const vjt_node *v, const vjt_node **out);
int vj_time_v(vj *j, const char *key, const vjt_node *v, int64_t *out);
/* 1 if obj has a member named key, even a null one. */
int vj_has(const vjt_node *obj, const char *key);
/* Looks up n keys of obj in one walk over its members: out[i] is the value
 * of keys[i] or NULL (absent or JSON null). Keys must be non-empty string
 * literals, at most 32 of them (their addresses identify the cached lookup
 * tables, so a key's contents must never change). */
void vj_collect(const vjt_node *obj, const char *const *keys, size_t n, const vjt_node **out);
/* Checks a string value (already known to be a string) against max_field. */
int vj_check_len(vj *j, const char *key, const vjt_node *v, vigil_str *out);

/* ---- text helpers ------------------------------------------------------------- */
/* Plain text of an HTML fragment (Mastodon content/note, v1 "source"): tags
 * dropped, <br> and paragraph ends become newlines, common entities decoded.
 * The result is valid UTF-8 if the input is. Arena-allocated. */
vigil_str vj_html_text(vj *j, vigil_str html);
/* Host part of an http(s) URL, or absent. A view into u. */
vigil_str vj_url_host(vigil_str u);
/* Arena copy of a + b + c (absent parts skipped). */
vigil_str vj_concat3(vj *j, vigil_str a, vigil_str b, vigil_str c);

/* ---- emitting (each sets j->rc and returns it on a sink abort) ---------------- */
int vj_emit_account(vj *j, const vigil_account *a);
int vj_emit_post(vj *j, const vigil_post *p);
int vj_emit_status(vj *j, const vigil_status_obs *s);
int vj_emit_edge(vj *j, const vigil_edge *e);

static inline int vj_is_object(const vjt_node *v) { return v && v->type == VJT_OBJECT; }
static inline int vj_is_array(const vjt_node *v) { return v && v->type == VJT_ARRAY; }
static inline int vj_is_string(const vjt_node *v) { return v && v->type == VJT_STRING; }

/* Length of a string or key as the cJSON-based parsers saw it: a decoded
 * U+0000 ended the C string there. Kept so that records do not change. */
static inline size_t vj_str_len(const vjt_node *v) {
  /* only strings carry VJT_F_STR_NUL */
  return (v->flags & VJT_F_STR_NUL) ? strlen(v->u.str) : v->len;
}
static inline size_t vj_key_len(const vjt_node *v) {
  /* a long key is a NUL-terminated copy */
  return (v->flags & (VJT_F_KEY_NUL | VJT_F_KEY_LONG)) ? strlen(v->key) : v->key_len;
}

static inline vigil_str vj_sv(const vjt_node *v) {
  return vj_is_string(v) ? (vigil_str){v->u.str, vj_str_len(v)} : VIGIL_STR_NULL;
}

#endif
