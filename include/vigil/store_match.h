/* vigil/store_match.h - store functions for hash banks and matches.
 *
 * Banks (named lists of known content: PDQ/MD5/SHA-256 hashes, texts, URLs)
 * and their entries live in the store; so do match runs and their matches
 * (the review queue reads them). Only primitive types cross this interface
 * so the backend table (src/store/backend.h) needs no extra types.
 *
 * Ownership: strings passed in are copied by the store. Strings handed to
 * callbacks are borrowed and valid only during the callback. Callbacks
 * return 0 to go on; a non-zero return stops the iteration and is returned.
 *
 * Writes must run inside vigil_store_begin()/commit().
 */
#ifndef VIGIL_STORE_MATCH_H
#define VIGIL_STORE_MATCH_H

#include "vigil/store.h"

/* One bank: kind is "pdq", "md5", "sha256", "text" or "url"; entries the
 * live entry count; version grows with every entry added or removed. */
typedef int (*vigil_bank_row_cb)(void *ctx, int64_t id, vigil_str name, vigil_str kind,
                                 vigil_str label, int enabled, int64_t entries,
                                 int64_t version);
/* One entry: value is the normalised hash (lowercase hex), the text, the
 * canonical URL or "domain:HOST". label/entity/content_type may be absent
 * (ptr NULL). */
typedef int (*vigil_bank_entry_cb)(void *ctx, int64_t id, int64_t bank, vigil_str value,
                                   vigil_str label, vigil_str entity, vigil_str content_type);

/* VIGIL_EEXISTS when a bank of that name exists. */
int vigil_store_bank_create(vigil_store *s, vigil_str name, vigil_str kind, vigil_str label,
                            int64_t *id);
/* All banks in name order, or only the one named (name.ptr != NULL;
 * VIGIL_ENOTFOUND when there is none). */
int vigil_store_each_bank(vigil_store *s, vigil_str name, vigil_bank_row_cb cb, void *ctx);
int vigil_store_bank_set_enabled(vigil_store *s, int64_t bank, int enabled,
                                 vigil_change *change);
/* Adds or relabels n entries (values[i] already normalised by the caller).
 * An existing value with the same labels is VIGIL_UNCHANGED, with other
 * labels VIGIL_UPDATED (labels replaced), else VIGIL_NEW. ids and changes
 * receive n values each (either may be NULL). Label arrays may be NULL. */
int vigil_store_bank_entries_put(vigil_store *s, int64_t bank, size_t n, const vigil_str *values,
                                 const vigil_str *labels, const vigil_str *entities,
                                 const vigil_str *content_types, int64_t *ids,
                                 vigil_change *changes);
/* Removes one entry by id; VIGIL_ENOTFOUND if it is not in the bank. */
int vigil_store_bank_entry_remove(vigil_store *s, int64_t bank, int64_t entry);
/* Entries of a bank in id order with id > after (0 = from the start). */
int vigil_store_each_bank_entry(vigil_store *s, int64_t bank, int64_t after,
                                vigil_bank_entry_cb cb, void *ctx);
/* The entry of a bank with this exact value (cb not called if none). */
int vigil_store_bank_entry_find(vigil_store *s, int64_t bank, vigil_str value,
                                vigil_bank_entry_cb cb, void *ctx);
/* One entry by id (cb not called if none). */
int vigil_store_bank_entry_get(vigil_store *s, int64_t entry, vigil_bank_entry_cb cb, void *ctx);

/* Match runs. params/summary: JSON text (copied). */
int vigil_store_match_begin(vigil_store *s, const char *actor, const char *params_json,
                            int64_t *run);
int vigil_store_match_put(vigil_store *s, int64_t run, vigil_str query, int64_t bank,
                          int64_t entry, double score);
int vigil_store_match_end(vigil_store *s, int64_t run, const char *summary_json);
/* Matches of a run in insertion order. */
int vigil_store_each_match(vigil_store *s, int64_t run,
                           int (*cb)(void *ctx, vigil_str query, int64_t bank, int64_t entry,
                                     double score),
                           void *ctx);

/* Media references of posts (the store holds URLs, not image bytes), in
 * (post, idx) order. url may be absent. */
int vigil_store_each_post_media(vigil_store *s,
                                int (*cb)(void *ctx, vigil_str post_platform_id,
                                          vigil_str media_type, vigil_str url),
                                void *ctx);

#endif
