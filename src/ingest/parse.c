/* Format names, parse options, dispatch and format detection. */
#include <string.h>

#include "vigil/error.h"
#include "vigil/parse.h"

static const char *const format_names[VIGIL_FORMAT_COUNT] = {
    "auto", "twarc2", "twitter-v1", "mastodon", "csv", "edgelist"};

const char *vigil_format_name(int fmt) {
  return fmt >= 0 && fmt < VIGIL_FORMAT_COUNT ? format_names[fmt] : NULL;
}

int vigil_format_parse(const char *name) {
  if (!name) return VIGIL_EINVAL;
  for (int i = 0; i < VIGIL_FORMAT_COUNT; i++)
    if (strcmp(name, format_names[i]) == 0) return i;
  return VIGIL_EINVAL;
}

void vigil_parse_opts_init(vigil_parse_opts *o) {
  memset(o, 0, sizeof *o);
  o->platform = VIGIL_STR_LIT("twitter");
  o->edge_kind = VIGIL_EDGE_FOLLOW;
  o->max_field = (uint64_t)1 << 20;
  o->observed_at = VIGIL_TIME_UNKNOWN;
}

/* 1 if the whole input is blank (peeks at most 64 KiB). */
static int input_blank(vigil_reader *r) {
  const char *p;
  size_t n;
  if (vigil_reader_peek(r, (size_t)64 << 10, &p, &n)) return 0;
  if (n == (size_t)64 << 10) return 0;
  for (size_t i = 0; i < n; i++)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return 0;
  return 1;
}

int vigil_parse(int format, vigil_reader *r, const vigil_parse_opts *o,
                const vigil_sink *sink) {
  if (!r || !sink) return VIGIL_EINVAL;
  vigil_parse_opts defaults;
  if (!o) {
    vigil_parse_opts_init(&defaults);
    o = &defaults;
  }
  if (format == VIGIL_FORMAT_AUTO) {
    format = vigil_detect_format(r);
    if (format == VIGIL_EFORMAT && input_blank(r)) return 0; /* nothing to read */
    if (format < 0) return format;
  }
  switch (format) {
  case VIGIL_FORMAT_TWARC2: return vigil_parse_twarc2(r, o, sink);
  case VIGIL_FORMAT_TWITTER_V1: return vigil_parse_twitter_v1(r, o, sink);
  case VIGIL_FORMAT_MASTODON: return vigil_parse_mastodon(r, o, sink);
  case VIGIL_FORMAT_CSV: return vigil_parse_csv(r, o, sink);
  case VIGIL_FORMAT_EDGELIST: return vigil_parse_edgelist(r, o, sink);
  default: return VIGIL_EINVAL;
  }
}

/* ---- detection --------------------------------------------------------------- */

/* How much of the input detection looks at: enough for a whole twarc2 page
 * header ("data" is first, but "__twarc" comes last), small enough to be
 * instant. */
#define DETECT_PEEK ((size_t)256 << 10)

/* Counts occurrences of "key" used as an object key (quote, key, quote,
 * optional blanks, colon) in p[0..n). */
static int key_seen(const char *p, size_t n, const char *key) {
  size_t kl = strlen(key);
  const char *e = p + n;
  const char *q = p;
  while (q < e) {
    const char *hit = memmem(q, (size_t)(e - q), key, kl);
    if (!hit) return 0;
    const char *after = hit + kl;
    if (hit > p && hit[-1] == '"' && after < e && *after == '"') {
      after++;
      while (after < e && (*after == ' ' || *after == '\t')) after++;
      if (after < e && *after == ':') return 1;
    }
    q = hit + 1;
  }
  return 0;
}

static int detect_json(const char *p, size_t n) {
  static const char *const t2[] = {"__twarc", "includes", "author_id",
                                   "edit_history_tweet_ids", "data"};
  static const char *const v1[] = {"id_str", "screen_name", "user"};
  static const char *const md[] = {"acct", "account", "reblog", "uri"};
  int s2 = 0, s1 = 0, sm = 0;
  for (size_t i = 0; i < sizeof t2 / sizeof *t2; i++) s2 += key_seen(p, n, t2[i]);
  for (size_t i = 0; i < sizeof v1 / sizeof *v1; i++) s1 += key_seen(p, n, v1[i]);
  for (size_t i = 0; i < sizeof md / sizeof *md; i++) sm += key_seen(p, n, md[i]);
  /* twarc2 pages embed v2 user objects whose keys overlap nothing above, but
   * flattened v2 tweets carry "author_id"; a v1.1 tweet never does. Mastodon
   * statuses carry "account"/"acct", which neither Twitter format has. */
  if (sm >= 2 && sm >= s1) return VIGIL_FORMAT_MASTODON;
  if (key_seen(p, n, "__twarc") || key_seen(p, n, "author_id") ||
      key_seen(p, n, "edit_history_tweet_ids"))
    return VIGIL_FORMAT_TWARC2;
  if (s1 >= 1 && s1 >= s2) return VIGIL_FORMAT_TWITTER_V1;
  if (s2 >= 1) return VIGIL_FORMAT_TWARC2;
  if (sm >= 1) return VIGIL_FORMAT_MASTODON;
  /* twarc2 compliance output: {"id":..,"action":..,"reason":..} */
  if (key_seen(p, n, "action") && key_seen(p, n, "id")) return VIGIL_FORMAT_TWARC2;
  return VIGIL_EFORMAT;
}

/* 2 or 3 blank-separated tokens */
static int edge_line(const char *p, size_t n) {
  int tokens = 0;
  size_t i = 0;
  while (i < n) {
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r')) i++;
    if (i >= n) break;
    tokens++;
    while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\r') i++;
  }
  return tokens == 2 || tokens == 3;
}

static int detect_text(const char *p, size_t n) {
  if (memchr(p, '\0', n)) return VIGIL_EFORMAT;
  /* only look at complete lines, unless the input is a single line */
  size_t lim = n;
  const char *last_nl = memrchr(p, '\n', n);
  if (last_nl) lim = (size_t)(last_nl - p) + 1;
  if (!vigil_utf8_valid(p, lim)) return VIGIL_EFORMAT;
  const char *e = p + lim;
  int first = 1, edge_lines = 0;
  for (const char *q = p; q < e;) {
    const char *nl = memchr(q, '\n', (size_t)(e - q));
    size_t len = nl ? (size_t)(nl - q) : (size_t)(e - q);
    if (len > 0 && q[len - 1] == '\r') len--;
    if (len > 0) {
      if (q[0] == '#' || q[0] == '%') {
        edge_lines++; /* SNAP / KONECT comments */
      } else if (first && memchr(q, ',', len)) {
        return VIGIL_FORMAT_CSV;
      } else if (edge_line(q, len)) {
        edge_lines++;
      } else {
        return VIGIL_EFORMAT;
      }
      first = 0;
      if (edge_lines >= 1000) break;
    }
    if (!nl) break;
    q = nl + 1;
  }
  return edge_lines > 0 ? VIGIL_FORMAT_EDGELIST : VIGIL_EFORMAT;
}

int vigil_detect_format(vigil_reader *r) {
  if (!r) return VIGIL_EINVAL;
  const char *p;
  size_t n;
  int rc = vigil_reader_peek(r, DETECT_PEEK, &p, &n);
  if (rc) return rc;
  size_t i = 0;
  /* a UTF-8 BOM, then blank lines */
  if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) i = 3;
  while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
  if (i >= n) return VIGIL_EFORMAT;
  if (p[i] == '{' || p[i] == '[') return detect_json(p + i, n - i);
  return detect_text(p + i, n - i);
}
