/* Buffered output and the small files: users, compliance, truth, labels. */
#include <errno.h>
#include <stdlib.h>

#include "synth_int.h"
#include "vigil/model.h"
#include "vigil/error.h"

enum { OUT_CAP = 8u << 20 };

int sy_out_open(sy_out *o, const char *dir, const char *name) {
  memset(o, 0, sizeof *o);
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) return VIGIL_EINVAL;
  o->buf = malloc(OUT_CAP);
  if (!o->buf) return VIGIL_ENOMEM;
  o->cap = OUT_CAP;
  o->f = fopen(path, "wb");
  if (!o->f) {
    free(o->buf);
    o->buf = NULL;
    return VIGIL_EIO;
  }
  setvbuf(o->f, NULL, _IONBF, 0); /* our buffer is the only one */
  return 0;
}

void sy_out_flush(sy_out *o) {
  if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->f) != o->len) o->err = VIGIL_EIO;
  o->total += o->len;
  o->len = 0;
}

void sy_out_write(sy_out *o, const void *p, size_t n) {
  if (n == 0) return; /* p may be NULL then (an empty batch) */
  if (o->len + n > o->cap) {
    sy_out_flush(o);
    if (n > o->cap) { /* big block: straight through */
      if (!o->err && fwrite(p, 1, n, o->f) != n) o->err = VIGIL_EIO;
      o->total += n;
      return;
    }
  }
  memcpy(o->buf + o->len, p, n);
  o->len += n;
}

int sy_out_close(sy_out *o) {
  if (!o->f) return o->err;
  sy_out_flush(o);
  if (fclose(o->f) != 0 && !o->err) o->err = VIGIL_EIO;
  o->f = NULL;
  free(o->buf);
  o->buf = NULL;
  return o->err;
}

void sy_out_u64(sy_out *o, uint64_t v) {
  char t[24];
  int n = 0;
  do t[n++] = (char)('0' + v % 10), v /= 10; while (v);
  sy_out_reserve(o, 24);
  while (n) o->buf[o->len++] = t[--n];
}

void sy_out_i64(sy_out *o, int64_t v) {
  if (v < 0) sy_out_c(o, '-'), v = -v;
  sy_out_u64(o, (uint64_t)v);
}

void sy_out_json(sy_out *o, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  sy_out_reserve(o, 6 * n + 2);
  char *p = o->buf + o->len;
  *p++ = '"';
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') *p++ = '\\', *p++ = (char)c;
    else if (c < 0x20) *p++ = '\\', *p++ = 'u', *p++ = '0', *p++ = '0', *p++ = hex[c >> 4],
                       *p++ = hex[c & 15];
    else *p++ = (char)c;
  }
  *p++ = '"';
  o->len = (size_t)(p - o->buf);
}

void sy_out_time(sy_out *o, int64_t t, int millis_z) {
  char iso[32], buf[48];
  vigil_time_format(t, iso); /* 2015-01-06T21:07:00Z */
  size_t len = strlen(iso);
  if (len) len--; /* the Z gives way to the suffix twarc2 / the API write */
  int n = snprintf(buf, sizeof buf, "\"%.*s%s\"", (int)len, iso, millis_z ? ".000Z" : "+00:00");
  sy_out_write(o, buf, (size_t)n);
}

static const char TWARC_META[] =
    ",\"__twarc\":{\"url\":\"https://api.twitter.com/2/users?user.fields=created_at%2Cdescription"
    "%2Cid%2Clocation%2Cname%2Cprotected%2Cpublic_metrics%2Curl%2Cusername%2Cverified\","
    "\"version\":\"vigil-synth\",\"retrieved_at\":\"2015-02-28T00:00:00+00:00\"}}\n";

static int write_users(vigil_synth *s, const char *dir, uint64_t *bytes) {
  sy_out o;
  int rc = sy_out_open(&o, dir, "users.jsonl");
  if (rc) return rc;
  for (uint32_t p = 0; p < s->n; p += 100) {
    uint32_t e = p + 100 < s->n ? p + 100 : s->n;
    sy_out_s(&o, "{\"data\":[");
    for (uint32_t i = p; i < e; i++) {
      if (i > p) sy_out_c(&o, ',');
      sy_user_json(s, &o, i);
    }
    sy_out_s(&o, "],\"meta\":{\"result_count\":");
    sy_out_u64(&o, e - p);
    sy_out_c(&o, '}');
    sy_out_s(&o, TWARC_META);
    if (s->o.progress && (p / 100) % 2000 == 0)
      s->o.progress(s->o.progress_ctx, "users", p, s->n);
  }
  rc = sy_out_close(&o);
  *bytes += o.total;
  return rc;
}

