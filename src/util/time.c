/* UTC time parsing for the formats platforms export. No locale, no TZ
 * environment: results never depend on the machine. */
#include <stdio.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/model.h"

/* days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant) */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static int valid_date(int64_t y, int m, int d, int hh, int mm, int ss) {
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return 0;
  if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 0;
  return hh >= 0 && hh <= 23 && mm >= 0 && mm <= 59 && ss >= 0 && ss <= 60;
}

static int64_t to_unix(int64_t y, int m, int d, int hh, int mm, int ss) {
  return days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 + hh * 3600 + mm * 60 + ss;
}

/* reads exactly n digits */
static int digits(const char **p, const char *end, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (*p >= end || (unsigned)(**p - '0') > 9) return 0;
    v = v * 10 + (**p - '0');
    (*p)++;
  }
  *out = v;
  return 1;
}

/* reads 1..max digits */
static int digits_var(const char **p, const char *end, int max, int *out) {
  int v = 0, n = 0;
  while (*p < end && n < max && (unsigned)(**p - '0') <= 9) {
    v = v * 10 + (**p - '0');
    (*p)++, n++;
  }
  *out = v;
  return n > 0;
}

int vigil_time_parse_iso8601(vigil_str s, int64_t *out) {
  const char *p = s.ptr, *end = s.ptr + s.len;
  int y, m, d, hh = 0, mm = 0, ss = 0;
  if (!p) return VIGIL_EPARSE;
  if (!digits(&p, end, 4, &y) || p >= end || *p++ != '-' || !digits(&p, end, 2, &m) ||
      p >= end || *p++ != '-' || !digits(&p, end, 2, &d))
    return VIGIL_EPARSE;
  int64_t off = 0;
  if (p < end && (*p == 'T' || *p == ' ')) {
    p++;
    if (!digits(&p, end, 2, &hh) || p >= end || *p++ != ':' || !digits(&p, end, 2, &mm))
      return VIGIL_EPARSE;
    if (p < end && *p == ':') {
      p++;
      if (!digits(&p, end, 2, &ss)) return VIGIL_EPARSE;
      if (p < end && *p == '.') {
        p++;
        while (p < end && (unsigned)(*p - '0') <= 9) p++;
      }
    }
    if (p < end && *p == 'Z') {
      p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
      int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
      if (!digits(&p, end, 2, &oh)) return VIGIL_EPARSE;
      if (p < end && *p == ':') p++;
      if (p < end && !digits(&p, end, 2, &om)) return VIGIL_EPARSE;
      if (oh > 23 || om > 59) return VIGIL_EPARSE;
      off = sign * (oh * 3600 + om * 60);
    }
  }
  if (p != end || !valid_date(y, m, d, hh, mm, ss)) return VIGIL_EPARSE;
  *out = to_unix(y, m, d, hh, mm, ss) - off;
  return 0;
}

static int month_from_name(const char *p) {
  static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  for (int i = 0; i < 12; i++)
    if (memcmp(p, names + 3 * i, 3) == 0) return i + 1;
  return 0;
}

int vigil_time_parse_twitter(vigil_str s, int64_t *out) {
  /* "Wed Oct 10 20:19:24 +0000 2018" */
  if (!s.ptr || s.len != 30) return VIGIL_EPARSE;
  const char *p = s.ptr + 4, *end = s.ptr + s.len;
  int m = month_from_name(p), d, hh, mm, ss, oh, om, y;
  if (!m || p[3] != ' ') return VIGIL_EPARSE;
  p += 4;
  if (!digits(&p, end, 2, &d) || *p++ != ' ' || !digits(&p, end, 2, &hh) || *p++ != ':' ||
      !digits(&p, end, 2, &mm) || *p++ != ':' || !digits(&p, end, 2, &ss) || *p++ != ' ')
    return VIGIL_EPARSE;
  char sign = *p++;
  if ((sign != '+' && sign != '-') || !digits(&p, end, 2, &oh) || !digits(&p, end, 2, &om) ||
      *p++ != ' ' || !digits(&p, end, 4, &y) || p != end)
    return VIGIL_EPARSE;
  if (!valid_date(y, m, d, hh, mm, ss)) return VIGIL_EPARSE;
  int64_t off = (sign == '-' ? -1 : 1) * (oh * 3600 + om * 60);
  *out = to_unix(y, m, d, hh, mm, ss) - off;
  return 0;
}

int vigil_time_parse_mdy(vigil_str s, int64_t *out) {
  /* "1/6/2015 21:07" or "1/6/2015 21:07:05" or "1/6/2015" */
  const char *p = s.ptr, *end = s.ptr + s.len;
  int m, d, y, hh = 0, mm = 0, ss = 0;
  if (!p) return VIGIL_EPARSE;
  if (!digits_var(&p, end, 2, &m) || p >= end || *p++ != '/' || !digits_var(&p, end, 2, &d) ||
      p >= end || *p++ != '/' || !digits(&p, end, 4, &y))
    return VIGIL_EPARSE;
  if (p < end && *p == ' ') {
    p++;
    if (!digits_var(&p, end, 2, &hh) || p >= end || *p++ != ':' || !digits(&p, end, 2, &mm))
      return VIGIL_EPARSE;
    if (p < end && *p == ':') {
      p++;
      if (!digits(&p, end, 2, &ss)) return VIGIL_EPARSE;
    }
  }
  if (p != end || !valid_date(y, m, d, hh, mm, ss)) return VIGIL_EPARSE;
  *out = to_unix(y, m, d, hh, mm, ss);
  return 0;
}

int vigil_time_parse_any(vigil_str s, int64_t *out) {
  if (!s.ptr || s.len == 0) return VIGIL_EPARSE;
  if (vigil_time_parse_iso8601(s, out) == 0) return 0;
  if (vigil_time_parse_twitter(s, out) == 0) return 0;
  if (vigil_time_parse_mdy(s, out) == 0) return 0;
  /* plain unix seconds */
  int64_t v = 0;
  size_t i = 0;
  int neg = 0;
  if (s.ptr[0] == '-') neg = 1, i = 1;
  if (i == s.len || s.len - i > 12) return VIGIL_EPARSE;
  for (; i < s.len; i++) {
    if ((unsigned)(s.ptr[i] - '0') > 9) return VIGIL_EPARSE;
    v = v * 10 + (s.ptr[i] - '0');
  }
  *out = neg ? -v : v;
  return 0;
}

void vigil_time_format(int64_t t, char out[32]) {
  if (t == VIGIL_TIME_UNKNOWN) {
    strcpy(out, "");
    return;
  }
  int64_t days = t / 86400, rem = t % 86400;
  if (rem < 0) rem += 86400, days--;
  /* civil_from_days (H. Hinnant) */
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = (int64_t)yoe + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  if (y < 0 || y > 9999) y = y < 0 ? 0 : 9999; /* keeps the output 20 chars */
  snprintf(out, 32, "%04d-%02u-%02uT%02u:%02u:%02uZ", (int)y, m % 100, d % 100,
           (unsigned)(rem / 3600) % 100, (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
}
