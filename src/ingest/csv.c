/* CSV ingest (RFC 4180 with a header row naming the columns).
 *
 * Layouts: the Fifth Tribe "How ISIS Uses Twitter" export
 * (name,username,description,location,followers,numberstatuses,time,tweets),
 * the IsisFanboy re-release (name,username,tweetid,time,tweets), and generic
 * account / post / edge columns found by name (case-insensitive, aliases).
 *
 * Records: a quoted field may contain commas, doubled quotes and newlines, so
 * one record may span several physical lines; its position is the line where
 * it starts. Embedded CRLF becomes LF (the reader strips the CR). A quote
 * inside an unquoted field is kept literally, and bytes after a closing quote
 * are appended to the field (as Python's csv does): real exports contain both
 * and rejecting them would lose whole rows over one stray character.
 *
 * Limits: a record's unescaped size is capped at max(16 MiB reader line cap,
 * opts->max_field) and every field at opts->max_field (default 1 MiB); an
 * overlong record is rejected whole at its first line and parsing resumes
 * after it. A physical line the reader had to skip (longer than its cap)
 * inside a quoted field ends that record: we cannot see whether the skipped
 * bytes closed the quote, and resynchronising at the next line loses at most
 * that record instead of the rest of the file.
 *
 * Memory: one record buffer, one field table and the extraction arrays are
 * reused across records and freed before returning.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "vigil/error.h"
#include "vigil/parse.h"

#define CSV_MAX_COLUMNS 1024
#define CSV_DEFAULT_MAX_FIELD ((uint64_t)1 << 20)
#define TWITTER_NAME_MAX 15
#define HASHTAG_MAX_BYTES 280

/* Column roles, in the order of the alias table below. */
enum {
  COL_NONE = 0,
  COL_ACC_ID,
  COL_USERNAME,
  COL_NAME,
  COL_DESC,
  COL_LOCATION,
  COL_LANG,
  COL_FOLLOWERS,
  COL_FOLLOWING,
  COL_STATUSES,
  COL_CREATED,   /* "created_at": account or post time, decided per header */
  COL_ACC_CREATED,
  COL_VERIFIED,
  COL_POST_ID,
  COL_TEXT,
  COL_TIME,
  COL_SOURCE,    /* "source": edge source or post client, decided per header */
  COL_DEVICE,
  COL_SRC,
  COL_DST,
  COL_KIND,
  COL_WEIGHT,
  COL_PLATFORM,
  COL_COUNT
};

static const struct {
  const char *name;
  int role;
} aliases[] = {
    {"id", COL_ACC_ID},           {"user_id", COL_ACC_ID},
    {"account_id", COL_ACC_ID},   {"username", COL_USERNAME},
    {"screen_name", COL_USERNAME}, {"user", COL_USERNAME},
    {"name", COL_NAME},           {"display_name", COL_NAME},
    {"description", COL_DESC},    {"bio", COL_DESC},
    {"location", COL_LOCATION},   {"lang", COL_LANG},
    {"language", COL_LANG},       {"followers", COL_FOLLOWERS},
    {"followers_count", COL_FOLLOWERS}, {"following", COL_FOLLOWING},
    {"friends_count", COL_FOLLOWING}, {"following_count", COL_FOLLOWING},
    {"statuses", COL_STATUSES},   {"numberstatuses", COL_STATUSES},
    {"statuses_count", COL_STATUSES}, {"tweet_count", COL_STATUSES},
    {"created_at", COL_CREATED},  {"account_created", COL_ACC_CREATED},
    {"verified", COL_VERIFIED},   {"tweet_id", COL_POST_ID},
    {"post_id", COL_POST_ID},     {"status_id", COL_POST_ID},
    {"tweetid", COL_POST_ID},     {"text", COL_TEXT},
    {"tweet", COL_TEXT},          {"tweets", COL_TEXT},
    {"content", COL_TEXT},        {"time", COL_TIME},
    {"date", COL_TIME},           {"source", COL_SOURCE},
    {"device", COL_DEVICE},       {"src", COL_SRC},
    {"target", COL_DST},          {"dst", COL_DST},
    {"destination", COL_DST},     {"kind", COL_KIND},
    {"type", COL_KIND},           {"weight", COL_WEIGHT},
    {"platform", COL_PLATFORM},
};

