/* limit.h - the calls one user may have in flight at once (MAX_ASKS_PER_USER), form
 * questions and API calls together, and the bytes of API bodies one user may be
 * sending at once (limit.c). The calls across the instances sharing a database,
 * the bytes per instance (their memory). */
#ifndef LLMMETA_WEB_CALL_LIMIT_H
#define LLMMETA_WEB_CALL_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Questions in flight per user (limit.c): take a place or fail; give it back. */
bool call_limit_take(int64_t user_id);
void call_limit_give(int64_t user_id);
/* True when user_id has no place left (nothing is taken). */
bool call_limit_full(int64_t user_id);
/* Writes the places given back that are still queued, then stops (after the last
 * request, before the lease ends). */
void call_limit_stop(void);
/* Bytes of API bodies one user is sending at once: reserve n of at most share, or
 * fail; give them back (docs/api.md, "Limits"). */
bool call_limit_bytes_take(int64_t user_id, size_t n, size_t share);
void call_limit_bytes_give(int64_t user_id, size_t n);
#define CALL_LIMIT_REACHED                                                                                      \
	"You already have as many questions waiting for answers as one person may. Wait for one to finish, then " \
	"ask again."

#endif
