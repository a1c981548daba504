/* instance.h - running servers and the questions they have in flight. Each serving
 * process holds a lease (a row in `instances`, renewed every few seconds); a
 * question is recorded with its instance's id, cleared when its outcome is. A
 * question whose instance is gone - its lease ran out, or its process on this host
 * no longer exists - can never be answered: it is marked 'interrupted'. */
#ifndef LLMMETA_INSTANCE_H
#define LLMMETA_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"

#define INTERRUPTED_REASON "The server stopped before the answer was complete."

int instance_register(db *d, const char *host, int64_t pid, int64_t now, int64_t *id);
int instance_renew(db *d, int64_t id, int64_t now);
/* Removes the lease of an instance that stopped cleanly, with its calls' places
 * (call_place.h). */
int instance_end(db *d, int64_t id);
/* Marks 'interrupted' the questions in flight of every instance other than `self`
 * whose lease is older than stale_before, or that ran on `host` with a pid for which
 * alive() is false; their leases are removed. *marked receives how many questions
 * were marked. 0 or -1. Their places of calls in flight (call_place.h) go too. */
int instance_sweep(db *d, int64_t self, const char *host, int64_t stale_before, bool (*alive)(int64_t pid),
		   int64_t *marked);

#endif
