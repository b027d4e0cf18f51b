#include "vigil/model.h"

#include <string.h>

#include "vigil/error.h"

static const char *const edge_kind_names[VIGIL_EDGE_KIND_COUNT] = {
    "follow", "mention", "retweet", "reply", "quote"};
static const char *const status_names[VIGIL_STATUS_COUNT] = {
    "active", "suspended", "deleted", "protected", "deactivated"};

const char *vigil_edge_kind_name(int kind) {
  return kind >= 0 && kind < VIGIL_EDGE_KIND_COUNT ? edge_kind_names[kind] : NULL;
}

int vigil_edge_kind_parse(const char *name) {
  for (int i = 0; i < VIGIL_EDGE_KIND_COUNT; i++)
    if (strcmp(name, edge_kind_names[i]) == 0) return i;
  return VIGIL_EINVAL;
}

const char *vigil_status_name(int status) {
  return status >= 0 && status < VIGIL_STATUS_COUNT ? status_names[status] : NULL;
}

int vigil_status_parse(const char *name) {
  for (int i = 0; i < VIGIL_STATUS_COUNT; i++)
    if (strcmp(name, status_names[i]) == 0) return i;
  return VIGIL_EINVAL;
}

void vigil_account_init(vigil_account *a) {
  memset(a, 0, sizeof *a);
  a->created_at = VIGIL_TIME_UNKNOWN;
  a->observed_at = VIGIL_TIME_UNKNOWN;
  a->followers = a->following = a->statuses = VIGIL_COUNT_UNKNOWN;
  a->verified = -1;
  a->is_protected = -1;
}

void vigil_post_init(vigil_post *p) {
  memset(p, 0, sizeof *p);
  p->created_at = VIGIL_TIME_UNKNOWN;
  p->observed_at = VIGIL_TIME_UNKNOWN;
}
