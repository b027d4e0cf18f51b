/* Inline SVG bar charts for the report: no scripts, no external assets. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/report.h"

static const char *const COLORS[2] = {"#a8432f", "#5d6d7e"};

static int text(vigil_buf *b, const char *s) {
  return vigil_report_html_text(b, vigil_str_c(s ? s : ""), 0);
}

/* A round axis maximum at or above v: 1, 2, 2.5 or 5 times a power of ten. */
static double nice_max(double v) {
  if (!(v > 0) || !isfinite(v)) return 1;
  double p = pow(10, floor(log10(v)));
  static const double steps[] = {1, 2, 2.5, 5, 10};
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    if (v <= steps[i] * p * (1 + 1e-9)) return steps[i] * p;
  return 10 * p;
}

static void fmt_val(char out[32], double v, int percent) {
  if (percent) snprintf(out, 32, "%.*f%%", v * 100 < 10 && v > 0 ? 1 : 0, v * 100);
  else if (v >= 1e6) snprintf(out, 32, "%.1fM", v / 1e6);
  else if (v >= 1e4) snprintf(out, 32, "%.0fk", v / 1e3);
  else if (v == floor(v)) snprintf(out, 32, "%.0f", v);
  else snprintf(out, 32, "%.2g", v);
}

static int check(const vigil_chart *c) {
  if (!c || c->nseries < 1 || c->nseries > 2 || c->n > 100000) return VIGIL_EINVAL;
  for (int s = 0; s < c->nseries; s++)
    if (c->n && !c->series[s]) return VIGIL_EINVAL;
  if (c->n && !c->labels) return VIGIL_EINVAL;
  return 0;
}

static double vmax(const vigil_chart *c) {
  double m = 0;
  for (int s = 0; s < c->nseries; s++)
    for (size_t i = 0; i < c->n; i++)
      if (isfinite(c->series[s][i]) && c->series[s][i] > m) m = c->series[s][i];
  return m;
}

static double val(const vigil_chart *c, int s, size_t i) {
  double v = c->series[s][i];
  return isfinite(v) && v > 0 ? v : 0;
}

static int legend(vigil_buf *b, const vigil_chart *c, double x, double y) {
  int rc = 0;
  for (int s = 0; s < c->nseries && !rc && c->names[s]; s++) {
    rc = vigil_buf_printf(b,
                          "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                          "<text x=\"%.0f\" y=\"%.0f\" class=\"lg\">",
                          x, y - 9, COLORS[s], x + 14, y);
    if (!rc) rc = text(b, c->names[s]);
    if (!rc) rc = vigil_buf_append(b, "</text>", 7);
    x += 24 + 7.0 * (double)strlen(c->names[s]);
  }
  return rc;
}

static int open_svg(vigil_buf *b, const vigil_chart *c, double w, double h) {
  int rc = vigil_buf_printf(b,
                            "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
                            "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
                            "role=\"img\" aria-label=\"",
                            w, h, w, h);
  if (!rc) rc = text(b, c->title);
  if (!rc) rc = vigil_buf_append_str(b, VIGIL_STR_LIT("\"><title>"));
  if (!rc) rc = text(b, c->title);
  if (!rc) rc = vigil_buf_append_str(b, VIGIL_STR_LIT("</title>"));
  return rc;
}

int vigil_svg_vbars(vigil_buf *b, const vigil_chart *c) {
  int rc = check(c);
  if (rc) return rc;
  const double W = 720, H = 240, L = 56, R = 12, T = 28, B = 44;
  double top = nice_max(vmax(c)), pw = W - L - R, ph = H - T - B;
  if ((rc = open_svg(b, c, W, H))) return rc;
  /* grid and y labels */
  for (int g = 0; g <= 4 && !rc; g++) {
    double y = T + ph - ph * g / 4.0;
    char lab[32];
    fmt_val(lab, top * g / 4.0, c->percent);
    rc = vigil_buf_printf(b,
                          "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" class=\"%s\"/>"
                          "<text x=\"%.0f\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%s</text>",
                          L, W - R, y, y, g ? "grid" : "base", L - 6, y + 4, lab);
  }
  if (!rc) rc = legend(b, c, L, 16);
  double slot = c->n ? pw / (double)c->n : pw;
  double bw = slot * 0.8 / c->nseries;
  size_t every = c->n > 12 ? (c->n + 11) / 12 : 1;
  for (size_t i = 0; i < c->n && !rc; i++) {
    for (int s = 0; s < c->nseries && !rc; s++) {
      double v = val(c, s, i), h = ph * v / top;
      char lab[32];
      fmt_val(lab, v, c->percent);
      rc = vigil_buf_printf(b,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            "fill=\"%s\"><title>",
                            L + slot * (double)i + slot * 0.1 + bw * s, T + ph - h,
                            bw > 0.5 ? bw - (c->nseries > 1 ? 0.5 : 0) : 0.5, h, COLORS[s]);
      if (!rc) rc = text(b, c->labels[i]);
      if (!rc && c->names[s]) rc = vigil_buf_append(b, ", ", 2), rc = rc ? rc : text(b, c->names[s]);
      if (!rc) rc = vigil_buf_printf(b, ": %s</title></rect>", lab);
    }
    if (!rc && i % every == 0) {
      rc = vigil_buf_printf(b, "<text x=\"%.1f\" y=\"%.0f\" class=\"ax\" text-anchor=\"middle\">",
                            L + slot * ((double)i + 0.5), T + ph + 16);
      if (!rc) rc = vigil_report_html_text(b, vigil_str_c(c->labels[i]), 16);
      if (!rc) rc = vigil_buf_append(b, "</text>", 7);
    }
  }
  if (!rc && !c->n)
    rc = vigil_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"ax\">no data</text>", L + 8,
                          T + ph / 2);
  if (!rc) rc = vigil_buf_append_str(b, VIGIL_STR_LIT("</svg>\n"));
  return rc;
}

