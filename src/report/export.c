/* Graph export for Gephi and other tools: GEXF 1.3, GraphML, CSV. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/report.h"

#define MAX_ACCOUNT_ID 200000000LL

typedef struct node {
  float score;   /* < 0: none */
  uint8_t pred, status, kept;
} node;

typedef struct ex {
  const vigil_export_opts *o;
  FILE *nf, *ef;
  node *n;
  int64_t maxid;
  vigil_export_counts *c;
  vigil_buf b;
  int err;
} ex;

static int flush(ex *x, FILE *f) {
  if (x->b.len && fwrite(x->b.data, 1, x->b.len, f) != x->b.len) return VIGIL_EIO;
  vigil_buf_clear(&x->b);
  return 0;
}

static int on_score(void *ctx, const vigil_score_row *r) {
  ex *x = ctx;
  if (r->account >= 1 && r->account <= x->maxid)
    x->n[r->account].score = (float)r->score, x->n[r->account].pred = r->predicted != 0;
  return 0;
}

static int on_status(void *ctx, const vigil_status_row *r) {
  ex *x = ctx;
  if (r->account >= 1 && r->account <= x->maxid) x->n[r->account].status = (uint8_t)r->status;
  return 0;
}

static const char *status_of(const node *n) { return n->status == 255 ? "" : vigil_status_name(n->status); }

static int attr(vigil_buf *b, const char *pre, vigil_str v, const char *post) {
  int rc = vigil_buf_append_str(b, vigil_str_c(pre));
  if (!rc) rc = vigil_xml_text(b, v);
  if (!rc) rc = vigil_buf_append_str(b, vigil_str_c(post));
  return rc;
}

static int on_account(void *ctx, const vigil_account_row *r) {
  ex *x = ctx;
  if (r->id < 1 || r->id > x->maxid) return 0;
  node *n = &x->n[r->id];
  if (x->o->use_min_score && !(n->score >= 0 && n->score >= x->o->min_score)) return 0;
  n->kept = 1;
  x->c->nodes++;
  vigil_buf *b = &x->b;
  vigil_str user = r->a.username.ptr ? r->a.username : VIGIL_STR_LIT("");
  vigil_str dn = r->a.display_name.ptr ? r->a.display_name : VIGIL_STR_LIT("");
  vigil_str pid = r->a.platform_id.ptr ? r->a.platform_id : VIGIL_STR_LIT("");
  char sc[32] = "";
  if (n->score >= 0) snprintf(sc, sizeof sc, "%.6f", n->score);
  int rc = 0;
  switch (x->o->format) {
  case VIGIL_EXPORT_GEXF:
    rc = vigil_buf_printf(b, "<node id=\"%lld\"", (long long)r->id);
    if (!rc) rc = attr(b, " label=\"", user, "\"><attvalues>");
    if (!rc) rc = attr(b, "<attvalue for=\"platform_id\" value=\"", pid, "\"/>");
    if (!rc) rc = attr(b, "<attvalue for=\"display_name\" value=\"", dn, "\"/>");
    if (!rc && sc[0])
      rc = vigil_buf_printf(b, "<attvalue for=\"score\" value=\"%s\"/><attvalue for=\"predicted\" value=\"%s\"/>",
                            sc, n->pred ? "true" : "false");
    if (!rc && n->status != 255)
      rc = vigil_buf_printf(b, "<attvalue for=\"status\" value=\"%s\"/>", status_of(n));
    if (!rc) rc = vigil_buf_append_str(b, VIGIL_STR_LIT("</attvalues></node>\n"));
    break;
  case VIGIL_EXPORT_GRAPHML:
    rc = vigil_buf_printf(b, "<node id=\"n%lld\">", (long long)r->id);
    if (!rc) rc = attr(b, "<data key=\"username\">", user, "</data>");
    if (!rc) rc = attr(b, "<data key=\"platform_id\">", pid, "</data>");
    if (!rc) rc = attr(b, "<data key=\"display_name\">", dn, "</data>");
    if (!rc && sc[0])
      rc = vigil_buf_printf(b, "<data key=\"score\">%s</data><data key=\"predicted\">%s</data>", sc,
                            n->pred ? "true" : "false");
    if (!rc && n->status != 255) rc = vigil_buf_printf(b, "<data key=\"status\">%s</data>", status_of(n));
    if (!rc) rc = vigil_buf_append_str(b, VIGIL_STR_LIT("</node>\n"));
    break;
  default:
    rc = vigil_buf_printf(b, "%lld,", (long long)r->id);
    if (!rc) rc = vigil_buf_append_csv_field(b, user);
    if (!rc) rc = vigil_buf_putc(b, ',');
    if (!rc) rc = vigil_buf_append_csv_field(b, pid);
    if (!rc) rc = vigil_buf_putc(b, ',');
    if (!rc) rc = vigil_buf_append_csv_field(b, dn);
    if (!rc)
      rc = vigil_buf_printf(b, ",%s,%s,%s\n", sc, sc[0] ? (n->pred ? "1" : "0") : "", status_of(n));
    break;
  }
  if (!rc && x->b.len > (1u << 20)) rc = flush(x, x->nf);
  return rc;
}

