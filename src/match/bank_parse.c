/* Bank import formats: value normalisation and format detection/parsing.
 * Pure functions over memory (no store), so the fuzzer can drive them. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "text/csvmini.h"
#include "vigil/bank.h"
#include "vigil/error.h"
#include "vigil/text.h"
#include "vigil/url.h"

static const char *const kind_names[] = {"?", "pdq", "md5", "sha256", "text", "url"};

const char *vigil_bank_kind_name(vigil_bank_kind k) {
  return (unsigned)k < sizeof kind_names / sizeof *kind_names ? kind_names[k] : "?";
}

vigil_bank_kind vigil_bank_kind_parse(vigil_str s) {
  for (int k = VIGIL_BANK_PDQ; k <= VIGIL_BANK_URL; k++)
    if (s.ptr && vigil_str_eq_c(s, kind_names[k])) return (vigil_bank_kind)k;
  return VIGIL_BANK_NONE;
}

int vigil_bank_name_ok(vigil_str name) {
  if (!name.ptr || !name.len || name.len > VIGIL_BANK_NAME_MAX) return 0;
  if (!isalnum((unsigned char)name.ptr[0])) return 0;
  for (size_t i = 0; i < name.len; i++) {
    unsigned char c = (unsigned char)name.ptr[i];
    if (!isalnum(c) && c != '_' && c != '-' && c != '.') return 0;
  }
  return 1;
}

static vigil_str trim(vigil_str s) {
  while (s.len && isspace((unsigned char)s.ptr[0])) s.ptr++, s.len--;
  while (s.len && isspace((unsigned char)s.ptr[s.len - 1])) s.len--;
  return s;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int norm_hex(vigil_str in, size_t want, vigil_buf *out, const char **reason) {
  for (size_t i = 0; i < in.len; i++)
    if (hexval((unsigned char)in.ptr[i]) < 0) {
      *reason = "not hexadecimal";
      return VIGIL_EPARSE;
    }
  if (in.len != want) {
    *reason = want == 32 ? "wrong length (want 32 hex digits)" : "wrong length (want 64 hex digits)";
    return VIGIL_EPARSE;
  }
  int rc = vigil_buf_reserve(out, want);
  if (rc) return rc;
  for (size_t i = 0; i < want; i++) out->data[i] = (char)tolower((unsigned char)in.ptr[i]);
  out->len = want;
  out->data[want] = '\0';
  return 0;
}

int vigil_bank_normalize(vigil_bank_kind kind, vigil_str in, vigil_buf *out, const char **reason) {
  static const char *dummy;
  if (!reason) reason = &dummy;
  *reason = NULL;
  vigil_buf_clear(out);
  if (!in.ptr) in = VIGIL_STR_LIT("");
  in = trim(in);
  if (!in.len) {
    *reason = "empty";
    return VIGIL_EPARSE;
  }
  switch (kind) {
    case VIGIL_BANK_PDQ:
    case VIGIL_BANK_SHA256: return norm_hex(in, 64, out, reason);
    case VIGIL_BANK_MD5: return norm_hex(in, 32, out, reason);
    case VIGIL_BANK_URL: {
      int rc;
      if (in.len > VIGIL_URL_MAX) {
        *reason = "URL too long";
        return VIGIL_ETOOBIG;
      }
      if (in.len > 7 && strncasecmp(in.ptr, "domain:", 7) == 0) {
        vigil_str host = trim((vigil_str){in.ptr + 7, in.len - 7});
        vigil_buf u = VIGIL_BUF_INIT, d = VIGIL_BUF_INIT;
        for (size_t i = 0; i < host.len; i++)
          if (host.ptr[i] == '/' || host.ptr[i] == '?' || host.ptr[i] == '#' ||
              host.ptr[i] == '@' || isspace((unsigned char)host.ptr[i])) {
            *reason = "domain entry with a path or other URL parts";
            return VIGIL_EPARSE;
          }
        rc = vigil_buf_printf(&u, "http://%.*s/", (int)host.len, host.ptr);
        if (!rc) rc = vigil_url_domain(vigil_buf_view(&u), &d);
        if (!rc && !d.len) rc = VIGIL_EPARSE;
        if (!rc) rc = vigil_buf_printf(out, "domain:%s", d.data);
        vigil_buf_release(&u);
        vigil_buf_release(&d);
        if (rc == VIGIL_EPARSE || rc == VIGIL_ETOOBIG) *reason = "not a domain name";
        return rc;
      }
      rc = vigil_url_canonical(in, out);
      if (rc == VIGIL_EPARSE || rc == VIGIL_ETOOBIG) *reason = "not a URL";
      return rc;
    }
    case VIGIL_BANK_TEXT: {
      if (in.len > VIGIL_BANK_TEXT_MAX) {
        *reason = "text too long";
        return VIGIL_ETOOBIG;
      }
      /* texts are stored on one line (exports are line-based) */
      int rc = vigil_buf_append(out, in.ptr, in.len);
      if (rc) return rc;
      for (size_t i = 0; i < out->len; i++)
        if (out->data[i] == '\r' || out->data[i] == '\n' || out->data[i] == '\t')
          out->data[i] = ' ';
      vigil_buf norm = VIGIL_BUF_INIT;
      rc = vigil_text_normalize(vigil_buf_view(out), 0, &norm);
      vigil_buf_release(&norm);
      if (rc == VIGIL_EUTF8) *reason = "invalid UTF-8";
      if (rc) vigil_buf_clear(out);
      return rc;
    }
    default: *reason = "unknown bank kind"; return VIGIL_EINVAL;
  }
}

