/* thread_cache.h - the rendered thread of recently viewed conversations (the HTML of
 * all their messages, as conv_render_message writes it), kept in memory so that a
 * view of a conversation that has not changed neither reads its messages nor writes
 * them again.
 *
 * An entry is keyed by the conversation's id and its revision (conv_head), which
 * every change to its messages increments in the database: a view asks for the
 * revision it has just read, so what another thread or another instance changed is
 * never served from here. One entry per conversation (its newest revision), the
 * least recently used dropped first once the whole exceeds a bound in bytes.
 * Thread-safe. */
#ifndef LLMMETA_THREAD_CACHE_H
#define LLMMETA_THREAD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../core/buf.h"

/* The bound unless thread_cache_limit says otherwise: a 200-message thread is about
 * 250 KB, so this keeps about a hundred long conversations. */
#define THREAD_CACHE_DEFAULT_BYTES ((size_t)32 << 20)

/* Sets the bound in bytes, dropping what no longer fits; 0 keeps nothing. */
void thread_cache_limit(size_t bytes);
/* Appends the kept thread of conversation conv_id at `revision` to b and returns
 * true; false (b unchanged) when it is not kept at that revision. */
bool thread_cache_get(int64_t conv_id, int64_t revision, buf *b);
/* Keeps html (len bytes) as the thread of conv_id at `revision`, replacing an
 * older revision's; a newer revision already kept stays. A thread larger than a
 * quarter of the bound is not kept. */
void thread_cache_put(int64_t conv_id, int64_t revision, const char *html, size_t len);
/* What is kept: bytes counted against the bound, and entries. */
void thread_cache_usage(size_t *bytes, size_t *entries);
/* Drops everything. */
void thread_cache_clear(void);

#endif
