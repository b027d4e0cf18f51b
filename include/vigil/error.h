/* vigil/error.h - the one error convention of vigil.
 *
 * Every fallible function returns 0 on success or a negative VIGIL_E* code.
 * Propagate with `if (rc) return rc;`. vigil_strerror() returns a static
 * string (never free it). Codes are stable: add new ones at the end.
 */
#ifndef VIGIL_ERROR_H
#define VIGIL_ERROR_H

#define VIGIL_ERRNO_MAP(X)                                              \
  X(NOMEM,    -1,  "out of memory")                                     \
  X(INVAL,    -2,  "invalid argument")                                  \
  X(IO,       -3,  "input/output error")                                \
  X(NOTFOUND, -4,  "not found")                                         \
  X(EXISTS,   -5,  "already exists")                                    \
  X(PARSE,    -6,  "malformed input")                                   \
  X(UTF8,     -7,  "invalid UTF-8")                                     \
  X(TOOBIG,   -8,  "input exceeds a size limit")                        \
  X(DB,       -9,  "database error")                                    \
  X(SCHEMA,   -10, "store schema is newer than this vigil")             \
  X(FORMAT,   -11, "unknown or undetectable format")                    \
  X(UNSUPPORTED, -12, "unsupported")                                    \
  X(CORRUPT,  -13, "corrupt data")                                      \
  X(TYPE,     -14, "wrong type")                                        \
  X(MISSING,  -15, "required field missing")                            \
  X(RANGE,    -16, "value out of range")                                \
  X(INTERRUPTED, -17, "interrupted")                                    \
  X(USAGE,    -18, "usage error")                                       \
  X(DECODE,   -19, "cannot decode image")                               \
  X(PERM,     -20, "permission denied")                                 \
  X(BUSY,     -21, "resource busy")                                     \
  X(STATE,    -22, "operation not valid in this state")

typedef enum vigil_errno {
  VIGIL_OK = 0,
#define VIGIL_ERRNO_ENUM_(name, code, msg) VIGIL_E##name = (code),
  VIGIL_ERRNO_MAP(VIGIL_ERRNO_ENUM_)
#undef VIGIL_ERRNO_ENUM_
} vigil_errno;

/* Static message for rc (0 -> "success"; unknown -> "unknown error"). */
const char *vigil_strerror(int rc);
/* Symbolic name such as "VIGIL_EPARSE" (static). */
const char *vigil_errname(int rc);

#endif
