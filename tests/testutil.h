/* Shared helpers for cmocka unit tests. */
#ifndef VIGIL_TESTUTIL_H
#define VIGIL_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Path under ../shared/data (VIGIL_SHARED_DATA), or NULL when absent; in
 * that case a "SKIP: ..." message naming the path has been printed and the
 * caller should call skip(). Returned string is static (overwritten by the
 * next call). */
const char *vt_shared(const char *rel);
/* Path under tests/data (VIGIL_TESTDATA); static buffer as above. */
const char *vt_testdata(const char *rel);
/* A fresh empty directory for this test (malloc'd; caller frees). */
char *vt_tmpdir(const char *tag);
/* The path of `name` inside a fresh empty directory (malloc'd; caller
 * frees); NULL on error. */
char *vt_tmppath(const char *tag, const char *name);
/* Reads a whole file (malloc'd, NUL-terminated); NULL on error. */
char *vt_read_file(const char *path, size_t *len);
int vt_write_file(const char *path, const void *data, size_t len);
/* xorshift64: a reproducible stream for randomised tests; *state != 0. */
uint64_t vt_xorshift(uint64_t *state);

#endif
