/* vigil/text.h - text normalisation and word tokens.
 *
 * Ownership: vigil_text_normalize() writes into a vigil_buf that the caller
 * owns (initialise with VIGIL_BUF_INIT, free with vigil_buf_release()). A
 * vigil_tokens is caller-owned storage: vigil_tokens_init() before first use,
 * vigil_tokens_release() to free it; it can be reused across calls (each
 * call replaces its content) and keeps its stemmers between calls. The
 * vigil_str views in tokens->tok point into the struct and are valid until
 * the next call on it or its release. A vigil_tokens is not thread-safe;
 * use one per thread.
 *
 * The rules (see docs/text.md): NFKC + case fold, Latin/Greek/Cyrillic/
 * Hebrew/Arabic diacritics removed, Arabic letter variants folded, Arabic-
 * Indic digits to ASCII, URLs -> "<url>", @mentions -> "<user>", hashtags
 * kept as "#tag", punctuation -> space, emoji and other symbols kept as
 * one-character tokens, whitespace collapsed to single spaces, no leading or
 * trailing space. Output is valid NFC UTF-8.
 */
#ifndef VIGIL_TEXT_H
#define VIGIL_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "vigil/buf.h"

/* Inputs longer than this are refused with VIGIL_ETOOBIG. */
#define VIGIL_TEXT_MAX_INPUT ((size_t)1 << 20)

/* Flags for vigil_text_normalize() / vigil_text_tokens(). */
enum {
  VIGIL_TEXT_KEEP_URLS = 1u << 0,     /* URLs in canonical form instead of "<url>" */
  VIGIL_TEXT_KEEP_MENTIONS = 1u << 1, /* "@name" (lower-cased) instead of "<user>" */
  VIGIL_TEXT_HASHTAG_WORDS = 1u << 2, /* "#Tag" -> "tag" (else "#tag") */
  VIGIL_TEXT_DROP_PLACEHOLDERS = 1u << 3, /* omit "<url>"/"<user>" entirely */
  VIGIL_TEXT_KEEP_MARKS = 1u << 4,    /* keep diacritics (no accent stripping) */
};

/* The placeholder tokens (they cannot arise from text: '<' '>' are dropped). */
#define VIGIL_TEXT_URL_TOKEN "<url>"
#define VIGIL_TEXT_USER_TOKEN "<user>"

/* Normalises `in` into `out` (cleared first). Returns 0, VIGIL_EUTF8 for
 * invalid UTF-8 (out left empty), VIGIL_ETOOBIG when `in` is longer than
 * VIGIL_TEXT_MAX_INPUT, VIGIL_ENOMEM. Decodes the HTML entities that
 * platforms leave in text (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;). */
int vigil_text_normalize(vigil_str in, unsigned flags, vigil_buf *out);

/* Stemming applied by vigil_text_tokens(). Arabic-script tokens are never
 * Snowball-stemmed; with any stemmer other than NONE they are light-stemmed
 * (definite article and attached prepositions/conjunctions removed, see
 * vigil_text_arabic_light_stem). */
typedef enum vigil_stem {
  VIGIL_STEM_NONE = 0,
  VIGIL_STEM_ENGLISH = 1,
  VIGIL_STEM_FRENCH = 2,
  VIGIL_STEM_ARABIC_ONLY = 3, /* Arabic light stem, other scripts untouched */
} vigil_stem;

#define VIGIL_TEXT_MAX_TOKENS 65536 /* further tokens are dropped */

typedef struct vigil_tokens {
  vigil_str *tok; /* tok[0..n) point into `store` */
  size_t n, cap;
  vigil_buf store;
  vigil_buf norm; /* scratch: the normalised text */
  struct sb_stemmer *stem_en, *stem_fr;
  unsigned truncated; /* 1 when VIGIL_TEXT_MAX_TOKENS was hit */
} vigil_tokens;

void vigil_tokens_init(vigil_tokens *t);
void vigil_tokens_release(vigil_tokens *t);

/* Normalised word tokens of `in` (errors as vigil_text_normalize). */
int vigil_text_tokens(vigil_str in, unsigned flags, vigil_stem stem, vigil_tokens *out);

/* Hashtags of `in`, normalised, without '#', in order of appearance, each
 * once. */
int vigil_text_hashtags(vigil_str in, vigil_tokens *out);

/* Arabic light stem of one normalised token, in place: returns the new
 * length. Strips one leading prefix among وال بال كال فال لل ال (longest
 * first) when at least 2 letters remain. Suffixes are left alone: suffix
 * stripping without a lexicon merges too many unrelated words for matching.
 * Tokens not starting with an Arabic letter are returned unchanged. */
size_t vigil_text_arabic_light_stem(char *tok, size_t len);

/* XXH3-128 of the normalised text (flags as given), as two 64-bit halves. */
typedef struct vigil_hash128 {
  uint64_t lo, hi;
} vigil_hash128;
int vigil_text_hash(vigil_str in, unsigned flags, vigil_hash128 *out);

#endif
