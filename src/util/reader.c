#include "vigil/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "vigil/error.h"

#define CHUNK ((size_t)1 << 20)

struct vigil_reader {
  int fd;            /* -1 for memory input */
  int own_fd;
  char *name;
  const unsigned char *mem; /* memory input */
  size_t mem_len, mem_pos;
  int gzip;
  z_stream zs;
  unsigned char *zin; /* compressed input buffer */
  int zdone;
  char *buf;         /* decompressed data window */
  size_t cap, start, end; /* valid bytes are buf[start, end) */
  int eof;
  size_t max_line;
  uint64_t line_no, line_off, next_off;
  uint64_t base_off; /* stream offset of buf[0] */
  uint64_t raw_pos, raw_size;
  /* A plain regular file is mapped whole: buf is the mapping (read-only,
   * cap == end == its size, eof from the start), so the line loop above
   * needs no read() copy and no refill. Pages already passed are dropped
   * now and then (mapped_dropped) so that resident memory stays bounded. */
  int mapped;
  size_t mapped_dropped;
};

/* Files smaller than this are read: mapping them saves nothing. */
#define MAP_MIN ((uint64_t)4 << 20)
/* Dropped behind the reading position in steps of this much. */
#define MAP_DROP_STEP ((size_t)64 << 20)

/* A mapped file that shrinks under us faults on the next page read (SIGBUS).
 * That is another program rewriting the input mid-ingest: stop with a clear
 * message. The store keeps its last committed batch, like after a kill. */
static void on_sigbus(int sig) {
  static const char msg[] =
      "vigil: an input file shrank while it was being read (SIGBUS); the store keeps its last "
      "committed batch; re-run the ingest once the file is complete\n";
  ssize_t w = write(2, msg, sizeof msg - 1);
  (void)w;
  (void)sig;
  _exit(1);
}

static int try_map(vigil_reader *r) {
  if (r->raw_size < MAP_MIN || r->raw_size > (uint64_t)SIZE_MAX / 2) return 0;
  unsigned char magic[2];
  if (pread(r->fd, magic, 2, 0) != 2 || (magic[0] == 0x1f && magic[1] == 0x8b)) return 0;
  size_t len = (size_t)r->raw_size;
  void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, r->fd, 0);
  if (m == MAP_FAILED) return 0; /* read() it instead */
  madvise(m, len, MADV_SEQUENTIAL);
  static int handler_set;
  if (!handler_set) {
    handler_set = 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigbus;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
  }
  r->mapped = 1;
  r->buf = m;
  r->cap = r->end = len;
  r->start = 0;
  r->eof = 1;
  r->max_line = VIGIL_READER_DEFAULT_MAX_LINE;
  return 1;
}

/* Lets the kernel take back the mapped pages before the current line. */
static void drop_behind(vigil_reader *r) {
  size_t page = 4096, upto = r->start & ~(page - 1);
  if (upto <= r->mapped_dropped || upto - r->mapped_dropped < MAP_DROP_STEP) return;
  madvise(r->buf + r->mapped_dropped, upto - r->mapped_dropped, MADV_DONTNEED);
  r->mapped_dropped = upto;
}

static ssize_t raw_read(vigil_reader *r, void *dst, size_t n) {
  if (r->fd < 0) {
    size_t k = r->mem_len - r->mem_pos;
    if (k > n) k = n;
    memcpy(dst, r->mem + r->mem_pos, k);
    r->mem_pos += k;
    __atomic_store_n(&r->raw_pos, r->raw_pos + k, __ATOMIC_RELAXED);
    return (ssize_t)k;
  }
  for (;;) {
    ssize_t k = read(r->fd, dst, n);
    if (k < 0 && errno == EINTR) continue;
    if (k > 0) __atomic_store_n(&r->raw_pos, r->raw_pos + (uint64_t)k, __ATOMIC_RELAXED);
    return k;
  }
}

