/* vigil/url.h - URL canonicalisation for matching links across sources.
 *
 * Ownership: results are written into a caller-owned vigil_buf (cleared
 * first; free with vigil_buf_release()). Nothing is retained.
 *
 * Canonical form (docs/text.md): scheme and host lower-cased, a missing
 * scheme taken as http, default ports (:80 http, :443 https) dropped,
 * userinfo dropped, host trailing dot dropped, fragment removed, tracking
 * parameters removed (vigil_url_is_tracking_param), remaining query
 * parameters sorted (by name, then value, bytewise), empty parameters
 * dropped, dot segments resolved, trailing '/' removed from the path except
 * the root "/", percent-encoding normalised (unreserved characters decoded,
 * hex upper-cased, other bytes outside the URI set encoded). IDN hosts are
 * left as given (lower-cased; no punycode conversion).
 */
#ifndef VIGIL_URL_H
#define VIGIL_URL_H

#include <stddef.h>

#include "vigil/buf.h"

#define VIGIL_URL_MAX 8192 /* longer inputs -> VIGIL_ETOOBIG */

/* Returns 0, VIGIL_EPARSE (no host, bad scheme, bad port, bad IPv6
 * literal, control characters), VIGIL_ETOOBIG, VIGIL_ENOMEM. */
int vigil_url_canonical(vigil_str url, vigil_buf *out);

/* The "registrable-ish" domain: the canonical host without a leading
 * "www." and without port. No public-suffix list is used, so
 * "news.bbc.co.uk" stays as it is; only "www." is removed. Errors as
 * vigil_url_canonical. */
int vigil_url_domain(vigil_str url, vigil_buf *out);

/* 1 when a query parameter with this (decoded, any case) name is dropped as
 * tracking for this host (lower-case, may be empty), else 0. */
int vigil_url_is_tracking_param(vigil_str name, vigil_str host);

#endif