/* Stable field names for sink->reject. */
static const char *const role_field[COL_COUNT] = {
    [COL_ACC_ID] = "id",          [COL_USERNAME] = "username",
    [COL_NAME] = "name",          [COL_DESC] = "description",
    [COL_LOCATION] = "location",  [COL_LANG] = "lang",
    [COL_FOLLOWERS] = "followers", [COL_FOLLOWING] = "following",
    [COL_STATUSES] = "statuses",  [COL_CREATED] = "created_at",
    [COL_ACC_CREATED] = "created_at", [COL_VERIFIED] = "verified",
    [COL_POST_ID] = "tweetid",    [COL_TEXT] = "text",
    [COL_TIME] = "time",          [COL_SOURCE] = "source",
    [COL_DEVICE] = "source",      [COL_SRC] = "src",
    [COL_DST] = "dst",            [COL_KIND] = "kind",
    [COL_WEIGHT] = "weight",      [COL_PLATFORM] = "platform",
};

typedef struct csv {
  vigil_reader *r;
  const vigil_parse_opts *o;
  const vigil_sink *sink;
  vigil_srcpos pos;
  size_t max_field, max_record;
  /* current record: unescaped bytes, fields as [off, off+len) */
  vigil_buf rec;
  size_t *foff, *flen;
  size_t nf, fcap;
  /* header */
  size_t ncols;
  int col[COL_COUNT]; /* column index + 1 for each role, 0 if absent */
  int created_is_post, source_is_edge, has_post, has_edge, has_account;
  /* extraction arrays (views into rec) */
  vigil_account_ref *mentions;
  size_t n_mentions, cap_mentions;
  vigil_str *tags;
  size_t n_tags, cap_tags;
  vigil_url *urls;
  size_t n_urls, cap_urls;
  char idbuf[40];
} csv;

/* ---- record reading ------------------------------------------------------- */

enum { REC_OK = 0, REC_TOOBIG, REC_UNTERMINATED, REC_LINE_TOOBIG, REC_COLUMNS };

static int push_field(csv *c, size_t off) {
  if (c->nf == c->fcap) {
    if (c->fcap >= CSV_MAX_COLUMNS) return VIGIL_ETOOBIG;
    size_t ncap = c->fcap ? c->fcap * 2 : 16;
    size_t *a = realloc(c->foff, ncap * sizeof *a);
    if (!a) return VIGIL_ENOMEM;
    c->foff = a;
    size_t *b = realloc(c->flen, ncap * sizeof *b);
    if (!b) return VIGIL_ENOMEM;
    c->flen = b;
    c->fcap = ncap;
  }
  c->foff[c->nf] = off;
  c->flen[c->nf] = 0;
  c->nf++;
  return 0;
}

/* Appends to the current record unless it already overflowed; overflow only
 * sets *over so the scan can go on to find the record's end. */
static int rec_append(csv *c, const char *p, size_t n, int *over) {
  if (*over) return 0;
  if (c->rec.len + n > c->max_record) {
    *over = 1;
    return 0;
  }
  return vigil_buf_append(&c->rec, p, n);
}

/* Reads one record. Returns 1 with *status set, 0 at end of input, or a
 * fatal error. c->pos is the record's first line. */
