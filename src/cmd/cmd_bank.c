/* vigil bank: create, import, list and export banks of known content
 * (PDQ/MD5/SHA-256 hashes, texts, URLs). Every change is audited. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "vigil/bank.h"
#include "vigil/store.h"
#include "vigil/store_match.h"

#define CMD "bank"

static void usage(FILE *out) {
  fprintf(out,
          "usage: vigil bank create NAME --kind pdq|md5|sha256|text|url [--label L]\n"
          "       vigil bank import NAME FILE|- [--field NAME]\n"
          "       vigil bank add NAME VALUE [--label L] [--entity E] [--content-type C]\n"
          "       vigil bank list\n"
          "       vigil bank export NAME\n"
          "       vigil bank enable|disable NAME\n"
          "       vigil bank remove NAME ENTRY\n\n"
          "Banks of known content for `vigil match`. Import formats (docs/match.md):\n"
          "  pdq, md5, sha256  one hash per line (the first field of lines such as\n"
          "                    `vigil hash` output \"HASH,QUALITY,PATH\"), or CSV with a\n"
          "                    header naming a `hash` column and optional `label`,\n"
          "                    `entity`, `content_type` columns\n"
          "  url               one URL per line (stored canonical) or domain:HOST\n"
          "                    (matches the host and its subdomains), or CSV with `url`\n"
          "  text              JSON lines or CSV with a `text` field (--field NAME for\n"
          "                    another), else one text per line\n"
          "Lines starting with '#' and blank lines are skipped (texts: blank only).\n"
          "Importing the same entry twice changes nothing; new labels replace old.\n"
          "Bad records are reported as FILE:LINE: field: reason and skipped (exit 3).\n"
          "export writes CSV (hash, url banks) or JSON lines (text banks) that import\n"
          "reads back to the same entries (the id column/field is informative and\n"
          "ignored on import). ENTRY for remove is an entry id or value.\n\n"
          "  --kind K          bank kind (create)\n"
          "  --label L         bank label (create) or entry label (add)\n"
          "  --entity E        entry entity (add)\n"
          "  --content-type C  entry content type (add)\n"
          "  --field NAME      text field/column to import (default text)\n\n"
          "Exit status: 0 ok, 1 error, 2 usage, 3 some records rejected.\n");
}

typedef struct opts {
  const char *kind, *label, *entity, *ctype, *field;
} opts;

static int index_dir(vigil_ctx *ctx, vigil_buf *dir) {
  int rc = vigil_bank_index_dir(ctx->db_path, dir);
  return rc ? vigil_cmd_fail(CMD, rc, "index directory") : 0;
}

static int get_bank(vigil_ctx *ctx, const char *name, vigil_bank *b) {
  int rc = vigil_bank_find(ctx->store, vigil_str_c(name), b);
  if (rc == VIGIL_ENOTFOUND) {
    fprintf(stderr, "vigil bank: no bank named '%s' (see vigil bank list)\n", name);
    return VIGIL_EXIT_FATAL;
  }
  if (rc) return vigil_cmd_fail(CMD, rc, "reading bank %s: %s", name, vigil_store_errmsg(ctx->store));
  return 0;
}

static int do_create(vigil_ctx *ctx, const char *name, const opts *o) {
  vigil_bank_kind k = vigil_bank_kind_parse(vigil_str_c(o->kind));
  if (!o->kind) return vigil_cmd_usage_error(CMD, "create needs --kind");
  if (k == VIGIL_BANK_NONE)
    return vigil_cmd_usage_error(CMD, "--kind wants pdq, md5, sha256, text or url");
  if (!vigil_bank_name_ok(vigil_str_c(name)))
    return vigil_cmd_usage_error(CMD, "bank names are 1-64 of A-Z a-z 0-9 _ . - (starting alphanumeric)");
  if (o->label && strlen(o->label) > VIGIL_BANK_LABEL_MAX)
    return vigil_cmd_usage_error(CMD, "--label is longer than %d bytes", VIGIL_BANK_LABEL_MAX);
  int64_t id;
  char detail[160];
  snprintf(detail, sizeof detail, "bank=%s kind=%s", name, vigil_bank_kind_name(k));
  int rc = vigil_store_begin(ctx->store);
  if (!rc) rc = vigil_store_bank_create(ctx->store, vigil_str_c(name), vigil_str_c(vigil_bank_kind_name(k)),
                                        vigil_str_c(o->label), &id);
  if (!rc) rc = vigil_store_audit(ctx->store, ctx->actor ? ctx->actor : "unknown", "bank.create", detail);
  if (!rc) rc = vigil_store_commit(ctx->store);
  else vigil_store_rollback(ctx->store);
  if (rc == VIGIL_EEXISTS) {
    fprintf(stderr, "vigil bank: a bank named '%s' already exists\n", name);
    return VIGIL_EXIT_FATAL;
  }
  if (rc) return vigil_cmd_fail(CMD, rc, "creating %s: %s", name, vigil_store_errmsg(ctx->store));
  if (!ctx->quiet) fprintf(stderr, "created %s bank %s\n", vigil_bank_kind_name(k), name);
  return VIGIL_EXIT_OK;
}

typedef struct imp {
  vigil_bank_writer *w;
  const char *file;
  uint64_t rejected;
} imp;

static int imp_item(void *ctx, const vigil_bank_item *it) {
  imp *m = ctx;
  return vigil_bank_writer_add(m->w, it);
}

static int imp_bad(void *ctx, uint64_t line, const char *field, const char *reason) {
  imp *m = ctx;
  m->rejected++;
  if (m->rejected <= 1000)
    fprintf(stderr, "%s:%llu: %s: %s\n", m->file, (unsigned long long)line, field, reason);
  else if (m->rejected == 1001)
    fprintf(stderr, "%s: more rejected records not shown\n", m->file);
  return 0;
}

static int finish(vigil_ctx *ctx, const vigil_bank *b, vigil_bank_writer *w, const char *what,
                  uint64_t rejected) {
  vigil_bank_import_stats st = {0};
  int rc = vigil_bank_writer_close(w, ctx->actor, what, &st);
  if (rc) return vigil_cmd_fail(CMD, rc, "bank %s: %s", b->name, vigil_store_errmsg(ctx->store));
  if (!ctx->quiet)
    fprintf(stderr, "bank %s: %llu records: %llu added, %llu relabelled, %llu unchanged, %llu rejected\n",
            b->name, (unsigned long long)st.records, (unsigned long long)st.added,
            (unsigned long long)st.updated, (unsigned long long)st.unchanged,
            (unsigned long long)rejected);
  return rejected ? VIGIL_EXIT_PARTIAL : VIGIL_EXIT_OK;
}

static int do_import(vigil_ctx *ctx, const char *name, const char *file, const opts *o) {
  vigil_bank b;
  int rc = get_bank(ctx, name, &b);
  if (rc) return rc;
  if (o->field && b.kind != VIGIL_BANK_TEXT)
    return vigil_cmd_usage_error(CMD, "--field is for text banks");
  vigil_bank_file f = VIGIL_BANK_FILE_INIT;
  if ((rc = vigil_bank_file_open(file, &f))) {
    vigil_bank_file_close(&f);
    return vigil_cmd_fail(CMD, rc, "%s", file);
  }
  if (f.len && memchr(f.data, '\0', f.len)) {
    vigil_bank_file_close(&f);
    fprintf(stderr, "vigil bank: %s: binary data (NUL bytes), not a %s list; nothing imported\n",
            file, vigil_bank_kind_name(b.kind));
    return VIGIL_EXIT_FATAL;
  }
  vigil_buf dir = VIGIL_BUF_INIT;
  if ((rc = index_dir(ctx, &dir))) {
    vigil_bank_file_close(&f);
    return rc;
  }
  imp m = {NULL, file, 0};
  rc = vigil_bank_writer_open(&m.w, ctx->store, dir.data, &b);
  if (!rc) {
    vigil_bank_parse_cbs cbs = {imp_item, imp_bad, &m};
    rc = vigil_bank_parse(b.kind, f.data, f.len, o->field, &cbs);
    if (rc) vigil_bank_writer_abort(m.w);
  }
  vigil_bank_file_close(&f);
  if (rc) {
    vigil_buf_release(&dir);
    return vigil_cmd_fail(CMD, rc, "importing %s into %s: %s", file, name,
                          vigil_store_errmsg(ctx->store));
  }
  const char *base = strrchr(file, '/');
  rc = finish(ctx, &b, m.w, base ? base + 1 : file, m.rejected);
  vigil_buf_release(&dir);
  return rc;
}

static int do_add(vigil_ctx *ctx, const char *name, const char *value, const opts *o) {
  vigil_bank b;
  int rc = get_bank(ctx, name, &b);
  if (rc) return rc;
  const char *labs[3] = {o->label, o->entity, o->ctype};
  for (int i = 0; i < 3; i++)
    if (labs[i] && strlen(labs[i]) > VIGIL_BANK_LABEL_MAX)
      return vigil_cmd_usage_error(CMD, "labels are at most %d bytes", VIGIL_BANK_LABEL_MAX);
  vigil_buf v = VIGIL_BUF_INIT, dir = VIGIL_BUF_INIT;
  const char *reason = NULL;
  rc = vigil_bank_normalize(b.kind, vigil_str_c(value), &v, &reason);
  if (rc) {
    vigil_buf_release(&v);
    /* the value itself is not echoed: it may be content */
    fprintf(stderr, "vigil bank: %s value rejected: %s\n", vigil_bank_kind_name(b.kind),
            reason ? reason : vigil_strerror(rc));
    return VIGIL_EXIT_FATAL;
  }
  vigil_bank_writer *w = NULL;
  if (!(rc = index_dir(ctx, &dir))) rc = vigil_bank_writer_open(&w, ctx->store, dir.data, &b);
  vigil_bank_item it = {vigil_buf_view(&v), vigil_str_c(o->label), vigil_str_c(o->entity),
                        vigil_str_c(o->ctype), 1};
  if (!rc && (rc = vigil_bank_writer_add(w, &it))) vigil_bank_writer_abort(w);
  vigil_buf_release(&dir);
  vigil_buf_release(&v);
  if (rc) return vigil_cmd_fail(CMD, rc, "adding to %s: %s", name, vigil_store_errmsg(ctx->store));
  return finish(ctx, &b, w, "add", 0);
}

