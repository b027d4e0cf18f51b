/* Whole input files in memory (bank imports and match inputs can be
 * hundreds of MB: map them rather than copy). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vigil/bank.h"
#include "vigil/error.h"

static int read_fd(int fd, vigil_buf *b) {
  for (;;) {
    int rc = vigil_buf_reserve(b, 65536);
    if (rc) return rc;
    ssize_t n = read(fd, b->data + b->len, 65536);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return VIGIL_EIO;
    if (n == 0) break;
    b->len += (size_t)n;
    b->data[b->len] = '\0';
    if (b->len > VIGIL_BANK_FILE_MAX) return VIGIL_ETOOBIG;
  }
  return 0;
}

int vigil_bank_file_open(const char *path, vigil_bank_file *f) {
  if (!path) return VIGIL_EINVAL;
  if (strcmp(path, "-") == 0) {
    int rc = read_fd(0, &f->buf);
    f->data = f->buf.data ? f->buf.data : "";
    f->len = f->buf.len;
    return rc;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? VIGIL_ENOTFOUND : errno == EACCES ? VIGIL_EPERM : VIGIL_EIO;
  struct stat st;
  int rc = 0;
  if (fstat(fd, &st)) rc = VIGIL_EIO;
  else if (S_ISDIR(st.st_mode)) rc = VIGIL_EINVAL;
  else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > VIGIL_BANK_FILE_MAX) rc = VIGIL_ETOOBIG;
  else if (S_ISREG(st.st_mode) && st.st_size > 0) {
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) rc = VIGIL_EIO;
    else {
      madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
      f->map = p;
      f->map_len = (size_t)st.st_size;
      f->data = p;
      f->len = f->map_len;
    }
  } else {
    rc = read_fd(fd, &f->buf);
    f->data = f->buf.data ? f->buf.data : "";
    f->len = f->buf.len;
  }
  close(fd);
  return rc;
}

void vigil_bank_file_close(vigil_bank_file *f) {
  if (f->map) munmap(f->map, f->map_len);
  vigil_buf_release(&f->buf);
  f->map = NULL;
  f->data = NULL;
  f->len = f->map_len = 0;
}