/* ---- parsing ---------------------------------------------------------- */

typedef struct pstate {
  vigil_bank_kind kind;
  const vigil_bank_parse_cbs *cbs;
  vigil_buf val;
  const char *field; /* the value column / JSON key */
} pstate;

static const char *field_name(vigil_bank_kind k) {
  return k == VIGIL_BANK_TEXT ? "text" : k == VIGIL_BANK_URL ? "url" : "hash";
}

static int bounded(vigil_str s) {
  return s.ptr && s.len && s.len <= VIGIL_BANK_LABEL_MAX;
}

/* Normalises and hands one record over; bad values go to cbs->bad. */
static int emit(pstate *p, uint64_t line, vigil_str raw, vigil_str label, vigil_str entity,
                vigil_str ctype) {
  const char *reason = NULL;
  int rc = vigil_bank_normalize(p->kind, raw, &p->val, &reason);
  if (rc == VIGIL_ENOMEM) return rc;
  if (rc) return p->cbs->bad(p->cbs->ctx, line, field_name(p->kind), reason ? reason : "invalid");
  vigil_str lab[3] = {trim(label), trim(entity), trim(ctype)};
  for (int i = 0; i < 3; i++) {
    if (lab[i].ptr && lab[i].len > VIGIL_BANK_LABEL_MAX)
      return p->cbs->bad(p->cbs->ctx, line, "label", "label longer than 256 bytes");
    if (!bounded(lab[i])) lab[i] = VIGIL_STR_NULL;
    for (size_t j = 0; lab[i].ptr && j < lab[i].len; j++)
      if ((unsigned char)lab[i].ptr[j] < 0x20)
        return p->cbs->bad(p->cbs->ctx, line, "label", "control character in label");
  }
  vigil_bank_item it = {vigil_buf_view(&p->val), lab[0], lab[1], lab[2], line};
  return p->cbs->item(p->cbs->ctx, &it);
}

static uint64_t count_nl(const char *a, const char *b) {
  uint64_t n = 0;
  for (; a < b; a++) n += *a == '\n';
  return n;
}

static int col_is(vigil_str f, const char *name) {
  f = trim(f);
  if (f.len >= 3 && memcmp(f.ptr, "\xEF\xBB\xBF", 3) == 0) f.ptr += 3, f.len -= 3; /* BOM */
  return f.len == strlen(name) && strncasecmp(f.ptr, name, f.len) == 0;
}

/* CSV from data (a header line first). */
static int parse_csv(pstate *p, const char *data, size_t len, uint64_t line0) {
  vigil_csvmini c;
  vigil_csvmini_init(&c, data, len);
  int rc = vigil_csvmini_next(&c);
  int vcol = -1, lcol = -1, ecol = -1, ccol = -1;
  if (rc == 1)
    for (size_t i = 0; i < c.nf; i++) {
      if (vcol < 0 && col_is(c.f[i], p->field)) vcol = (int)i;
      else if (lcol < 0 && col_is(c.f[i], "label")) lcol = (int)i;
      else if (ecol < 0 && col_is(c.f[i], "entity")) ecol = (int)i;
      else if (ccol < 0 && col_is(c.f[i], "content_type")) ccol = (int)i;
    }
  if (rc < 0) {
    vigil_csvmini_release(&c);
    return rc == VIGIL_EPARSE ? VIGIL_EMISSING : rc; /* not a CSV header */
  }
  if (vcol < 0) {
    vigil_csvmini_release(&c);
    return VIGIL_EMISSING;
  }
  uint64_t line = line0 + count_nl(data, data + c.pos);
  for (;;) {
    size_t start = c.pos;
    rc = vigil_csvmini_next(&c);
    if (rc == 0) break;
    if (rc < 0) {
      if (rc == VIGIL_EPARSE) rc = p->cbs->bad(p->cbs->ctx, line, "csv", "unterminated quote");
      break;
    }
    uint64_t here = line;
    line += count_nl(data + start, data + c.pos);
    if (c.nf == 1 && trim(c.f[0]).len == 0) continue; /* blank line */
    if ((size_t)vcol >= c.nf) {
      rc = p->cbs->bad(p->cbs->ctx, here, field_name(p->kind), "missing column");
    } else {
      vigil_str l = lcol >= 0 && (size_t)lcol < c.nf ? c.f[lcol] : VIGIL_STR_NULL;
      vigil_str e = ecol >= 0 && (size_t)ecol < c.nf ? c.f[ecol] : VIGIL_STR_NULL;
      vigil_str t = ccol >= 0 && (size_t)ccol < c.nf ? c.f[ccol] : VIGIL_STR_NULL;
      rc = emit(p, here, c.f[vcol], l, e, t);
    }
    if (rc) break;
  }
  vigil_csvmini_release(&c);
  return rc;
}