static int on_adj(void *ctx, const vigil_adj_row *r) {
  ex *x = ctx;
  if (x->o->kinds && !(x->o->kinds & (1u << r->kind))) return 0;
  if (r->src < 1 || r->src > x->maxid || !x->n[r->src].kept) return 0;
  const char *kn = vigil_edge_kind_name(r->kind);
  if (!kn) return 0;
  int rc = 0;
  for (size_t i = 0; i < r->n && !rc; i++) {
    int64_t d = r->dst[i];
    if (d < 1 || d > x->maxid || !x->n[d].kept) continue;
    long long w = r->weight ? (long long)r->weight[i] : 1;
    uint64_t id = x->c->edges++;
    switch (x->o->format) {
    case VIGIL_EXPORT_GEXF:
      rc = vigil_buf_printf(&x->b, "<edge id=\"%llu\" source=\"%lld\" target=\"%lld\" weight=\"%lld\" "
                            "label=\"%s\"><attvalues><attvalue for=\"kind\" value=\"%s\"/></attvalues></edge>\n",
                            (unsigned long long)id, (long long)r->src, (long long)d, w, kn, kn);
      break;
    case VIGIL_EXPORT_GRAPHML:
      rc = vigil_buf_printf(&x->b, "<edge id=\"e%llu\" source=\"n%lld\" target=\"n%lld\"><data key=\"kind\">%s"
                            "</data><data key=\"weight\">%lld</data></edge>\n",
                            (unsigned long long)id, (long long)r->src, (long long)d, kn, w);
      break;
    default:
      rc = vigil_buf_printf(&x->b, "%lld,%lld,Directed,%s,%lld\n", (long long)r->src, (long long)d, kn, w);
      break;
    }
    if (!rc && x->b.len > (1u << 20)) rc = flush(x, x->ef);
  }
  return rc;
}