static int write_small(vigil_synth *s, const char *dir, uint64_t *bytes) {
  sy_out o;
  int rc = sy_out_open(&o, dir, "users_compliance.jsonl");
  if (rc) return rc;
  for (uint32_t i = 0; i < s->n; i++) {
    if (s->suspended[i] == INT64_MIN) continue;
    sy_out_s(&o, "{\"id\":\"");
    sy_out_write(&o, s->idstr[i], s->idlen[i]);
    sy_out_s(&o, "\",\"action\":\"delete\",\"created_at\":");
    sy_out_time(&o, s->suspended[i], 0);
    sy_out_s(&o, ",\"reason\":\"suspended\"}\n");
  }
  if ((rc = sy_out_close(&o))) return rc;
  *bytes += o.total;

  if ((rc = sy_out_open(&o, dir, "truth.csv"))) return rc;
  sy_out_s(&o, "account_id,label\n");
  for (uint32_t i = 0; i < s->n; i++) {
    sy_out_write(&o, s->idstr[i], s->idlen[i]);
    sy_out_s(&o, s->group[i] == VIGIL_SYNTH_SUPPORTER ? ",supporter\n" : ",other\n");
  }
  if ((rc = sy_out_close(&o))) return rc;
  *bytes += o.total;

  if ((rc = sy_out_open(&o, dir, "truth_recreated.csv"))) return rc;
  sy_out_s(&o, "new_id,old_id\n");
  for (uint32_t i = 0; i < s->n; i++) {
    if (s->old_of[i] == SY_NONE) continue;
    sy_out_write(&o, s->idstr[i], s->idlen[i]);
    sy_out_c(&o, ',');
    sy_out_write(&o, s->idstr[s->old_of[i]], s->idlen[s->old_of[i]]);
    sy_out_c(&o, '\n');
  }
  if ((rc = sy_out_close(&o))) return rc;
  *bytes += o.total;

  /* labels in a random order, as an analyst's sheet would be */
  uint32_t nl = 0;
  uint32_t *lab = malloc(((size_t)s->n_lab * 2 + 1) * sizeof *lab);
  if (!lab) return VIGIL_ENOMEM;
  for (uint32_t i = 0; i < s->n && nl < s->n_lab * 2; i++)
    if (s->labelled[i]) lab[nl++] = i;
  sy_rng r;
  sy_seed(&r, s->o.seed, SY_TAG_LABEL, 1);
  for (uint32_t i = nl; i > 1; i--) {
    uint32_t j = (uint32_t)sy_below(&r, i), t = lab[i - 1];
    lab[i - 1] = lab[j], lab[j] = t;
  }
  if ((rc = sy_out_open(&o, dir, "labels.csv"))) { free(lab); return rc; }
  sy_out_s(&o, "account_id,label\n");
  for (uint32_t j = 0; j < nl; j++) {
    sy_out_write(&o, s->idstr[lab[j]], s->idlen[lab[j]]);
    sy_out_s(&o, s->labelled[lab[j]] == 1 ? ",supporter\n" : ",other\n");
  }
  free(lab);
  rc = sy_out_close(&o);
  *bytes += o.total;
  return rc;
}

int vigil_synth_write(vigil_synth *s, const char *dir, vigil_synth_stats *st) {
  if (!s || !dir) return VIGIL_EINVAL;
  vigil_synth_stats z;
  if (!st) st = &z;
  memset(st, 0, sizeof *st);
  st->accounts = s->n, st->supporters = s->k, st->lookalikes = s->l, st->general = s->g;
  st->suspended = s->n_suspended, st->recreated = s->n_recreated;
  st->hyperactive_supporters = s->hyper_sup, st->hyperactive_others = s->hyper_oth;
  for (uint32_t i = 0; i < s->n; i++) {
    if (s->labelled[i] == 1) st->labels_supporter++;
    else if (s->labelled[i] == 2) st->labels_other++;
  }
  uint64_t b = 0, x = 0;
  int rc = write_users(s, dir, &b);
  if (!rc) rc = write_small(s, dir, &b);
  if (!rc) rc = sy_write_posts(s, dir, &st->posts, &x), b += x;
  if (!rc) rc = sy_write_edges(s, dir, &st->edges, &x), b += x;
  st->bytes_written = b;
  return rc;
}
