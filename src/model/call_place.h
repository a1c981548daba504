/* call_place.h - the calls each user has in flight on each running instance, kept
 * in the database so that MAX_ASKS_PER_USER holds across instances sharing one
 * PostgreSQL database (web/call/limit.c decides when; SQLite's one instance counts
 * in memory). A row (instance, user, n) belongs to the instance's lease
 * (instance.h): places on an instance whose lease has run out count for nothing,
 * and its rows go with its lease when it stops or is found dead. */
#ifndef LLMMETA_MODEL_CALL_PLACE_H
#define LLMMETA_MODEL_CALL_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "../db/db.h"

/* Takes one more of user's places for instance self, which then holds n (this
 * instance's own count, kept in its memory, is the truth for its row), when n and
 * the places the user holds on the other instances whose lease was renewed at or
 * after live_since come to at most max. Serialized per user by a
 * transaction-scoped advisory lock, so two instances taking the user's last place
 * at once cannot both get it. PostgreSQL only. 1 taken, 0 full, -1 error. */
int call_place_take(db *d, int64_t self, int64_t user, int64_t n, int64_t max, int64_t live_since);
/* Makes instance self's row for user say n (0: no row), after a give. 0 or -1. */
int call_place_set(db *d, int64_t self, int64_t user, int64_t n);
/* The places user holds on live instances other than `except` (0: on all), in *n.
 * 0 or -1. */
int call_place_count(db *d, int64_t user, int64_t except, int64_t live_since, int64_t *n);
/* Makes instance self's rows say exactly users[i] holds counts[i] (after a give that
 * could not be written), in one transaction. 0 or -1. */
int call_place_reset(db *d, int64_t self, const int64_t *users, const unsigned *counts, size_t n);
/* Removes instance self's rows (part of ending or burying its lease). 0 or -1. */
int call_place_drop(db *d, int64_t self);

#endif