static const char GEXF_HEAD[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<gexf xmlns=\"http://gexf.net/1.3\" version=\"1.3\">\n"
    "<meta><creator>vigil</creator><description>accounts and interactions; scores are leads for "
    "human review, not decisions</description></meta>\n"
    "<graph defaultedgetype=\"directed\" mode=\"static\">\n"
    "<attributes class=\"node\"><attribute id=\"platform_id\" title=\"platform_id\" type=\"string\"/>"
    "<attribute id=\"display_name\" title=\"display_name\" type=\"string\"/>"
    "<attribute id=\"score\" title=\"score\" type=\"double\"/>"
    "<attribute id=\"predicted\" title=\"predicted\" type=\"boolean\"/>"
    "<attribute id=\"status\" title=\"status\" type=\"string\"/></attributes>\n"
    "<attributes class=\"edge\"><attribute id=\"kind\" title=\"kind\" type=\"string\"/></attributes>\n"
    "<nodes>\n";
static const char GRAPHML_HEAD[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
    "<key id=\"username\" for=\"node\" attr.name=\"username\" attr.type=\"string\"/>\n"
    "<key id=\"platform_id\" for=\"node\" attr.name=\"platform_id\" attr.type=\"string\"/>\n"
    "<key id=\"display_name\" for=\"node\" attr.name=\"display_name\" attr.type=\"string\"/>\n"
    "<key id=\"score\" for=\"node\" attr.name=\"score\" attr.type=\"double\"/>\n"
    "<key id=\"predicted\" for=\"node\" attr.name=\"predicted\" attr.type=\"boolean\"/>\n"
    "<key id=\"status\" for=\"node\" attr.name=\"status\" attr.type=\"string\"/>\n"
    "<key id=\"kind\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n"
    "<key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"long\"/>\n"
    "<graph id=\"vigil\" edgedefault=\"directed\">\n";

int vigil_export_write(vigil_store *s, const vigil_export_opts *o, FILE *nodes, FILE *edges,
                       vigil_export_counts *counts) {
  if (!s || !o || !nodes || o->format < 0 || o->format > VIGIL_EXPORT_CSV ||
      (o->format == VIGIL_EXPORT_CSV) != (edges != NULL) ||
      (o->use_min_score && !(o->min_score >= 0 && o->min_score <= 1)))
    return VIGIL_EINVAL;
  vigil_export_counts dummy;
  if (!counts) counts = &dummy;
  memset(counts, 0, sizeof *counts);
  vigil_buf summary = VIGIL_BUF_INIT;
  int rc = vigil_store_census_latest(s, &counts->run, &summary);
  vigil_buf_release(&summary);
  if (rc) return rc;
  if (o->use_min_score && counts->run <= 0) return VIGIL_ESTATE;
  ex x;
  memset(&x, 0, sizeof x);
  x.o = o, x.nf = nodes, x.ef = edges ? edges : nodes, x.c = counts;
  x.maxid = vigil_store_max_account_id(s);
  if (x.maxid < 0 || x.maxid > MAX_ACCOUNT_ID) return VIGIL_ETOOBIG;
  x.n = malloc(((size_t)x.maxid + 1) * sizeof *x.n);
  if (!x.n) return VIGIL_ENOMEM;
  for (int64_t i = 0; i <= x.maxid; i++) x.n[i] = (node){-1.0f, 0, 255, 0};
  if (counts->run > 0) rc = vigil_store_each_score(s, counts->run, on_score, &x);
  if (!rc) rc = vigil_store_each_status(s, on_status, &x);
  if (!rc) {
    if (o->format == VIGIL_EXPORT_GEXF) rc = vigil_buf_append(&x.b, GEXF_HEAD, sizeof GEXF_HEAD - 1);
    else if (o->format == VIGIL_EXPORT_GRAPHML) rc = vigil_buf_append(&x.b, GRAPHML_HEAD, sizeof GRAPHML_HEAD - 1);
    else rc = vigil_buf_append_str(&x.b, VIGIL_STR_LIT("Id,Label,platform_id,display_name,score,predicted,status\n"));
  }
  if (!rc) rc = vigil_store_each_account(s, on_account, &x);
  if (!rc && o->format == VIGIL_EXPORT_GEXF) rc = vigil_buf_append_str(&x.b, VIGIL_STR_LIT("</nodes>\n<edges>\n"));
  if (!rc) rc = flush(&x, x.nf);
  if (!rc && o->format == VIGIL_EXPORT_CSV)
    rc = vigil_buf_append_str(&x.b, VIGIL_STR_LIT("Source,Target,Type,kind,Weight\n"));
  if (!rc) rc = vigil_store_each_adjacency(s, -1, on_adj, &x);
  if (!rc && o->format == VIGIL_EXPORT_GEXF)
    rc = vigil_buf_append_str(&x.b, VIGIL_STR_LIT("</edges>\n</graph>\n</gexf>\n"));
  if (!rc && o->format == VIGIL_EXPORT_GRAPHML)
    rc = vigil_buf_append_str(&x.b, VIGIL_STR_LIT("</graph>\n</graphml>\n"));
  if (!rc) rc = flush(&x, x.ef);
  vigil_buf_release(&x.b);
  free(x.n);
  return rc;
}