static int read_record(csv *c, int *status) {
  vigil_str line;
  int rc;
  *status = REC_OK;
  vigil_buf_clear(&c->rec);
  c->nf = 0;
  for (;;) {
    rc = vigil_reader_getline(c->r, &line);
    if (rc == 0) return 0;
    c->pos.line = vigil_reader_line(c->r);
    c->pos.offset = vigil_reader_offset(c->r);
    if (rc == VIGIL_ETOOBIG) {
      *status = REC_LINE_TOOBIG;
      return 1;
    }
    if (rc < 0) return rc;
    break;
  }
  int over = 0, too_many = 0;
  int quoted = 0; /* inside a quoted section of the current field */
  const char *p = line.ptr, *end = line.ptr + line.len;
  /* a UTF-8 BOM opens some exports; it precedes any quote of the 1st field */
  if (c->pos.offset == 0 && line.len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;
  if ((rc = push_field(c, 0))) return rc;
  int at_field_start = 1;
  for (;;) {
    if (quoted) {
      const char *q = memchr(p, '"', (size_t)(end - p));
      if (!q) {
        /* the quoted field goes on past this line */
        if ((rc = rec_append(c, p, (size_t)(end - p), &over))) return rc;
        if ((rc = rec_append(c, "\n", 1, &over))) return rc;
        rc = vigil_reader_getline(c->r, &line);
        if (rc == 0) {
          *status = REC_UNTERMINATED;
          goto done;
        }
        if (rc == VIGIL_ETOOBIG) {
          *status = REC_LINE_TOOBIG;
          return 1;
        }
        if (rc < 0) return rc;
        p = line.ptr;
        end = line.ptr + line.len;
        continue;
      }
      if ((rc = rec_append(c, p, (size_t)(q - p), &over))) return rc;
      p = q + 1;
      if (p < end && *p == '"') {
        if ((rc = rec_append(c, "\"", 1, &over))) return rc;
        p++;
        continue;
      }
      quoted = 0;
      continue;
    }
    if (at_field_start && p < end && *p == '"') {
      quoted = 1;
      at_field_start = 0;
      p++;
      continue;
    }
    at_field_start = 0;
    const char *comma = memchr(p, ',', (size_t)(end - p));
    const char *stop = comma ? comma : end;
    if ((rc = rec_append(c, p, (size_t)(stop - p), &over))) return rc;
    if (!comma) break;
    p = comma + 1;
    if (!over && !too_many) {
      c->flen[c->nf - 1] = c->rec.len - c->foff[c->nf - 1];
      rc = push_field(c, c->rec.len);
      if (rc == VIGIL_ETOOBIG) too_many = 1;
      else if (rc) return rc;
    }
    at_field_start = 1;
  }
done:
  if (!over && !too_many) c->flen[c->nf - 1] = c->rec.len - c->foff[c->nf - 1];
  if (over) *status = REC_TOOBIG;
  else if (too_many) *status = REC_COLUMNS;
  return 1;
}

static vigil_str field(const csv *c, size_t i) {
  return (vigil_str){c->rec.data + c->foff[i], c->flen[i]};
}

/* The field for a role, or absent when the header has no such column. */
static vigil_str role(const csv *c, int rl) {
  if (!c->col[rl]) return VIGIL_STR_NULL;
  return field(c, (size_t)c->col[rl] - 1);
}

static vigil_str trim(vigil_str s) {
  if (!s.ptr) return s;
  while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) s.ptr++, s.len--;
  while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
  return s;
}

/* Empty values count as absent: exports write "" for unknown cells. */
static vigil_str opt_field(vigil_str s) {
  if (s.ptr && s.len == 0) return VIGIL_STR_NULL;
  return s;
}

/* ---- sink helpers --------------------------------------------------------- */

static int do_reject(csv *c, const char *fld, const char *reason) {
  if (!c->sink->reject) return 0;
  return c->sink->reject(c->sink->ctx, &c->pos, fld, reason);
}

static int do_checkpoint(csv *c) {
  if (!c->sink->checkpoint) return 0;
  /* line = lines consumed so far, so vigil_reader_seek_line(offset, line)
   * resumes exactly after this record */
  vigil_srcpos next = {c->pos.file, vigil_reader_line(c->r), vigil_reader_next_offset(c->r)};
  return c->sink->checkpoint(c->sink->ctx, &next);
}

/* ---- header --------------------------------------------------------------- */

static int ieq(const char *a, size_t alen, const char *b) {
  size_t blen = strlen(b);
  if (alen != blen) return 0;
  for (size_t i = 0; i < alen; i++) {
    unsigned char x = (unsigned char)a[i];
    if (x >= 'A' && x <= 'Z') x = (unsigned char)(x - 'A' + 'a');
    if (x != (unsigned char)b[i]) return 0;
  }
  return 1;
}