static int list_cb(void *ctx, int64_t id, vigil_str name, vigil_str kind, vigil_str label,
                   int enabled, int64_t entries, int64_t version) {
  vigil_buf *out = ctx;
  vigil_buf_clear(out);
  int rc = vigil_buf_append_csv_field(out, name);
  rc |= vigil_buf_printf(out, ",%.*s,%lld,%s,", (int)kind.len, kind.ptr, (long long)entries,
                         enabled ? "enabled" : "disabled");
  if (label.ptr) rc |= vigil_buf_append_csv_field(out, label);
  rc |= vigil_buf_putc(out, '\n');
  if (rc) return VIGIL_ENOMEM;
  fwrite(out->data, 1, out->len, stdout);
  return 0;
}

static int do_list(vigil_ctx *ctx) {
  vigil_buf out = VIGIL_BUF_INIT;
  printf("name,kind,entries,state,label\n");
  int rc = vigil_store_each_bank(ctx->store, VIGIL_STR_NULL, list_cb, &out);
  vigil_buf_release(&out);
  if (rc) return vigil_cmd_fail(CMD, rc, "listing banks: %s", vigil_store_errmsg(ctx->store));
  return VIGIL_EXIT_OK;
}

/* Plain RFC 4180 quoting: exports must read back byte for byte, so no
 * spreadsheet-formula neutering here (match output has it). */
