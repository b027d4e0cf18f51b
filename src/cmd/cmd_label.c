/* vigil label: analyst labels (import, add, list). Labels may only point at
 * accounts the store holds: a label for an unknown account is reported and
 * skipped, never turned into a stub, so a typo cannot invent an account. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "census/census_int.h"
#include "cmd/cmd.h"
#include "vigil/census.h"
#include "vigil/store.h"

#define MAX_LABEL_FILE ((size_t)512 << 20)

static void usage(FILE *out) {
  fprintf(out,
          "usage: vigil label import FILE.csv [--analyst A] [--platform P]\n"
          "       vigil label add ACCOUNT LABEL [--note N] [--analyst A] [--platform P]\n"
          "       vigil label list [--history] [--csv]\n\n"
          "Analyst labels for the census. A label file has a header and the columns\n"
          "account_id (the platform's id as ingested; for edge lists the node id) or\n"
          "username, label, and optionally note and analyst. ACCOUNT is a platform id\n"
          "or @username. The default positive label is `supporter`; every other label\n"
          "is a negative example. Every label decision is kept with who and when; the\n"
          "latest per account counts. Accounts the store does not hold are reported\n"
          "and skipped (exit 3), as are bad rows (FILE:LINE: field: reason).\n\n"
          "  --analyst A    who decided (default: $VIGIL_USER or $USER); a file's\n"
          "                 analyst column wins over it\n"
          "  --platform P   platform of the accounts (default twitter)\n"
          "  --note N       free-text note (add)\n"
          "  --history      every label decision in time order (list)\n"
          "  --csv          CSV output (list)\n");
}

/* printable for the terminal: control characters become '?' */
static void put_clean(vigil_str s, size_t max) {
  for (size_t i = 0; i < s.len && i < max; i++) {
    unsigned char ch = (unsigned char)s.ptr[i];
    putchar(ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
  }
}

static int resolve(vigil_store *s, vigil_str platform, vigil_str id, vigil_str user,
                   int64_t *acc) {
  vigil_account_ref ref = {id, user};
  if (id.ptr) ref.username = VIGIL_STR_NULL;
  vigil_change ch;
  *acc = 0;
  return vigil_store_account_resolve(s, platform, &ref, 0, acc, &ch);
}

typedef struct imp {
  vigil_store *s;
  const char *file;
  vigil_str platform, analyst;
  int64_t now;
  uint64_t added, updated, unchanged, bad, unknown;
} imp;

static int imp_bad(void *ctx, uint64_t line, const char *field, const char *reason) {
  imp *m = ctx;
  m->bad++;
  fprintf(stderr, "%s:%llu: %s: %s\n", m->file, (unsigned long long)line, field, reason);
  return 0;
}

static int imp_row(void *ctx, const vigil_label_csv_row *r) {
  imp *m = ctx;
  int64_t acc;
  int rc = resolve(m->s, m->platform, r->account_id, r->username, &acc);
  if (rc) return rc;
  if (!acc) {
    m->unknown++;
    fprintf(stderr, "%s:%llu: %s: no such account in the store (skipped)\n", m->file,
            (unsigned long long)r->line, r->account_id.ptr ? "account_id" : "username");
    return 0;
  }
  vigil_change ch;
  rc = vigil_store_label_put(m->s, acc, r->label, r->note, r->analyst.ptr ? r->analyst : m->analyst,
                             m->now, &ch);
  if (rc) return rc;
  if (ch == VIGIL_NEW) m->added++;
  else if (ch == VIGIL_UPDATED) m->updated++;
  else m->unchanged++;
  return 0;
}

static int do_import(vigil_ctx *ctx, const char *file, vigil_str platform, vigil_str analyst) {
  FILE *f = fopen(file, "rb");
  if (!f) return vigil_cmd_fail("label", VIGIL_EIO, "cannot open %s", file);
  vigil_buf b = VIGIL_BUF_INIT;
  char chunk[65536];
  size_t got;
  int rc = 0;
  while (!rc && (got = fread(chunk, 1, sizeof chunk, f)) > 0) {
    if (b.len + got > MAX_LABEL_FILE) rc = VIGIL_ETOOBIG;
    else rc = vigil_buf_append(&b, chunk, got);
  }
  if (!rc && ferror(f)) rc = VIGIL_EIO;
  fclose(f);
  if (rc) {
    vigil_buf_release(&b);
    return vigil_cmd_fail("label", rc, "reading %s", file);
  }
  imp m = {ctx->store, file, platform, analyst, (int64_t)time(NULL), 0, 0, 0, 0, 0};
  if ((rc = vigil_store_begin(ctx->store))) {
    vigil_buf_release(&b);
    return vigil_cmd_fail("label", rc, "%s", vigil_store_errmsg(ctx->store));
  }
  rc = vigil_label_csv_parse(b.data ? b.data : "", b.len, imp_row, imp_bad, &m);
  vigil_buf_release(&b);
  if (rc == VIGIL_EPARSE) { /* unusable header: already reported, nothing stored */
    vigil_store_rollback(ctx->store);
    return VIGIL_EXIT_PARTIAL;
  }
  if (!rc) {
    char detail[512];
    snprintf(detail, sizeof detail, "%llu labels from %s (%llu new, %llu updated)",
             (unsigned long long)(m.added + m.updated), file, (unsigned long long)m.added,
             (unsigned long long)m.updated);
    rc = vigil_store_audit(ctx->store, ctx->actor, "label.import", detail);
  }
  if (!rc) rc = vigil_store_commit(ctx->store);
  if (rc) {
    vigil_store_rollback(ctx->store);
    return vigil_cmd_fail("label", rc, "importing %s: %s", file, vigil_store_errmsg(ctx->store));
  }
  printf("%llu labels imported from %s: %llu new, %llu updated, %llu unchanged; "
         "%llu bad rows, %llu unknown accounts skipped\n",
         (unsigned long long)(m.added + m.updated + m.unchanged), file,
         (unsigned long long)m.added, (unsigned long long)m.updated,
         (unsigned long long)m.unchanged, (unsigned long long)m.bad,
         (unsigned long long)m.unknown);
  return m.bad || m.unknown ? VIGIL_EXIT_PARTIAL : VIGIL_EXIT_OK;
}

static int do_add(vigil_ctx *ctx, const char *account, const char *label, vigil_str platform,
                  vigil_str analyst, const char *note) {
  vigil_str lab = vigil_str_c(label), nt = vigil_str_c(note);
  const char *why;
  if (vc_label_valid(lab, &why)) return vigil_cmd_usage_error("label", "label: %s", why);
  if (nt.len > 2000) return vigil_cmd_usage_error("label", "--note longer than 2000 bytes");
  vigil_str id = VIGIL_STR_NULL, user = VIGIL_STR_NULL;
  if (account[0] == '@') user = vigil_str_c(account + 1);
  else id = vigil_str_c(account);
  if ((id.ptr && (id.len == 0 || id.len > 64)) || (user.ptr && (user.len == 0 || user.len > 64)))
    return vigil_cmd_usage_error("label", "bad account '%s'", account);
  int64_t acc;
  int rc = vigil_store_begin(ctx->store);
  if (!rc) rc = resolve(ctx->store, platform, id, user, &acc);
  if (!rc && !acc) {
    vigil_store_rollback(ctx->store);
    fprintf(stderr, "vigil label: no such account in the store: %s\n", account);
    return VIGIL_EXIT_FATAL;
  }
  vigil_change ch = VIGIL_UNCHANGED;
  if (!rc) rc = vigil_store_label_put(ctx->store, acc, lab, nt, analyst, (int64_t)time(NULL), &ch);
  if (!rc && ch != VIGIL_UNCHANGED) {
    char detail[256];
    snprintf(detail, sizeof detail, "account %lld labelled %.64s", (long long)acc, label);
    rc = vigil_store_audit(ctx->store, ctx->actor, "label.add", detail);
  }
  if (!rc) rc = vigil_store_commit(ctx->store);
  if (rc) {
    vigil_store_rollback(ctx->store);
    return vigil_cmd_fail("label", rc, "%s", vigil_store_errmsg(ctx->store));
  }
  printf("%s: %s (%s)\n", account, label,
         ch == VIGIL_NEW ? "new" : ch == VIGIL_UPDATED ? "updated" : "unchanged");
  return 0;
}

typedef struct lst {
  int csv;
  vigil_buf b;
} lst;

static int list_cb(void *ctx, const vigil_label_row *r) {
  lst *l = ctx;
  char when[32];
  vigil_time_format(r->created_at, when);
  if (l->csv) {
    vigil_buf_clear(&l->b);
    vigil_buf_append_csv_field(&l->b, r->platform_id);
    vigil_buf_putc(&l->b, ',');
    vigil_buf_append_csv_field(&l->b, r->username);
    vigil_buf_putc(&l->b, ',');
    vigil_buf_append_csv_field(&l->b, r->label);
    vigil_buf_putc(&l->b, ',');
    vigil_buf_append_csv_field(&l->b, r->note);
    vigil_buf_putc(&l->b, ',');
    vigil_buf_append_csv_field(&l->b, r->analyst);
    vigil_buf_printf(&l->b, ",%s\n", when);
    fwrite(l->b.data, 1, l->b.len, stdout);
  } else {
    put_clean(r->platform_id.ptr ? r->platform_id : VIGIL_STR_LIT("-"), 64);
    fputs("  @", stdout);
    put_clean(r->username, 64);
    fputs("  ", stdout);
    put_clean(r->label, 64);
    fputs("  by ", stdout);
    put_clean(r->analyst, 64);
    printf(" at %s", when);
    if (r->note.len) {
      fputs("  note: ", stdout);
      put_clean(r->note, 200);
    }
    putchar('\n');
  }
  return 0;
}

int cmd_label(int argc, char **argv, vigil_ctx *ctx) {
  static const struct option opts[] = {
      {"analyst", required_argument, NULL, 'a'}, {"platform", required_argument, NULL, 'p'},
      {"note", required_argument, NULL, 'n'},    {"history", no_argument, NULL, 'H'},
      {"csv", no_argument, NULL, 'c'},           {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *analyst = ctx->actor ? ctx->actor : "cli", *platform = "twitter", *note = NULL;
  int history = 0, csv = 0, c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'a':
      if (!*optarg || strlen(optarg) > 128) return vigil_cmd_usage_error("label", "bad --analyst");
      analyst = optarg;
      break;
    case 'p': platform = optarg; break;
    case 'n': note = optarg; break;
    case 'H': history = 1; break;
    case 'c': csv = 1; break;
    case 'h': usage(stdout); return 0;
    default: return vigil_cmd_usage_error("label", "bad option");
    }
  }
  if (optind >= argc) return vigil_cmd_usage_error("label", "missing subcommand (import, add, list)");
  const char *sub = argv[optind++];
  int rest = argc - optind;
  vigil_str pl = vigil_str_c(platform), an = vigil_str_c(analyst);
  if (!strcmp(sub, "import")) {
    if (rest != 1) return vigil_cmd_usage_error("label", "import takes one FILE.csv");
    return do_import(ctx, argv[optind], pl, an);
  }
  if (!strcmp(sub, "add")) {
    if (rest != 2) return vigil_cmd_usage_error("label", "add takes ACCOUNT LABEL");
    return do_add(ctx, argv[optind], argv[optind + 1], pl, an, note);
  }
  if (!strcmp(sub, "list")) {
    if (rest) return vigil_cmd_usage_error("label", "list takes no arguments");
    lst l = {csv, VIGIL_BUF_INIT};
    if (csv) printf("account_id,username,label,note,analyst,created_at\n");
    int rc = vigil_store_each_label(ctx->store, history, list_cb, &l);
    vigil_buf_release(&l.b);
    if (rc) return vigil_cmd_fail("label", rc, "%s", vigil_store_errmsg(ctx->store));
    return 0;
  }
  return vigil_cmd_usage_error("label", "unknown subcommand '%s'", sub);
}