/* Appends up to `room` decompressed bytes at dst. Returns bytes, 0 at EOF. */
static int fill_some(vigil_reader *r, char *dst, size_t room, size_t *got) {
  *got = 0;
  if (!r->gzip) {
    ssize_t k = raw_read(r, dst, room);
    if (k < 0) return VIGIL_EIO;
    *got = (size_t)k;
    return 0;
  }
  if (r->zdone) return 0;
  r->zs.next_out = (unsigned char *)dst;
  r->zs.avail_out = (uInt)(room > UINT32_MAX ? UINT32_MAX : room);
  while (r->zs.avail_out > 0) {
    if (r->zs.avail_in == 0) {
      ssize_t k = raw_read(r, r->zin, CHUNK);
      if (k < 0) return VIGIL_EIO;
      if (k == 0) {
        if (r->zs.avail_out == room) return VIGIL_ECORRUPT; /* truncated gzip */
        break;
      }
      r->zs.next_in = r->zin;
      r->zs.avail_in = (uInt)k;
    }
    int zr = inflate(&r->zs, Z_NO_FLUSH);
    if (zr == Z_STREAM_END) {
      /* concatenated gzip members (as `cat a.gz b.gz`) continue */
      if (r->zs.avail_in == 0) {
        unsigned char peek;
        ssize_t k = raw_read(r, &peek, 1);
        if (k <= 0) { r->zdone = 1; break; }
        r->zin[0] = peek;
        r->zs.next_in = r->zin;
        r->zs.avail_in = 1;
      }
      if (inflateReset(&r->zs) != Z_OK) return VIGIL_ECORRUPT;
      continue;
    }
    if (zr != Z_OK && zr != Z_BUF_ERROR) return VIGIL_ECORRUPT;
    if (zr == Z_BUF_ERROR && r->zs.avail_in == 0) continue;
    if (zr == Z_BUF_ERROR) return VIGIL_ECORRUPT;
  }
  *got = room - r->zs.avail_out;
  return 0;
}

/* Makes room and reads more data into the window. Returns 0, or error;
 * sets r->eof when nothing more can come. */
static int fill(vigil_reader *r) {
  if (r->eof) return 0;
  if (r->start > 0 && (r->start == r->end || r->end == r->cap)) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->base_off += r->start;
    r->end -= r->start;
    r->start = 0;
  }
  if (r->end == r->cap) {
    size_t ncap = r->cap * 2;
    char *nb = realloc(r->buf, ncap + 1);
    if (!nb) return VIGIL_ENOMEM;
    r->buf = nb;
    r->cap = ncap;
  }
  size_t got;
  int rc = fill_some(r, r->buf + r->end, r->cap - r->end, &got);
  if (rc) return rc;
  if (got == 0) r->eof = 1;
  r->end += got;
  return 0;
}

static int init_common(vigil_reader *r) {
  r->cap = CHUNK;
  r->buf = malloc(r->cap + 1);
  if (!r->buf) return VIGIL_ENOMEM;
  r->max_line = VIGIL_READER_DEFAULT_MAX_LINE;
  /* gzip detection on the first two raw bytes */
  unsigned char magic[2];
  ssize_t k = raw_read(r, magic, 2);
  if (k < 0) return VIGIL_EIO;
  if (k == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    r->gzip = 1;
    r->zin = malloc(CHUNK);
    if (!r->zin) return VIGIL_ENOMEM;
    memset(&r->zs, 0, sizeof r->zs);
    if (inflateInit2(&r->zs, 15 + 16) != Z_OK) return VIGIL_ENOMEM;
    memcpy(r->zin, magic, 2);
    r->zs.next_in = r->zin;
    r->zs.avail_in = 2;
  } else {
    memcpy(r->buf, magic, (size_t)k);
    r->end = (size_t)k;
    if (k < 2) r->eof = (k == 0) ? 1 : 0;
  }
  return 0;
}