static int csv_plain(vigil_buf *b, vigil_str s) {
  int q = 0, rc = 0;
  for (size_t i = 0; i < s.len && !q; i++)
    q = s.ptr[i] == '"' || s.ptr[i] == ',' || s.ptr[i] == '\n' || s.ptr[i] == '\r' ||
        ((i == 0 || i == s.len - 1) && (s.ptr[i] == ' ' || s.ptr[i] == '\t'));
  if (!q) return vigil_buf_append_str(b, s);
  rc |= vigil_buf_putc(b, '"');
  for (size_t i = 0; i < s.len; i++) {
    if (s.ptr[i] == '"') rc |= vigil_buf_putc(b, '"');
    rc |= vigil_buf_putc(b, s.ptr[i]);
  }
  rc |= vigil_buf_putc(b, '"');
  return rc ? VIGIL_ENOMEM : 0;
}

typedef struct exp_ctx {
  vigil_bank_kind kind;
  vigil_buf out;
} exp_ctx;

static int export_cb(void *ctx, int64_t id, int64_t bank, vigil_str value, vigil_str label,
                     vigil_str entity, vigil_str ctype) {
  exp_ctx *e = ctx;
  vigil_buf *b = &e->out;
  int rc = 0;
  if (e->kind == VIGIL_BANK_TEXT) {
    rc |= vigil_buf_append_str(b, VIGIL_STR_LIT("{\"text\":"));
    rc |= vigil_buf_append_json_str(b, value);
    const char *keys[3] = {"label", "entity", "content_type"};
    vigil_str vals[3] = {label, entity, ctype};
    for (int i = 0; i < 3; i++)
      if (vals[i].ptr) {
        rc |= vigil_buf_printf(b, ",\"%s\":", keys[i]);
        rc |= vigil_buf_append_json_str(b, vals[i]);
      }
    rc |= vigil_buf_printf(b, ",\"id\":%lld}\n", (long long)id);
  } else {
    rc |= csv_plain(b, value);
    vigil_str vals[3] = {label, entity, ctype};
    for (int i = 0; i < 3; i++) {
      rc |= vigil_buf_putc(b, ',');
      if (vals[i].ptr) rc |= csv_plain(b, vals[i]);
    }
    rc |= vigil_buf_printf(b, ",%lld\n", (long long)id);
  }
  if (rc) return VIGIL_ENOMEM;
  if (b->len > (1u << 20)) {
    if (fwrite(b->data, 1, b->len, stdout) != b->len) return VIGIL_EIO;
    vigil_buf_clear(b);
  }
  return 0;
}

