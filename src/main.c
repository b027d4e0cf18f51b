/* vigil - one binary, a command table (as git.c). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "vigil/store.h"

struct cmd_struct {
  const char *name;
  int (*fn)(int, char **, vigil_ctx *);
  int flags;
  const char *summary;
};

static const struct cmd_struct commands[] = {
#define VIGIL_CMD(name, fn, flags, summary) {name, fn, flags, summary},
#include "cmd/table.def"
#undef VIGIL_CMD
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

int vigil_cmd_fail(const char *cmd, int rc, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "vigil %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  if (rc) fprintf(stderr, ": %s", vigil_strerror(rc));
  fputc('\n', stderr);
  return VIGIL_EXIT_FATAL;
}

int vigil_cmd_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "vigil %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry 'vigil %s --help'.\n", cmd);
  return VIGIL_EXIT_USAGE;
}

static void usage(FILE *out) {
  fprintf(out,
          "usage: vigil [--db PATH] [--quiet] COMMAND [ARGS]\n"
          "       vigil help [COMMAND]   vigil --version\n\n"
          "Find, describe and refer terrorist recruitment networks and propaganda.\n\n"
          "Commands:\n");
  for (size_t i = 0; i < NCOMMANDS; i++)
    fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf(out,
          "\nGlobal options:\n"
          "  --db PATH     the store (default $VIGIL_DB, else ./vigil.db)\n"
          "  --quiet       no progress output on stderr\n"
          "  --version     print the version\n\n"
          "'vigil COMMAND --help' describes a command.\n");
}

static const struct cmd_struct *find_command(const char *name) {
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (strcmp(commands[i].name, name) == 0) return &commands[i];
  return NULL;
}

static int run_command(const struct cmd_struct *c, int argc, char **argv, vigil_ctx *ctx) {
  int wants_help = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) break;
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) wants_help = 1;
  }
  if ((c->flags & NEEDS_STORE) && !wants_help) {
    int rc = vigil_store_open(ctx->db_path, (c->flags & BULK_STORE) ? VIGIL_STORE_BULK : 0,
                              &ctx->store);
    if (rc) return vigil_cmd_fail(c->name, rc, "cannot open store %s", ctx->db_path);
  }
  optind = 0; /* full getopt reset for the command's own parsing */
  int code = c->fn(argc, argv, ctx);
  if (ctx->store) {
    int rc = vigil_store_close(ctx->store);
    ctx->store = NULL;
    if (rc && code == 0) code = vigil_cmd_fail(c->name, rc, "closing the store");
  }
  fflush(stdout);
  if (ferror(stdout)) {
    fprintf(stderr, "vigil %s: error writing output\n", c->name);
    if (code == 0) code = VIGIL_EXIT_FATAL;
  }
  return code;
}

int main(int argc, char **argv) {
  vigil_ctx ctx = {0};
  ctx.db_path = getenv("VIGIL_DB");
  if (!ctx.db_path || !*ctx.db_path) ctx.db_path = "vigil.db";
  ctx.actor = getenv("VIGIL_USER");
  if (!ctx.actor || !*ctx.actor) ctx.actor = getenv("USER");
  if (!ctx.actor || !*ctx.actor) ctx.actor = "cli";

  static const struct option opts[] = {
      {"db", required_argument, NULL, 'd'}, {"quiet", no_argument, NULL, 'q'},
      {"version", no_argument, NULL, 'V'},  {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;
  /* '+' stops at the first non-option: the command's flags are its own */
  while ((c = getopt_long(argc, argv, "+qhV", opts, NULL)) != -1) {
    switch (c) {
    case 'd': ctx.db_path = optarg; break;
    case 'q': ctx.quiet = 1; break;
    case 'V': printf("vigil %s\n", VIGIL_VERSION); return 0;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return VIGIL_EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return VIGIL_EXIT_USAGE;
  }
  char **cargv = argv + optind;
  int cargc = argc - optind;
  if (strcmp(cargv[0], "help") == 0) {
    if (cargc < 2) {
      usage(stdout);
      return 0;
    }
    const struct cmd_struct *cmd = find_command(cargv[1]);
    if (!cmd) {
      fprintf(stderr, "vigil: '%s' is not a vigil command. See 'vigil help'.\n", cargv[1]);
      return VIGIL_EXIT_USAGE;
    }
    char *hargv[] = {cargv[1], "--help", NULL};
    return run_command(cmd, 2, hargv, &ctx);
  }
  const struct cmd_struct *cmd = find_command(cargv[0]);
  if (!cmd) {
    fprintf(stderr, "vigil: '%s' is not a vigil command. See 'vigil help'.\n", cargv[0]);
    return VIGIL_EXIT_USAGE;
  }
  return run_command(cmd, cargc, cargv, &ctx);
}
