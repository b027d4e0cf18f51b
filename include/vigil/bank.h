/* vigil/bank.h - banks of known content (PDQ/MD5/SHA-256 hashes, texts,
 * URLs) and matching against them. docs/match.md describes the formats.
 *
 * Ownership:
 *  - vigil_bank is a plain value filled by vigil_bank_find() (fixed-size
 *    strings inside; nothing to free).
 *  - vigil_bank_parse() calls back with borrowed views valid only during
 *    the callback; it allocates nothing that outlives the call.
 *  - vigil_bank_index_open() hands the caller an index to free with
 *    vigil_hindex_free().
 *  - vigil_matcher_open() allocates a matcher freed with vigil_matcher_free();
 *    the store it is given is borrowed and must outlive it. Hits handed to
 *    callbacks are borrowed (valid during the callback).
 *
 * The PDQ index of a bank is persisted next to the store as
 * DIR/<bank id>.hidx (vigil_hindex format) plus DIR/<bank id>.meta (bank
 * version and entry count it reflects); DIR is vigil_bank_index_dir(db).
 * A missing, corrupt or stale index is rebuilt from the store.
 */
#ifndef VIGIL_BANK_H
#define VIGIL_BANK_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"
#include "vigil/store.h"

typedef enum vigil_bank_kind {
  VIGIL_BANK_NONE = 0,
  VIGIL_BANK_PDQ,
  VIGIL_BANK_MD5,
  VIGIL_BANK_SHA256,
  VIGIL_BANK_TEXT,
  VIGIL_BANK_URL,
} vigil_bank_kind;

#define VIGIL_BANK_NAME_MAX 64    /* [A-Za-z0-9_.-], first char alphanumeric */
#define VIGIL_BANK_LABEL_MAX 256  /* bytes per label, entity, content type */
#define VIGIL_BANK_TEXT_MAX 65536 /* bytes per text entry */
#define VIGIL_BANK_DEFAULT_PDQ_THRESHOLD 31

const char *vigil_bank_kind_name(vigil_bank_kind k); /* "pdq", ...; "?" */
vigil_bank_kind vigil_bank_kind_parse(vigil_str s);  /* VIGIL_BANK_NONE if unknown */
/* 1 if the name is acceptable. */
int vigil_bank_name_ok(vigil_str name);

/* The stored form of one value: lowercase hex for hashes, the canonical
 * URL or "domain:HOST" for URLs, the text with surrounding whitespace
 * trimmed and CR/LF/TAB turned into spaces. On VIGIL_EPARSE / VIGIL_ETOOBIG
 * *reason (static) says why. out is cleared first. */
int vigil_bank_normalize(vigil_bank_kind kind, vigil_str in, vigil_buf *out, const char **reason);

/* ---- import formats ---------------------------------------------------- */
typedef struct vigil_bank_item {
  vigil_str value; /* normalised */
  vigil_str label, entity, content_type; /* ptr NULL when absent */
  uint64_t line;   /* 1-based line where the record starts */
} vigil_bank_item;

typedef struct vigil_bank_parse_cbs {
  int (*item)(void *ctx, const vigil_bank_item *it);
  /* a rejected record: field ("hash", "text", "url", "json", "csv") and a
   * static reason. Returning non-zero stops the parse. */
  int (*bad)(void *ctx, uint64_t line, const char *field, const char *reason);
  void *ctx;
} vigil_bank_parse_cbs;

/* Parses an import file held in memory. Formats (detected per file):
 *  - hash kinds: one hash per line (first field of "HASH[,|\t| ]more..."),
 *    or CSV with a header naming a "hash" column (optional label, entity,
 *    content_type columns);
 *  - url: one URL (or "domain:HOST") per line, or CSV with a "url" column;
 *  - text: JSON lines (objects with a string field `field`, default
 *    "text"), CSV whose header has `field`, else one text per line.
 * Blank lines and lines starting with '#' are skipped in line formats.
 * Returns 0 (bad records go to cbs->bad), VIGIL_EFORMAT for binary input
 * (NUL bytes), VIGIL_EMISSING when a CSV header lacks the column, or the
 * first non-zero callback return. */
int vigil_bank_parse(vigil_bank_kind kind, const char *data, size_t len, const char *field,
                     const vigil_bank_parse_cbs *cbs);

/* ---- banks in the store ------------------------------------------------- */
typedef struct vigil_bank {
  int64_t id;
  char name[VIGIL_BANK_NAME_MAX + 1];
  char label[VIGIL_BANK_LABEL_MAX + 1];
  vigil_bank_kind kind;
  int enabled;
  int64_t entries, version;
} vigil_bank;

/* VIGIL_ENOTFOUND if there is no such bank. */
int vigil_bank_find(vigil_store *s, vigil_str name, vigil_bank *out);

/* "<db path>.banks" (a "sqlite:" prefix is dropped). */
int vigil_bank_index_dir(const char *db_path, vigil_buf *out);

/* The PDQ index of a pdq bank: loaded from dir when it is intact and in step
 * with the store, else rebuilt from the store's entries and saved (when
 * save_dir is non-zero). *rebuilt (may be NULL) says which. */
struct vigil_hindex;
int vigil_bank_index_open(vigil_store *s, const char *dir, const vigil_bank *b, int save,
                          struct vigil_hindex **out, int *rebuilt);