static vigil_str json_str(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  if (!cJSON_IsString(v) || !v->valuestring) return VIGIL_STR_NULL;
  return vigil_str_c(v->valuestring);
}

static int parse_jsonl_line(pstate *p, uint64_t line, vigil_str s) {
  cJSON *o = cJSON_ParseWithLength(s.ptr, s.len);
  int rc;
  if (!o || !cJSON_IsObject(o)) rc = p->cbs->bad(p->cbs->ctx, line, "json", "not a JSON object");
  else {
    vigil_str v = json_str(o, p->field);
    if (!v.ptr) rc = p->cbs->bad(p->cbs->ctx, line, field_name(p->kind), "missing string field");
    else
      rc = emit(p, line, v, json_str(o, "label"), json_str(o, "entity"),
                json_str(o, "content_type"));
  }
  cJSON_Delete(o);
  return rc;
}

/* The first field of a hash line: up to a comma, tab, space or ';'. */
static vigil_str first_field(vigil_str s) {
  size_t i = 0;
  while (i < s.len && s.ptr[i] != ',' && s.ptr[i] != '\t' && s.ptr[i] != ' ' && s.ptr[i] != ';')
    i++;
  return (vigil_str){s.ptr, i};
}

int vigil_bank_parse(vigil_bank_kind kind, const char *data, size_t len, const char *field,
                     const vigil_bank_parse_cbs *cbs) {
  if (kind < VIGIL_BANK_PDQ || kind > VIGIL_BANK_URL || !cbs || !cbs->item || !cbs->bad)
    return VIGIL_EINVAL;
  if (!data) len = 0;
  if (len && memchr(data, '\0', len)) return VIGIL_EFORMAT;
  pstate p = {kind, cbs, VIGIL_BUF_INIT, field && *field ? field : field_name(kind)};
  int rc = 0, mode = 0; /* 0 undecided, 1 lines, 2 jsonl */
  uint64_t line = 0;
  size_t pos = 0;
  while (pos < len && !rc) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    size_t end = nl ? (size_t)(nl - data) : len;
    vigil_str raw = {data + pos, end - pos};
    size_t start = pos;
    pos = nl ? end + 1 : len;
    line++;
    if (raw.len && raw.ptr[raw.len - 1] == '\r') raw.len--;
    vigil_str t = trim(raw);
    /* '#' starts a comment in hash/URL lists; texts may begin with a hashtag */
    if (!t.len || (t.ptr[0] == '#' && kind != VIGIL_BANK_TEXT)) continue;
    if (mode == 0) {
      if (kind == VIGIL_BANK_TEXT && t.ptr[0] == '{') mode = 2;
      else {
        int header = 0;
        /* texts and URLs: a CSV header is one naming the field (a header
         * line may well parse as a URL); hashes: any non-hash first line */
        if (kind == VIGIL_BANK_TEXT || kind == VIGIL_BANK_URL) header = 1;
        else {
          const char *reason;
          header = vigil_bank_normalize(kind, first_field(t), &p.val, &reason) != 0;
        }
        if (header) {
          rc = parse_csv(&p, data + start, len - start, line);
          if (rc != VIGIL_EMISSING) break;
          rc = 0; /* not CSV: plain lines (a bad first hash is reported below) */
        }
        mode = 1;
      }
    }
    if (mode == 2) rc = parse_jsonl_line(&p, line, t);
    else if (kind == VIGIL_BANK_TEXT) {
      if (raw.len > VIGIL_BANK_TEXT_MAX) rc = cbs->bad(cbs->ctx, line, "text", "text too long");
      else rc = emit(&p, line, raw, VIGIL_STR_NULL, VIGIL_STR_NULL, VIGIL_STR_NULL);
    } else {
      vigil_str v = kind == VIGIL_BANK_URL ? t : first_field(t);
      rc = emit(&p, line, v, VIGIL_STR_NULL, VIGIL_STR_NULL, VIGIL_STR_NULL);
    }
  }
  vigil_buf_release(&p.val);
  return rc;
}