static int do_export(vigil_ctx *ctx, const char *name) {
  vigil_bank b;
  int rc = get_bank(ctx, name, &b);
  if (rc) return rc;
  exp_ctx e = {b.kind, VIGIL_BUF_INIT};
  if (b.kind != VIGIL_BANK_TEXT)
    printf("%s,label,entity,content_type,id\n", b.kind == VIGIL_BANK_URL ? "url" : "hash");
  rc = vigil_store_each_bank_entry(ctx->store, b.id, 0, export_cb, &e);
  if (!rc && e.out.len && fwrite(e.out.data, 1, e.out.len, stdout) != e.out.len) rc = VIGIL_EIO;
  vigil_buf_release(&e.out);
  if (!rc && fflush(stdout)) rc = VIGIL_EIO;
  if (rc) return vigil_cmd_fail(CMD, rc, "exporting %s: %s", name, vigil_store_errmsg(ctx->store));
  return VIGIL_EXIT_OK;
}

static int do_enable(vigil_ctx *ctx, const char *name, int on) {
  vigil_bank b;
  int rc = get_bank(ctx, name, &b);
  if (rc) return rc;
  vigil_change ch = VIGIL_UNCHANGED;
  char detail[128];
  snprintf(detail, sizeof detail, "bank=%s", b.name);
  rc = vigil_store_begin(ctx->store);
  if (!rc) rc = vigil_store_bank_set_enabled(ctx->store, b.id, on, &ch);
  if (!rc && ch != VIGIL_UNCHANGED)
    rc = vigil_store_audit(ctx->store, ctx->actor ? ctx->actor : "unknown",
                           on ? "bank.enable" : "bank.disable", detail);
  if (!rc) rc = vigil_store_commit(ctx->store);
  else vigil_store_rollback(ctx->store);
  if (rc) return vigil_cmd_fail(CMD, rc, "%s: %s", name, vigil_store_errmsg(ctx->store));
  if (!ctx->quiet)
    fprintf(stderr, "bank %s %s%s\n", b.name, on ? "enabled" : "disabled",
            ch == VIGIL_UNCHANGED ? " (already)" : "");
  return VIGIL_EXIT_OK;
}

static int found_cb(void *ctx, int64_t id, int64_t bank, vigil_str value, vigil_str label,
                    vigil_str entity, vigil_str ctype) {
  *(int64_t *)ctx = id;
  return 0;
}