/* Saves ix as the index of b at its current store version. */
int vigil_bank_index_save(vigil_store *s, const char *dir, const vigil_bank *b,
                          const struct vigil_hindex *ix);

typedef struct vigil_bank_import_stats {
  uint64_t records, added, updated, unchanged, rejected;
} vigil_bank_import_stats;

/* Adds items (already normalised, e.g. from vigil_bank_parse) to bank b in
 * batches, each batch in its own transaction, then brings the PDQ index in
 * step. Audited as actor. */
typedef struct vigil_bank_writer vigil_bank_writer;
int vigil_bank_writer_open(vigil_bank_writer **out, vigil_store *s, const char *dir,
                           const vigil_bank *b);
int vigil_bank_writer_add(vigil_bank_writer *w, const vigil_bank_item *it);
/* Flushes, updates the index, writes the audit entry (action
 * "bank.import", detail without content). Frees w in every case. */
int vigil_bank_writer_close(vigil_bank_writer *w, const char *actor, const char *what,
                            vigil_bank_import_stats *stats);
void vigil_bank_writer_abort(vigil_bank_writer *w);

/* Removes one entry (by id) and keeps the index in step; audited. */
int vigil_bank_remove_entry(vigil_store *s, const char *dir, const vigil_bank *b, int64_t entry,
                            const char *actor);

/* ---- matching ---------------------------------------------------------- */
typedef struct vigil_match_opts {
  int pdq_threshold;     /* Hamming distance, 0..256 (default 31) */
  double text_threshold; /* similarity 0..1 (default VIGIL_NEARDUP_DEFAULT_THRESHOLD) */
  size_t max_hits;       /* per query and bank, 0 = all */
  int threads;           /* PDQ batch queries (default 2) */
} vigil_match_opts;
void vigil_match_opts_default(vigil_match_opts *o);

typedef struct vigil_match_hit {
  const vigil_bank *bank;
  int64_t entry;
  double score; /* PDQ: distance; md5/sha256: 0; text: similarity; url: 1 */
  vigil_str value, label, entity, content_type; /* the entry (borrowed) */
} vigil_match_hit;
typedef int (*vigil_match_cb)(void *ctx, const vigil_match_hit *hit);

typedef struct vigil_matcher vigil_matcher;
/* Loads the named banks (ENOTFOUND names the first missing one in *missing,
 * which points into names), or every enabled bank when n_names == 0. PDQ
 * indexes come from dir (rebuilt and saved when stale); text banks are
 * indexed in memory from the store. */
int vigil_matcher_open(vigil_matcher **out, vigil_store *s, const char *dir,
                       const char *const *names, size_t n_names, const vigil_match_opts *o,
                       const char **missing);
void vigil_matcher_free(vigil_matcher *m);
/* Number of loaded banks of a kind. */
size_t vigil_matcher_count(const vigil_matcher *m, vigil_bank_kind kind);
size_t vigil_matcher_banks(const vigil_matcher *m, const vigil_bank **out);

int vigil_matcher_pdq(vigil_matcher *m, const uint8_t hash[32], vigil_match_cb cb, void *ctx);
/* n queries (n*32 bytes); cb gets the query index through qcb. */
typedef int (*vigil_match_qcb)(void *ctx, size_t query, const vigil_match_hit *hit);
int vigil_matcher_pdq_batch(vigil_matcher *m, const uint8_t *hashes, size_t n,
                            vigil_match_qcb cb, void *ctx);
/* Exact lookups: kind MD5 or SHA256, hex as normalised. */
int vigil_matcher_digest(vigil_matcher *m, vigil_bank_kind kind, vigil_str hex,
                         vigil_match_cb cb, void *ctx);
int vigil_matcher_text(vigil_matcher *m, vigil_str text, vigil_match_cb cb, void *ctx);
/* Canonical URL equality, or the URL's host equal to / under a domain:
 * entry. VIGIL_EPARSE if the URL cannot be parsed. */
int vigil_matcher_url(vigil_matcher *m, vigil_str url, vigil_match_cb cb, void *ctx);

/* Hashes an image file as `vigil hash` does (PDQ, MD5, SHA-256 of the
 * bytes). msg (optional) receives a reason on error. */
int vigil_match_hash_file(const char *path, uint8_t pdq[32], int *quality, char md5_hex[33],
                          char sha256_hex[65], vigil_buf *msg);

/* ---- reading input files ---------------------------------------------- */
/* A whole input file in memory: mapped for regular files, read for "-"
 * (stdin) and pipes. Initialise with VIGIL_BANK_FILE_INIT; close with
 * vigil_bank_file_close() (safe on a never-opened file). */
typedef struct vigil_bank_file {
  const char *data;
  size_t len;
  void *map;
  size_t map_len;
  vigil_buf buf;
} vigil_bank_file;
#define VIGIL_BANK_FILE_INIT {NULL, 0, NULL, 0, VIGIL_BUF_INIT}
#define VIGIL_BANK_FILE_MAX ((size_t)16 << 30) /* larger -> VIGIL_ETOOBIG */
/* VIGIL_ENOTFOUND, VIGIL_EIO (errno kept), VIGIL_ETOOBIG, VIGIL_EINVAL for
 * a directory. */
int vigil_bank_file_open(const char *path, vigil_bank_file *f);
void vigil_bank_file_close(vigil_bank_file *f);

#endif
