/* Label files: `account_id` or `username`, `label`, optional `note`,
 * `analyst`, with a header row. Bad rows are reported, never guessed at. */
#include <ctype.h>
#include <string.h>

#include "census/census_int.h"
#include "text/csvmini.h"
#include "vigil/census.h"
#include "vigil/error.h"

#define MAX_ID 64
#define MAX_NOTE 2000
#define MAX_ANALYST 128

int vc_label_valid(vigil_str label, const char **reason) {
  if (!label.ptr || label.len == 0) { *reason = "empty"; return -1; }
  if (label.len > 64) { *reason = "longer than 64 bytes"; return -1; }
  for (size_t i = 0; i < label.len; i++) {
    unsigned char c = (unsigned char)label.ptr[i];
    if (!isalnum(c) && c != '_' && c != '-' && c != '.' && c != ':') {
      *reason = "only letters, digits and _ - . : are allowed";
      return -1;
    }
  }
  return 0;
}

static vigil_str trim(vigil_str s) {
  while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) s.ptr++, s.len--;
  while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
  return s;
}

static int has_ctl(vigil_str s) {
  for (size_t i = 0; i < s.len; i++)
    if ((unsigned char)s.ptr[i] < 0x20 || s.ptr[i] == 0x7f) return 1;
  return 0;
}

static int name_is(vigil_str f, const char *name) {
  f = trim(f);
  if (f.len >= 3 && (unsigned char)f.ptr[0] == 0xEF && (unsigned char)f.ptr[1] == 0xBB &&
      (unsigned char)f.ptr[2] == 0xBF)
    f.ptr += 3, f.len -= 3; /* BOM from spreadsheet exports */
  size_t n = strlen(name);
  if (f.len != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (tolower((unsigned char)f.ptr[i]) != name[i]) return 0;
  return 1;
}

int vigil_label_csv_parse(const char *data, size_t len,
                          int (*row)(void *ctx, const vigil_label_csv_row *r),
                          int (*bad)(void *ctx, uint64_t line, const char *field,
                                     const char *reason),
                          void *ctx) {
  vigil_csvmini c;
  vigil_csvmini_init(&c, data, len);
  int rc = vigil_csvmini_next(&c);
  if (rc <= 0) {
    vigil_csvmini_release(&c);
    if (rc == VIGIL_ENOMEM) return rc;
    bad(ctx, 1, "header", rc == 0 ? "empty file" : "malformed CSV");
    return VIGIL_EPARSE;
  }
  int col_id = -1, col_user = -1, col_label = -1, col_note = -1, col_analyst = -1;
  for (size_t i = 0; i < c.nf; i++) {
    int *slot = name_is(c.f[i], "account_id")  ? &col_id
                : name_is(c.f[i], "id")        ? &col_id
                : name_is(c.f[i], "username")  ? &col_user
                : name_is(c.f[i], "label")     ? &col_label
                : name_is(c.f[i], "note")      ? &col_note
                : name_is(c.f[i], "analyst")   ? &col_analyst
                                               : NULL;
    if (slot && *slot < 0) *slot = (int)i;
  }
  if (col_label < 0 || (col_id < 0 && col_user < 0)) {
    vigil_csvmini_release(&c);
    bad(ctx, 1, "header",
        col_label < 0 ? "no 'label' column" : "no 'account_id' or 'username' column");
    return VIGIL_EPARSE;
  }
  /* csvmini does not report line numbers: count the newlines it consumed */
  uint64_t line = 1;
  size_t counted = 0;
  for (;;) {
    for (; counted < c.pos; counted++)
      if (data[counted] == '\n') line++;
    size_t start = c.pos;
    uint64_t row_line = line;
    rc = vigil_csvmini_next(&c);
    if (rc == 0) break;
    if (rc < 0) {
      if (rc == VIGIL_EPARSE) rc = bad(ctx, row_line, "row", "unterminated quoted field");
      break;
    }
    (void)start;
    if (c.nf == 1 && trim(c.f[0]).len == 0) continue; /* blank line */
#define FIELD(col) ((col) >= 0 && (size_t)(col) < c.nf ? trim(c.f[col]) : VIGIL_STR_NULL)
    vigil_label_csv_row r = {row_line, FIELD(col_id), FIELD(col_user), FIELD(col_label),
                             FIELD(col_note), FIELD(col_analyst)};
#undef FIELD
    if (r.account_id.ptr && r.account_id.len == 0) r.account_id = VIGIL_STR_NULL;
    if (r.username.len && r.username.ptr[0] == '@') r.username.ptr++, r.username.len--;
    if (r.username.ptr && r.username.len == 0) r.username = VIGIL_STR_NULL;
    if (r.note.ptr && r.note.len == 0) r.note = VIGIL_STR_NULL;
    if (r.analyst.ptr && r.analyst.len == 0) r.analyst = VIGIL_STR_NULL;
    const char *why = NULL, *field = NULL;
    if (!r.account_id.ptr && !r.username.ptr)
      field = col_id >= 0 ? "account_id" : "username", why = "empty";
    else if (r.account_id.ptr && (r.account_id.len > MAX_ID || has_ctl(r.account_id)))
      field = "account_id", why = "longer than 64 bytes or has control characters";
    else if (r.username.ptr && (r.username.len > MAX_ID || has_ctl(r.username)))
      field = "username", why = "longer than 64 bytes or has control characters";
    else if (vc_label_valid(r.label, &why))
      field = "label";
    else if (r.note.len > MAX_NOTE)
      field = "note", why = "longer than 2000 bytes";
    else if (r.analyst.ptr && (r.analyst.len > MAX_ANALYST || has_ctl(r.analyst)))
      field = "analyst", why = "longer than 128 bytes or has control characters";
    rc = field ? bad(ctx, row_line, field, why) : row(ctx, &r);
    if (rc) break;
  }
  vigil_csvmini_release(&c);
  return rc;
}