int vigil_reader_open(const char *path, vigil_reader **out) {
  *out = NULL;
  vigil_reader *r = calloc(1, sizeof *r);
  if (!r) return VIGIL_ENOMEM;
  if (strcmp(path, "-") == 0) {
    r->fd = 0;
  } else {
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
      int e = errno;
      free(r);
      return e == ENOENT ? VIGIL_ENOTFOUND : e == EACCES ? VIGIL_EPERM : VIGIL_EIO;
    }
    r->own_fd = 1;
    struct stat st;
    if (fstat(r->fd, &st) == 0) {
      if (S_ISDIR(st.st_mode)) {
        close(r->fd);
        free(r);
        return VIGIL_EINVAL;
      }
      if (S_ISREG(st.st_mode)) r->raw_size = (uint64_t)st.st_size;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
  }
  r->name = vigil_strndup(path, strlen(path));
  int rc = !r->name ? VIGIL_ENOMEM : (r->fd > 0 && try_map(r)) ? 0 : init_common(r);
  if (rc) {
    vigil_reader_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

int vigil_reader_open_mem(const void *data, size_t len, const char *name,
                          vigil_reader **out) {
  *out = NULL;
  vigil_reader *r = calloc(1, sizeof *r);
  if (!r) return VIGIL_ENOMEM;
  r->fd = -1;
  r->mem = data;
  r->mem_len = len;
  r->raw_size = len;
  if (!name) name = "<memory>";
  r->name = vigil_strndup(name, strlen(name));
  int rc = r->name ? init_common(r) : VIGIL_ENOMEM;
  if (rc) {
    vigil_reader_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void vigil_reader_free(vigil_reader *r) {
  if (!r) return;
  if (r->gzip) inflateEnd(&r->zs);
  if (r->own_fd) close(r->fd);
  free(r->zin);
  if (r->mapped) munmap(r->buf, r->cap);
  else free(r->buf);
  free(r->name);
  free(r);
}

void vigil_reader_set_max_line(vigil_reader *r, size_t max_line) {
  r->max_line = max_line ? max_line : VIGIL_READER_DEFAULT_MAX_LINE;
}

int vigil_reader_getline(vigil_reader *r, vigil_str *line) {
  if (r->mapped) {
    drop_behind(r);
    __atomic_store_n(&r->raw_pos, (uint64_t)r->start, __ATOMIC_RELAXED);
  }
  size_t scan = r->start;
  int too_long = 0;
  for (;;) {
    char *nl = scan < r->end ? memchr(r->buf + scan, '\n', r->end - scan) : NULL;
    if (nl) {
      size_t nl_at = (size_t)(nl - r->buf);
      r->line_no++;
      /* an over-long line's start was noted when its head was dropped */
      if (!too_long) r->line_off = r->base_off + r->start;
      r->next_off = r->base_off + nl_at + 1;
      size_t len = nl_at - r->start;
      const char *p = r->buf + r->start;
      r->start = nl_at + 1;
      if (too_long || len > r->max_line) return VIGIL_ETOOBIG;
      if (len && p[len - 1] == '\r') len--;
      *line = (vigil_str){p, len};
      return 1;
    }
    if (r->eof) {
      if (r->start == r->end && !too_long) return 0;
      /* last line without a newline */
      r->line_no++;
      if (!too_long) r->line_off = r->base_off + r->start;
      r->next_off = r->base_off + r->end;
      size_t len = r->end - r->start;
      const char *p = r->buf + r->start;
      r->start = r->end;
      if (too_long || len > r->max_line) return VIGIL_ETOOBIG;
      if (len && p[len - 1] == '\r') len--;
      *line = (vigil_str){p, len};
      return 1;
    }
    if (r->end - r->start > r->max_line) {
      /* drop what we have of the overlong line and keep looking for its end;
       * the line counts from where it began */
      if (!too_long) r->line_off = r->base_off + r->start;
      too_long = 1;
      r->base_off += r->end;
      r->start = r->end = 0;
    }
    size_t scanned = r->end - r->start;
    int rc = fill(r);
    if (rc) return rc;
    scan = r->start + scanned;
  }
}

uint64_t vigil_reader_line(const vigil_reader *r) { return r->line_no; }
uint64_t vigil_reader_offset(const vigil_reader *r) { return r->line_off; }
uint64_t vigil_reader_next_offset(const vigil_reader *r) { return r->next_off; }
/* read by a progress display on another thread than the one reading
 * (the edge-list parser reads on its own thread) */
uint64_t vigil_reader_raw_pos(const vigil_reader *r) {
  return __atomic_load_n(&r->raw_pos, __ATOMIC_RELAXED);
}
uint64_t vigil_reader_raw_size(const vigil_reader *r) { return r->raw_size; }
int vigil_reader_is_gzip(const vigil_reader *r) { return r->gzip; }
const char *vigil_reader_name(const vigil_reader *r) { return r->name; }

int vigil_reader_peek(vigil_reader *r, size_t want, const char **p, size_t *n) {
  while (r->end - r->start < want && !r->eof) {
    int rc = fill(r);
    if (rc) return rc;
  }
  *p = r->buf + r->start;
  *n = r->end - r->start < want ? r->end - r->start : want;
  return 0;
}

int vigil_reader_seek_line(vigil_reader *r, uint64_t offset, uint64_t line) {
  uint64_t pos = r->base_off + r->start;
  if (offset < pos) return VIGIL_EINVAL;
  if (r->mapped) {
    if (offset > r->end) return VIGIL_EINVAL;
    r->start = (size_t)offset;
  } else if (!r->gzip && r->fd >= 0 &&
      lseek(r->fd, (off_t)offset, SEEK_SET) == (off_t)offset) {
    r->base_off = offset;
    r->start = r->end = 0;
    r->eof = 0;
    __atomic_store_n(&r->raw_pos, offset, __ATOMIC_RELAXED);
  } else {
    /* stream forward (gzip, pipes, memory) */
    while (r->base_off + r->start < offset) {
      uint64_t avail = r->end - r->start;
      uint64_t need = offset - (r->base_off + r->start);
      if (avail >= need) {
        r->start += (size_t)need;
        break;
      }
      r->start = r->end;
      if (r->eof) return VIGIL_EINVAL;
      int rc = fill(r);
      if (rc) return rc;
    }
  }
  r->line_no = line;
  r->next_off = offset;
  return 0;
}
