/* vigil/buf.h - byte buffers that carry their size and capacity.
 *
 * Ownership: a vigil_buf owns `data` (heap). Initialise with
 * VIGIL_BUF_INIT or vigil_buf_init(); release the memory with
 * vigil_buf_release() (the struct itself is the caller's). `data` is always
 * NUL-terminated when non-NULL, so it can be used as a C string, but it may
 * also hold NUL bytes; `len` is authoritative.
 *
 * A vigil_str is a borrowed view (pointer + length): it never owns memory and
 * is valid only as long as whatever it points into.
 */
#ifndef VIGIL_BUF_H
#define VIGIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct vigil_str {
  const char *ptr; /* not NUL-terminated in general; NULL means absent */
  size_t len;
} vigil_str;

#define VIGIL_STR_NULL ((vigil_str){NULL, 0})
#define VIGIL_STR_LIT(s) ((vigil_str){(s), sizeof(s) - 1})
static inline vigil_str vigil_str_c(const char *s) {
  return (vigil_str){s, s ? strlen(s) : 0};
}
static inline int vigil_str_present(vigil_str s) { return s.ptr != NULL; }
static inline int vigil_str_eq(vigil_str a, vigil_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}
static inline int vigil_str_eq_c(vigil_str a, const char *b) {
  return vigil_str_eq(a, vigil_str_c(b));
}

typedef struct vigil_buf {
  char *data;
  size_t len;
  size_t cap;
} vigil_buf;

#define VIGIL_BUF_INIT {NULL, 0, 0}

void vigil_buf_init(vigil_buf *b);
/* Frees the memory and re-initialises the buffer (safe to reuse). */
void vigil_buf_release(vigil_buf *b);
/* Ensures room for `extra` more bytes plus the terminating NUL. */
int vigil_buf_reserve(vigil_buf *b, size_t extra);
int vigil_buf_append(vigil_buf *b, const void *p, size_t n);
int vigil_buf_append_str(vigil_buf *b, vigil_str s);
int vigil_buf_putc(vigil_buf *b, char c);
int vigil_buf_printf(vigil_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int vigil_buf_vprintf(vigil_buf *b, const char *fmt, va_list ap);
/* Grows a malloc'd array of *cap elements of `size` bytes to hold at least
 * `need` (capacity doubles from 4096). Returns the new array, *cap updated;
 * NULL when memory runs out or the size overflows, and then `items` and
 * *cap are unchanged and still the caller's. The caller frees the array. */
void *vigil_array_grow(void *items, size_t *cap, size_t need, size_t size);

static inline void vigil_buf_clear(vigil_buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}
/* Hands the heap string to the caller (who frees it with free()); the buffer
 * is left empty. Never returns NULL on success (an empty buffer gives ""). */
char *vigil_buf_detach(vigil_buf *b, size_t *len_out);
static inline vigil_str vigil_buf_view(const vigil_buf *b) {
  return (vigil_str){b->data ? b->data : "", b->len};
}

/* Output escaping: adversarial text must never reach an output unescaped. */
int vigil_buf_append_json_str(vigil_buf *b, vigil_str s); /* with quotes */
int vigil_buf_append_csv_field(vigil_buf *b, vigil_str s); /* RFC 4180; neuters spreadsheet formulas */
int vigil_buf_append_html(vigil_buf *b, vigil_str s);

/* Allocation helpers that never return NULL silently: they return NULL only
 * when the allocation failed, and callers must return VIGIL_ENOMEM. */
char *vigil_strndup(const char *s, size_t n);

#endif