static int do_remove(vigil_ctx *ctx, const char *name, const char *entry) {
  vigil_bank b;
  int rc = get_bank(ctx, name, &b);
  if (rc) return rc;
  int64_t id = 0;
  vigil_buf v = VIGIL_BUF_INIT;
  /* a value first (hashes are hex, so a short number is never one) */
  if (vigil_bank_normalize(b.kind, vigil_str_c(entry), &v, NULL) == 0)
    rc = vigil_store_bank_entry_find(ctx->store, b.id, vigil_buf_view(&v), found_cb, &id);
  vigil_buf_release(&v);
  if (!rc && !id) {
    char *end;
    long long n = strtoll(entry, &end, 10);
    if (*entry && !*end && n > 0) id = n;
  }
  if (rc) return vigil_cmd_fail(CMD, rc, "%s: %s", name, vigil_store_errmsg(ctx->store));
  if (!id) {
    fprintf(stderr, "vigil bank: %s has no such entry\n", b.name);
    return VIGIL_EXIT_FATAL;
  }
  vigil_buf dir = VIGIL_BUF_INIT;
  if ((rc = index_dir(ctx, &dir))) return rc;
  rc = vigil_bank_remove_entry(ctx->store, dir.data, &b, id, ctx->actor);
  vigil_buf_release(&dir);
  if (rc == VIGIL_ENOTFOUND) {
    fprintf(stderr, "vigil bank: %s has no entry %lld\n", b.name, (long long)id);
    return VIGIL_EXIT_FATAL;
  }
  if (rc) return vigil_cmd_fail(CMD, rc, "%s: %s", name, vigil_store_errmsg(ctx->store));
  if (!ctx->quiet) fprintf(stderr, "removed entry %lld from %s\n", (long long)id, b.name);
  return VIGIL_EXIT_OK;
}

int cmd_bank(int argc, char **argv, vigil_ctx *ctx) {
  static const struct option lo[] = {{"kind", required_argument, 0, 'k'},
                                     {"label", required_argument, 0, 'l'},
                                     {"entity", required_argument, 0, 'e'},
                                     {"content-type", required_argument, 0, 'c'},
                                     {"field", required_argument, 0, 'f'},
                                     {"help", no_argument, 0, 'h'},
                                     {0, 0, 0, 0}};
  opts o = {0};
  int c;
  while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
    switch (c) {
      case 'k': o.kind = optarg; break;
      case 'l': o.label = optarg; break;
      case 'e': o.entity = optarg; break;
      case 'c': o.ctype = optarg; break;
      case 'f': o.field = optarg; break;
      case 'h': usage(stdout); return VIGIL_EXIT_OK;
      default: return vigil_cmd_usage_error(CMD, "unknown option");
    }
  }
  int n = argc - optind;
  char **a = argv + optind;
  if (n < 1) return vigil_cmd_usage_error(CMD, "missing subcommand");
  const char *sub = a[0];
  if (strcmp(sub, "list") == 0 && n == 1) return do_list(ctx);
  if (strcmp(sub, "create") == 0 && n == 2) return do_create(ctx, a[1], &o);
  if (strcmp(sub, "import") == 0 && n == 3) return do_import(ctx, a[1], a[2], &o);
  if (strcmp(sub, "add") == 0 && n == 3) return do_add(ctx, a[1], a[2], &o);
  if (strcmp(sub, "export") == 0 && n == 2) return do_export(ctx, a[1]);
  if (strcmp(sub, "enable") == 0 && n == 2) return do_enable(ctx, a[1], 1);
  if (strcmp(sub, "disable") == 0 && n == 2) return do_enable(ctx, a[1], 0);
  if (strcmp(sub, "remove") == 0 && n == 3) return do_remove(ctx, a[1], a[2]);
  static const char *const subs[] = {"list", "create", "import", "add", "export",
                                     "enable", "disable", "remove"};
  for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
    if (strcmp(sub, subs[i]) == 0) return vigil_cmd_usage_error(CMD, "wrong number of arguments for %s", sub);
  return vigil_cmd_usage_error(CMD, "unknown subcommand '%s'", sub);
}
