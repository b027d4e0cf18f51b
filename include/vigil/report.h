/* vigil/report.h - the census report (one self-contained HTML file plus a
 * CSV file per table) and graph export (GEXF, GraphML, CSV). See
 * docs/report.md for what each figure shows and how it is computed.
 *
 * Every string that came from ingested data goes through
 * vigil_report_html_text() / vigil_xml_text() / vigil_buf_append_csv_field()
 * before it reaches an output: names and descriptions are adversarial.
 *
 * Ownership: output buffers are the caller's (initialised vigil_buf; the
 * functions append). Arrays passed in are borrowed. Nothing here keeps a
 * pointer after it returns.
 */
#ifndef VIGIL_REPORT_H
#define VIGIL_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vigil/buf.h"
#include "vigil/store.h"

/* ---- escaping ------------------------------------------------------------- */
/* HTML text/attribute escaping that also drops C0 controls (except tab and
 * newline), DEL and bytes that are not valid UTF-8 (replaced by U+FFFD), at
 * most max_bytes of input (0 = no limit; a cut is marked with an ellipsis). */
int vigil_report_html_text(vigil_buf *b, vigil_str s, size_t max_bytes);
/* XML 1.0 text/attribute escaping: & < > " ' escaped; characters not
 * allowed in XML 1.0 (controls other than tab/LF/CR, U+FFFE/U+FFFF,
 * surrogates) and invalid UTF-8 are dropped. */
int vigil_xml_text(vigil_buf *b, vigil_str s);

/* ---- inline SVG charts ------------------------------------------------------ */
typedef struct vigil_chart {
  const char *title;        /* plain text; escaped */
  const char *const *labels; /* n category labels (escaped) */
  size_t n;
  const double *series[2];  /* 1 or 2 series of n values (>= 0) */
  const char *names[2];     /* series names for the legend */
  int nseries;
  int percent;              /* values are shares in [0, 1]: axis in % */
} vigil_chart;
/* Vertical bars (histograms, time series): one group of bars per label. */
int vigil_svg_vbars(vigil_buf *b, const vigil_chart *c);
/* Horizontal bars (categories with long names). */
int vigil_svg_hbars(vigil_buf *b, const vigil_chart *c);

/* Bin of a log-scale histogram of counts: 0 -> 0, 1-2 -> 1, 3-9 -> 2,
 * 10-29 -> 3, ... (half decades), capped at nbins-1. Negative -> -1. */
int vigil_log_bin(double v, int nbins);
/* Label of that bin ("0", "1-2", "3-9", "10-29", "30-99", "100-299", ...). */
void vigil_log_bin_label(int bin, int nbins, char out[32]);

/* ---- the report ------------------------------------------------------------------ */
typedef struct vigil_report_opts {
  const char *csv_dir;      /* write a CSV per table there (NULL: none) */
  int top;                  /* rows of the top-accounts tables (default 50) */
  double hyper_per_day;     /* hyperactive threshold in posts/day (default 50) */
  int with_recreated;       /* run the re-created account search (default 1) */
  FILE *log;                /* progress (NULL: quiet) */
} vigil_report_opts;
void vigil_report_opts_init(vigil_report_opts *o);

/* Builds the HTML report into html. Without a finished census run the
 * report still shows the descriptive parts and says so. VIGIL_EIO when a
 * CSV cannot be written; store errors are passed through. */
int vigil_report_build(vigil_store *s, const vigil_report_opts *o, vigil_buf *html);

/* ---- graph export -------------------------------------------------------------- */
typedef enum vigil_export_format {
  VIGIL_EXPORT_GEXF = 0,
  VIGIL_EXPORT_GRAPHML = 1,
  VIGIL_EXPORT_CSV = 2
} vigil_export_format;

typedef struct vigil_export_opts {
  int format;
  double min_score;        /* keep nodes with score >= min_score (needs a census run) */
  int use_min_score;
  unsigned kinds;          /* bit mask of edge kinds (1 << VIGIL_EDGE_*); 0 = all */
} vigil_export_opts;

typedef struct vigil_export_counts {
  uint64_t nodes, edges;
  int64_t run;             /* census run whose scores were used (0: none) */
} vigil_export_counts;

/* Writes the graph: GEXF/GraphML to `nodes` (edges must be NULL); CSV writes
 * nodes.csv content to `nodes` and edges.csv content to `edges`.
 * VIGIL_ESTATE when min_score is asked for and no census has been run. */
int vigil_export_write(vigil_store *s, const vigil_export_opts *o, FILE *nodes, FILE *edges,
                       vigil_export_counts *counts);

#endif