static int parse_header(csv *c) {
  memset(c->col, 0, sizeof c->col);
  c->ncols = c->nf;
  for (size_t i = 0; i < c->nf; i++) {
    vigil_str h = trim(field(c, i));
    for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++) {
      if (ieq(h.ptr, h.len, aliases[k].name)) {
        /* first column wins when two alias the same role */
        if (!c->col[aliases[k].role]) c->col[aliases[k].role] = (int)i + 1;
        break;
      }
    }
  }
  /* "source" is an edge's source when there is a target column, else the
   * posting client; "created_at" is the post time in a post export that has
   * no other time column, else the account's creation time */
  c->source_is_edge = c->col[COL_DST] != 0;
  if (c->col[COL_SOURCE] && c->source_is_edge && !c->col[COL_SRC]) c->col[COL_SRC] = c->col[COL_SOURCE];
  if (c->col[COL_SOURCE] && !c->source_is_edge && !c->col[COL_DEVICE]) c->col[COL_DEVICE] = c->col[COL_SOURCE];
  c->col[COL_SOURCE] = 0;
  int posty = c->col[COL_TEXT] || c->col[COL_POST_ID];
  if (c->col[COL_CREATED]) {
    if (posty && !c->col[COL_TIME]) c->col[COL_TIME] = c->col[COL_CREATED];
    else if (!c->col[COL_ACC_CREATED]) c->col[COL_ACC_CREATED] = c->col[COL_CREATED];
  }
  c->col[COL_CREATED] = 0;
  c->has_edge = c->col[COL_SRC] && c->col[COL_DST];
  c->has_account = c->col[COL_USERNAME] || c->col[COL_ACC_ID];
  c->has_post = c->has_account && posty;
  if (!c->has_edge && !c->has_account) return VIGIL_EFORMAT;
  return 0;
}

/* ---- value parsing -------------------------------------------------------- */

