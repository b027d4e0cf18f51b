/* vigil/walk.h - directory walks for commands that take FILE|DIR arguments.
 *
 * vigil_walk_files() visits every regular file below `dir` in sorted name
 * order (deterministic output), recursing into subdirectories up to
 * `max_depth`. Symbolic links are not followed, so a link loop cannot make
 * the walk recurse forever; "." and ".." are skipped. A path that cannot be
 * read is reported through on_error (which may be NULL) and the walk goes
 * on. A non-zero return from on_file stops the walk and is returned.
 *
 * Ownership: paths passed to the callbacks are valid during the call only.
 */
#ifndef VIGIL_WALK_H
#define VIGIL_WALK_H

int vigil_walk_files(const char *dir, int max_depth,
                     int (*on_file)(void *ctx, const char *path),
                     void (*on_error)(void *ctx, const char *path, const char *reason),
                     void *ctx);

#endif