int vigil_svg_hbars(vigil_buf *b, const vigil_chart *c) {
  int rc = check(c);
  if (rc) return rc;
  const double W = 720, L = 190, R = 70, T = 28, bar = 11, gap = 8;
  double row = bar * c->nseries + gap;
  double H = T + row * (double)(c->n ? c->n : 1) + 8;
  double top = nice_max(vmax(c)), pw = W - L - R;
  if ((rc = open_svg(b, c, W, H))) return rc;
  rc = legend(b, c, L, 16);
  for (size_t i = 0; i < c->n && !rc; i++) {
    double y0 = T + row * (double)i;
    rc = vigil_buf_printf(b, "<text x=\"%.0f\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">",
                          L - 8, y0 + bar * c->nseries / 2.0 + 4);
    if (!rc) rc = vigil_report_html_text(b, vigil_str_c(c->labels[i]), 28);
    if (!rc) rc = vigil_buf_append(b, "</text>", 7);
    for (int s = 0; s < c->nseries && !rc; s++) {
      double v = val(c, s, i), w = pw * v / top;
      char lab[32];
      fmt_val(lab, v, c->percent);
      rc = vigil_buf_printf(b,
                            "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"%.0f\" fill=\"%s\"/>"
                            "<text x=\"%.1f\" y=\"%.1f\" class=\"vl\">%s</text>",
                            L, y0 + bar * s, w, bar - 1, COLORS[s], L + w + 4,
                            y0 + bar * s + bar - 2, lab);
    }
  }
  if (!rc && !c->n)
    rc = vigil_buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"ax\">no data</text>", L, T + 12);
  if (!rc)
    rc = vigil_buf_printf(b, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" class=\"base\"/></svg>\n",
                          L, L, T - 4, H - 6);
  return rc;
}

int vigil_log_bin(double v, int nbins) {
  if (!(v >= 0) || nbins < 1) return -1;
  if (v < 1) return 0;
  /* half decades: [1,3) [3,10) [10,30) ... */
  double d = floor(log10(v) + 1e-12);
  if (d > 30) return nbins - 1;
  double m = v / pow(10, d);
  int bin = 1 + 2 * (int)d + (m >= 3 ? 1 : 0);
  return bin >= nbins ? nbins - 1 : bin;
}

static void compact(double v, char out[16]) {
  if (v >= 1e6) snprintf(out, 16, "%gM", v / 1e6);
  else if (v >= 1e3) snprintf(out, 16, "%gk", v / 1e3);
  else snprintf(out, 16, "%g", v);
}

void vigil_log_bin_label(int bin, int nbins, char out[32]) {
  if (bin <= 0) { snprintf(out, 32, "0"); return; }
  if (bin > 40) bin = 40;
  int d = (bin - 1) / 2;
  double lo = pow(10, d) * ((bin - 1) % 2 ? 3 : 1);
  double next = (bin - 1) % 2 ? pow(10, d + 1) : 3 * pow(10, d);
  char a[16], z[16];
  compact(lo, a);
  if (bin >= nbins - 1) { snprintf(out, 32, "%.12s+", a); return; }
  /* below 1000 the bins hold integers: show the closed range */
  if (next <= 1000) compact(next - 1, z);
  else compact(next, z);
  snprintf(out, 32, "%.12s%s%.12s", a, next <= 1000 ? "\xe2\x80\x93" : "\xe2\x80\x93<", z);
}