/* Non-negative decimal count; empty -> unknown. */
static int parse_count(vigil_str s, int64_t *out) {
  *out = VIGIL_COUNT_UNKNOWN;
  s = trim(s);
  if (!s.ptr || s.len == 0) return 0;
  if (s.len > 18) return VIGIL_ERANGE;
  int64_t v = 0;
  for (size_t i = 0; i < s.len; i++) {
    unsigned d = (unsigned)((unsigned char)s.ptr[i] - '0');
    if (d > 9) return VIGIL_EPARSE;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

static int parse_bool(vigil_str s, int *out) {
  *out = -1;
  s = trim(s);
  if (!s.ptr || s.len == 0) return 0;
  if (ieq(s.ptr, s.len, "true") || ieq(s.ptr, s.len, "1") || ieq(s.ptr, s.len, "yes") ||
      ieq(s.ptr, s.len, "t")) {
    *out = 1;
    return 0;
  }
  if (ieq(s.ptr, s.len, "false") || ieq(s.ptr, s.len, "0") || ieq(s.ptr, s.len, "no") ||
      ieq(s.ptr, s.len, "f")) {
    *out = 0;
    return 0;
  }
  return VIGIL_EPARSE;
}

static int parse_time(vigil_str s, int64_t *out) {
  *out = VIGIL_TIME_UNKNOWN;
  s = trim(s);
  if (!s.ptr || s.len == 0) return 0;
  return vigil_time_parse_any(s, out);
}

static vigil_str strip_at(vigil_str s) {
  s = trim(s);
  if (s.ptr && s.len && s.ptr[0] == '@') s.ptr++, s.len--;
  return s;
}

/* ---- text extraction -------------------------------------------------------- */

static int is_word_ascii(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_';
}

/* Decodes one UTF-8 sequence (input already validated); returns its length. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp) {
  unsigned char b = p[0];
  if (b < 0x80 || n < 2) {
    *cp = b;
    return 1;
  }
  if (b < 0xE0) {
    *cp = ((uint32_t)(b & 0x1F) << 6) | (p[1] & 0x3F);
    return 2;
  }
  if (b < 0xF0 && n >= 3) {
    *cp = ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return 3;
  }
  if (n >= 4) {
    *cp = ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
          ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    return 4;
  }
  *cp = 0xFFFD;
  return 1;
}

/* Hashtag characters: ASCII [A-Za-z0-9_] and any non-ASCII code point except
 * spaces, punctuation and symbols from the blocks that occur in tweets
 * (Latin-1 punctuation, General Punctuation incl. the ellipsis that ends
 * truncated tweets, Arabic punctuation, arrows/shapes/dingbats, CJK and
 * fullwidth punctuation, emoji). ZWNJ/ZWJ stay in: Persian tags use them.
 * This approximates Unicode L/M/N without linking utf8proc into ingest. */
static int is_tag_cp(uint32_t cp) {
  if (cp < 0x80) return is_word_ascii((unsigned char)cp);
  if (cp <= 0xBF) return cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9 ||
                         cp == 0xBA || (cp >= 0xBC && cp <= 0xBE);
  if (cp == 0xD7 || cp == 0xF7) return 0;
  if (cp == 0x037E || cp == 0x0387) return 0;
  if (cp == 0x060C || cp == 0x060D || cp == 0x061B || cp == 0x061E || cp == 0x061F ||
      (cp >= 0x066A && cp <= 0x066D) || cp == 0x06D4 || cp == 0x06DD || cp == 0x06DE ||
      cp == 0x06E9)
    return 0;
  if (cp >= 0x2000 && cp <= 0x206F) return cp == 0x200C || cp == 0x200D;
  if (cp >= 0x20A0 && cp <= 0x20CF) return 0;             /* currency */
  if (cp >= 0x2100 && cp <= 0x2BFF) return 0;             /* symbols, arrows, shapes */
  if (cp >= 0x2E00 && cp <= 0x2E7F) return 0;             /* supplemental punctuation */
  if (cp >= 0x3000 && cp <= 0x303F) return cp == 0x3005 || cp == 0x3006 || cp == 0x303B;
  if (cp >= 0xFD3E && cp <= 0xFD3F) return 0;
  if (cp >= 0xFE00 && cp <= 0xFE0F) return 0;             /* variation selectors */
  if (cp >= 0xFE10 && cp <= 0xFE6F) return 0;             /* vertical/small forms */
  if (cp >= 0xFF00 && cp <= 0xFF0F) return 0;             /* fullwidth punctuation */
  if ((cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
      (cp >= 0xFF5B && cp <= 0xFF65))
    return 0;
  if (cp == 0xFEFF || cp == 0xFFFD || (cp >= 0xFFF0 && cp <= 0xFFFF)) return 0;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return 0;           /* emoji, pictographs */
  if (cp >= 0xE0000) return 0;                            /* tags, private use */
  return 1;
}

static int is_space_at(const unsigned char *p, size_t n, size_t *w) {
  *w = 1;
  if (p[0] == ' ' || p[0] == '\t' || p[0] == '\n' || p[0] == '\r' || p[0] == '\v' ||
      p[0] == '\f')
    return 1;
  if (p[0] < 0x80) return 0;
  uint32_t cp;
  *w = utf8_decode(p, n, &cp);
  return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

#define GROW(arr, n, cap)                                              \
  do {                                                                 \
    if ((n) == (cap)) {                                                \
      size_t ncap_ = (cap) ? (cap) * 2 : 16;                           \
      void *na_ = realloc((arr), ncap_ * sizeof *(arr));               \
      if (!na_) return VIGIL_ENOMEM;                                   \
      (arr) = na_;                                                     \
      (cap) = ncap_;                                                   \
    }                                                                  \
  } while (0)

static int name_ieq(vigil_str a, vigil_str b) {
  if (a.len != b.len) return 0;
  for (size_t i = 0; i < a.len; i++) {
    unsigned char x = (unsigned char)a.ptr[i], y = (unsigned char)b.ptr[i];
    if (x >= 'A' && x <= 'Z') x = (unsigned char)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (unsigned char)(y + 32);
    if (x != y) return 0;
  }
  return 1;
}

/* A Twitter username run at p (after '@'): 1..15 name chars, not longer. */
static size_t name_run(const unsigned char *p, const unsigned char *end) {
  size_t n = 0;
  while (p + n < end && is_word_ascii(p[n])) n++;
  return (n >= 1 && n <= TWITTER_NAME_MAX) ? n : 0;
}

static int add_mention(csv *c, vigil_str name) {
  for (size_t i = 0; i < c->n_mentions; i++)
    if (name_ieq(c->mentions[i].username, name)) return 0;
  GROW(c->mentions, c->n_mentions, c->cap_mentions);
  c->mentions[c->n_mentions++] = (vigil_account_ref){VIGIL_STR_NULL, name};
  return 0;
}

static int add_tag(csv *c, vigil_str t) {
  for (size_t i = 0; i < c->n_tags; i++)
    if (vigil_str_eq(c->tags[i], t)) return 0;
  GROW(c->tags, c->n_tags, c->cap_tags);
  c->tags[c->n_tags++] = t;
  return 0;
}

static int add_url(csv *c, vigil_str u) {
  for (size_t i = 0; i < c->n_urls; i++)
    if (vigil_str_eq(c->urls[i].url, u)) return 0;
  GROW(c->urls, c->n_urls, c->cap_urls);
  c->urls[c->n_urls++] = (vigil_url){u, VIGIL_STR_NULL};
  return 0;
}

static int prefix_ci(const unsigned char *p, const unsigned char *end, const char *pre) {
  size_t n = strlen(pre);
  if ((size_t)(end - p) < n) return 0;
  return ieq((const char *)p, n, pre);
}

/* Fills post->retweet_of and the mention/hashtag/URL arrays from the text. */
static int extract(csv *c, vigil_str text, vigil_post *post) {
  c->n_mentions = c->n_tags = c->n_urls = 0;
  const unsigned char *s = (const unsigned char *)text.ptr, *end = s + text.len;
  vigil_str rt = VIGIL_STR_NULL;
  if (text.len > 4 && memcmp(s, "RT @", 4) == 0) {
    size_t n = name_run(s + 4, end);
    if (n && s + 4 + n < end && s[4 + n] == ':') {
      rt = (vigil_str){(const char *)s + 4, n};
      post->retweet_of.username = rt;
    }
  }
  int rc;
  const unsigned char *p = s;
  while (p < end) {
    unsigned char ch = *p;
    int prev_word = p > s && (is_word_ascii(p[-1]));
    if (ch == '@' && !prev_word) {
      size_t n = name_run(p + 1, end);
      if (n) {
        /* the "RT @name:" prefix names the retweeted author, not a mention */
        if (!(rt.ptr && p == s + 3) && (rc = add_mention(c, (vigil_str){(const char *)p + 1, n})))
          return rc;
        p += 1 + n;
        continue;
      }
    } else if (ch == '#' && !prev_word && !(p > s && p[-1] == '&')) {
      const unsigned char *q = p + 1;
      int non_digit = 0;
      while (q < end) {
        uint32_t cp;
        size_t w = utf8_decode(q, (size_t)(end - q), &cp);
        if (!is_tag_cp(cp)) break;
        if (cp < '0' || cp > '9') non_digit = 1;
        q += w;
      }
      size_t n = (size_t)(q - p - 1);
      if (n && non_digit && n <= HASHTAG_MAX_BYTES &&
          (rc = add_tag(c, (vigil_str){(const char *)p + 1, n})))
        return rc;
      p = q > p + 1 ? q : p + 1;
      continue;
    } else if ((ch == 'h' || ch == 'H') && !prev_word &&
               (prefix_ci(p, end, "http://") || prefix_ci(p, end, "https://"))) {
      const unsigned char *q = p;
      size_t w;
      while (q < end && !is_space_at(q, (size_t)(end - q), &w)) {
        uint32_t cp;
        q += utf8_decode(q, (size_t)(end - q), &cp);
      }
      /* trailing sentence punctuation and the truncation ellipsis are not
       * part of the link */
      for (;;) {
        if (q > p && q[-1] != 0 && strchr(".,;:!?'\")]}>", q[-1])) {
          q--;
          continue;
        }
        if (q - p >= 3 && q[-3] == 0xE2 && q[-2] == 0x80 && q[-1] == 0xA6) {
          q -= 3;
          continue;
        }
        break;
      }
      size_t scheme = (p[4] == ':') ? 7 : 8;
      if ((size_t)(q - p) > scheme && (rc = add_url(c, (vigil_str){(const char *)p, (size_t)(q - p)})))
        return rc;
      p = q > p ? q : p + 1;
      continue;
    }
    p++;
  }
  post->mentions = c->mentions;
  post->n_mentions = c->n_mentions;
  post->hashtags = c->tags;
  post->n_hashtags = c->n_tags;
  post->urls = c->urls;
  post->n_urls = c->n_urls;
  return 0;
}

/* "csv:" + XXH3-128 of (lower(username), time, text): the same row always
 * gets the same id, so re-ingesting an id-less export is idempotent. */
static vigil_str content_id(csv *c, vigil_str user, int64_t t, vigil_str text) {
  XXH3_state_t st;
  XXH3_INITSTATE(&st);
  XXH3_128bits_reset(&st);
  XXH3_128bits_update(&st, "vigil-csv-v1", 13);
  char low[64];
  for (size_t i = 0; i < user.len;) {
    size_t k = 0;
    for (; k < sizeof low && i < user.len; k++, i++) {
      unsigned char x = (unsigned char)user.ptr[i];
      low[k] = (char)((x >= 'A' && x <= 'Z') ? x + 32 : x);
    }
    XXH3_128bits_update(&st, low, k);
  }
  char tb[32];
  int tn = t == VIGIL_TIME_UNKNOWN ? snprintf(tb, sizeof tb, "|?|") : snprintf(tb, sizeof tb, "|%lld|", (long long)t);
  XXH3_128bits_update(&st, tb, (size_t)tn);
  if (text.len) XXH3_128bits_update(&st, text.ptr, text.len);
  XXH128_hash_t h = XXH3_128bits_digest(&st);
  snprintf(c->idbuf, sizeof c->idbuf, "csv:%016llx%016llx", (unsigned long long)h.high64,
           (unsigned long long)h.low64);
  return (vigil_str){c->idbuf, 36};
}

/* ---- records -------------------------------------------------------------- */

static int emit_edge(csv *c) {
  vigil_edge e;
  memset(&e, 0, sizeof e);
  vigil_str pf = opt_field(trim(role(c, COL_PLATFORM)));
  e.platform = pf.ptr ? pf : c->o->platform;
  vigil_str ends[2] = {trim(role(c, COL_SRC)), trim(role(c, COL_DST))};
  vigil_account_ref *refs[2] = {&e.src, &e.dst};
  static const char *const names[2] = {"src", "dst"};
  for (int i = 0; i < 2; i++) {
    vigil_str v = ends[i];
    if (!v.len) return do_reject(c, names[i], "empty node id");
    /* "@name" names an account by username; anything else is an id */
    if (v.ptr[0] == '@') {
      v.ptr++, v.len--;
      if (!v.len) return do_reject(c, names[i], "empty username");
      *refs[i] = (vigil_account_ref){VIGIL_STR_NULL, v};
    } else {
      *refs[i] = (vigil_account_ref){v, VIGIL_STR_NULL};
    }
  }
  e.kind = c->o->edge_kind;
  vigil_str k = trim(role(c, COL_KIND));
  if (k.ptr && k.len) {
    char kb[32];
    if (k.len >= sizeof kb) return do_reject(c, "kind", "unknown edge kind");
    for (size_t i = 0; i < k.len; i++) {
      unsigned char x = (unsigned char)k.ptr[i];
      kb[i] = (char)((x >= 'A' && x <= 'Z') ? x + 32 : x);
    }
    kb[k.len] = 0;
    int kind = vigil_edge_kind_parse(kb);
    if (kind < 0) return do_reject(c, "kind", "unknown edge kind");
    e.kind = kind;
  }
  e.weight = 1;
  vigil_str w = trim(role(c, COL_WEIGHT));
  if (w.ptr && w.len) {
    int64_t v;
    if (parse_count(w, &v) || v < 1) return do_reject(c, "weight", "weight must be a positive integer");
    e.weight = v;
  }
  e.seen_at = c->o->observed_at;
  if (!c->sink->edge) return 0;
  return c->sink->edge(c->sink->ctx, &c->pos, &e);
}

static int handle_record(csv *c) {
  char msg[96];
  if (c->nf != c->ncols) {
    snprintf(msg, sizeof msg, "expected %zu fields, found %zu", c->ncols, c->nf);
    return do_reject(c, "columns", msg);
  }
  for (size_t i = 0; i < c->nf; i++) {
    if (c->flen[i] > c->max_field) {
      snprintf(msg, sizeof msg, "field %zu exceeds %zu bytes", i + 1, c->max_field);
      return do_reject(c, "size", msg);
    }
    if (!vigil_utf8_valid(c->rec.data + c->foff[i], c->flen[i]))
      return do_reject(c, "utf8", "invalid UTF-8");
  }
  if (c->has_edge) return emit_edge(c);

  vigil_account a;
  vigil_account_init(&a);
  vigil_str pf = opt_field(trim(role(c, COL_PLATFORM)));
  a.platform = pf.ptr ? pf : c->o->platform;
  a.platform_id = opt_field(trim(role(c, COL_ACC_ID)));
  a.username = opt_field(strip_at(role(c, COL_USERNAME)));
  if (!a.username.ptr && !a.platform_id.ptr)
    return do_reject(c, c->col[COL_USERNAME] ? "username" : "id", "empty username");
  a.display_name = opt_field(role(c, COL_NAME));
  a.description = opt_field(role(c, COL_DESC));
  a.location = opt_field(role(c, COL_LOCATION));
  a.lang = opt_field(trim(role(c, COL_LANG)));
  static const int count_roles[3] = {COL_FOLLOWERS, COL_FOLLOWING, COL_STATUSES};
  int64_t *counts[3] = {&a.followers, &a.following, &a.statuses};
  for (int i = 0; i < 3; i++) {
    if (parse_count(role(c, count_roles[i]), counts[i]))
      return do_reject(c, role_field[count_roles[i]], "not a non-negative integer");
  }
  if (parse_time(role(c, COL_ACC_CREATED), &a.created_at))
    return do_reject(c, "created_at", "unrecognised time");
  if (parse_bool(role(c, COL_VERIFIED), &a.verified))
    return do_reject(c, "verified", "expected true or false");

  vigil_post post;
  vigil_post_init(&post);
  if (c->has_post) {
    if (parse_time(role(c, COL_TIME), &post.created_at))
      return do_reject(c, "time", "unrecognised time");
    post.platform = a.platform;
    post.author = (vigil_account_ref){a.platform_id, a.username};
    post.text = role(c, COL_TEXT);
    if (!post.text.ptr) post.text = (vigil_str){"", 0};
    post.lang = a.lang;
    post.source = opt_field(trim(role(c, COL_DEVICE)));
    vigil_str pid = opt_field(trim(role(c, COL_POST_ID)));
    post.platform_id = pid.ptr ? pid
                               : content_id(c, a.username.ptr ? a.username : a.platform_id,
                                            post.created_at, post.text);
    int rc = extract(c, post.text, &post);
    if (rc) return rc;
  }
  /* the row's account goes first so the store knows the author */
  if (c->sink->account) {
    int rc = c->sink->account(c->sink->ctx, &c->pos, &a);
    if (rc) return rc;
  }
  if (c->has_post && c->sink->post) return c->sink->post(c->sink->ctx, &c->pos, &post);
  return 0;
}

int vigil_parse_csv(vigil_reader *r, const vigil_parse_opts *o, const vigil_sink *sink) {
  if (!r || !o || !sink) return VIGIL_EINVAL;
  csv c;
  memset(&c, 0, sizeof c);
  c.r = r;
  c.o = o;
  c.sink = sink;
  c.pos.file = vigil_reader_name(r);
  c.max_field = o->max_field ? (size_t)o->max_field : (size_t)CSV_DEFAULT_MAX_FIELD;
  c.max_record = VIGIL_READER_DEFAULT_MAX_LINE;
  if (c.max_record < c.max_field) c.max_record = c.max_field;
  vigil_buf_init(&c.rec);

  int rc, st;
  rc = read_record(&c, &st);
  if (rc <= 0) goto out; /* empty input: nothing to do */
  if (st != REC_OK || parse_header(&c)) {
    c.pos.line = 1;
    c.pos.offset = 0;
    rc = do_reject(&c, "header", st != REC_OK ? "header: unreadable header row"
                                              : "header: no account or edge columns");
    if (!rc) rc = VIGIL_EFORMAT;
    goto out;
  }
  if ((rc = do_checkpoint(&c))) goto out;
  for (;;) {
    rc = read_record(&c, &st);
    if (rc <= 0) break;
    rc = 0;
    if (st == REC_OK) {
      /* a blank line between records is not a record */
      if (!(c.nf == 1 && c.flen[0] == 0 && c.ncols > 1)) rc = handle_record(&c);
    } else if (st == REC_UNTERMINATED) {
      rc = do_reject(&c, "quote", "unterminated quoted field");
    } else if (st == REC_COLUMNS) {
      rc = do_reject(&c, "columns", "more than 1024 fields");
    } else if (st == REC_LINE_TOOBIG) {
      rc = do_reject(&c, "size", "line exceeds the reader's line cap");
    } else {
      char msg[96];
      snprintf(msg, sizeof msg, "record exceeds %zu bytes", c.max_record);
      rc = do_reject(&c, "size", msg);
    }
    if (rc) break;
    if ((rc = do_checkpoint(&c))) break;
  }
out:
  vigil_buf_release(&c.rec);
  free(c.foff);
  free(c.flen);
  free(c.mentions);
  free(c.tags);
  free(c.urls);
  return rc < 0 ? rc : (rc > 0 ? VIGIL_EINVAL : 0);
}
