/* Word tokens, stemming and hashtags on top of vigil_text_normalize(). */
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

#include "vigil/error.h"
#include "vigil/text.h"

void vigil_tokens_init(vigil_tokens *t) {
  memset(t, 0, sizeof *t);
  vigil_buf_init(&t->store);
  vigil_buf_init(&t->norm);
}

void vigil_tokens_release(vigil_tokens *t) {
  if (!t) return;
  free(t->tok);
  vigil_buf_release(&t->store);
  vigil_buf_release(&t->norm);
  if (t->stem_en) sb_stemmer_delete(t->stem_en);
  if (t->stem_fr) sb_stemmer_delete(t->stem_fr);
  vigil_tokens_init(t);
}

/* Arabic letters are U+0621..U+064A (2-byte UTF-8 D8 A1 .. D9 8A); after
 * normalisation the text holds no other Arabic letter forms we care about. */
static int arabic_letter_at(const unsigned char *p, size_t left) {
  if (left < 2) return 0;
  unsigned cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
  return (p[0] & 0xE0) == 0xC0 && cp >= 0x0621 && cp <= 0x064A;
}

static size_t count_arabic_letters(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i + 1 < n; i += 2) {
    if (!arabic_letter_at((const unsigned char *)s + i, n - i)) return (size_t)-1;
    k++;
  }
  return (n % 2) ? (size_t)-1 : k;
}

size_t vigil_text_arabic_light_stem(char *tok, size_t len) {
  static const char *const prefixes[] = {"وال", "بال", "كال", "فال", "لل", "ال"};
  if (!arabic_letter_at((const unsigned char *)tok, len)) return len;
  for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
    size_t pl = strlen(prefixes[i]);
    if (len >= pl && memcmp(tok, prefixes[i], pl) == 0) {
      size_t rest = count_arabic_letters(tok + pl, len - pl);
      if (rest == (size_t)-1 || rest < 2) return len;
      memmove(tok, tok + pl, len - pl);
      return len - pl;
    }
  }
  return len;
}

static int push_token(vigil_tokens *t, const char *s, size_t n) {
  if (t->n >= VIGIL_TEXT_MAX_TOKENS) {
    t->truncated = 1;
    return 0;
  }
  if (t->n == t->cap) {
    size_t nc = t->cap ? t->cap * 2 : 32;
    void *nv = realloc(t->tok, nc * sizeof *t->tok);
    if (!nv) return VIGIL_ENOMEM;
    t->tok = nv;
    t->cap = nc;
  }
  /* record offsets now; pointers are fixed up once the store stops moving */
  t->tok[t->n].ptr = (const char *)(uintptr_t)t->store.len;
  t->tok[t->n].len = n;
  t->n++;
  int rc = vigil_buf_append(&t->store, s, n);
  if (!rc) rc = vigil_buf_putc(&t->store, '\0');
  return rc;
}

static void fix_pointers(vigil_tokens *t) {
  for (size_t i = 0; i < t->n; i++)
    t->tok[i].ptr = t->store.data + (size_t)(uintptr_t)t->tok[i].ptr;
}

static struct sb_stemmer *get_stemmer(vigil_tokens *t, vigil_stem stem) {
  if (stem == VIGIL_STEM_ENGLISH) {
    if (!t->stem_en) t->stem_en = sb_stemmer_new("english", "UTF_8");
    return t->stem_en;
  }
  if (stem == VIGIL_STEM_FRENCH) {
    if (!t->stem_fr) t->stem_fr = sb_stemmer_new("french", "UTF_8");
    return t->stem_fr;
  }
  return NULL;
}

int vigil_text_tokens(vigil_str in, unsigned flags, vigil_stem stem, vigil_tokens *t) {
  if (!t || stem < VIGIL_STEM_NONE || stem > VIGIL_STEM_ARABIC_ONLY) return VIGIL_EINVAL;
  t->n = 0;
  t->truncated = 0;
  vigil_buf_clear(&t->store);
  int rc = vigil_text_normalize(in, flags, &t->norm);
  if (rc) return rc;
  struct sb_stemmer *sb = NULL;
  if (stem == VIGIL_STEM_ENGLISH || stem == VIGIL_STEM_FRENCH) {
    sb = get_stemmer(t, stem);
    if (!sb) return VIGIL_ENOMEM;
  }
  char *s = t->norm.data;
  size_t n = t->norm.len, i = 0;
  while (i < n && !rc) {
    size_t e = i;
    while (e < n && s[e] != ' ') e++;
    char *w = s + i;
    size_t wl = e - i;
    if (stem != VIGIL_STEM_NONE && w[0] != '<' && w[0] != '#' && w[0] != '@') {
      if (arabic_letter_at((const unsigned char *)w, wl)) {
        wl = vigil_text_arabic_light_stem(w, wl);
      } else if (sb && wl < 1024) {
        const sb_symbol *r = sb_stemmer_stem(sb, (const sb_symbol *)w, (int)wl);
        if (!r) return VIGIL_ENOMEM;
        rc = push_token(t, (const char *)r, (size_t)sb_stemmer_length(sb));
        i = e + 1;
        continue;
      }
    }
    rc = push_token(t, w, wl);
    i = e + 1;
  }
  if (!rc && !t->store.data) rc = vigil_buf_reserve(&t->store, 0);
  if (rc) {
    t->n = 0;
    return rc;
  }
  fix_pointers(t);
  return 0;
}

int vigil_text_hashtags(vigil_str in, vigil_tokens *t) {
  if (!t) return VIGIL_EINVAL;
  t->n = 0;
  t->truncated = 0;
  vigil_buf_clear(&t->store);
  int rc = vigil_text_normalize(in, VIGIL_TEXT_DROP_PLACEHOLDERS, &t->norm);
  if (rc) return rc;
  const char *s = t->norm.data;
  size_t n = t->norm.len, i = 0;
  while (i < n && !rc) {
    size_t e = i;
    while (e < n && s[e] != ' ') e++;
    if (s[i] == '#' && e - i > 1) {
      int dup = 0;
      /* dedup against the store (offsets are still relative here) */
      for (size_t k = 0; k < t->n && !dup; k++) {
        size_t off = (size_t)(uintptr_t)t->tok[k].ptr;
        dup = t->tok[k].len == e - i - 1 && memcmp(t->store.data + off, s + i + 1, e - i - 1) == 0;
      }
      if (!dup && t->n < 4096) rc = push_token(t, s + i + 1, e - i - 1);
    }
    i = e + 1;
  }
  if (!rc && !t->store.data) rc = vigil_buf_reserve(&t->store, 0);
  if (rc) {
    t->n = 0;
    return rc;
  }
  fix_pointers(t);
  return 0;
}
