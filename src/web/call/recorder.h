/* recorder.h - the one writer of every call's records (see recorder.c). An adapter
 * embeds a struct call_record per record it writes and says, in its record_ops, how
 * a batch of them is written and what the outcome means to its client. */
#ifndef LLMMETA_CALL_RECORDER_H
#define LLMMETA_CALL_RECORDER_H

#include <stdbool.h>
#include <stddef.h>

#include "../../db/db.h"

struct call_record;

struct record_ops {
	/* Writes recs[0..n) (all of these ops) in one transaction: 0, or -1 with
	 * nothing written. At most max_batch at a time. */
	int (*write)(db *d, struct call_record *const *recs, size_t n);
	size_t max_batch;
	/* Told the outcome: 0 written; -1 not (for good); 1 the database did not take it
	 * and it waits to be written when the database is back (only when may_wait),
	 * after which 0 or -1 follows. The record is the recorder's until 0 or -1. */
	void (*done)(struct call_record *r, int rc);
	/* Whether a record the database refused may wait in memory for it (an answer
	 * the user has already seen), or fails at once (a client that waits for the
	 * commit before it gets its last byte). */
	bool may_wait;
};

struct call_record {
	const struct record_ops *ops;
	size_t bytes; /* its size in memory, for the bound on what waits */
	struct call_record *next;
};

/* The struct of type that embeds r as its member. */
#define RECORD_OWNER(r, type, member) ((type *)((char *)(r) - offsetof(type, member)))

/* Queues r; its done follows on the recorder's thread. Records of one ops are
 * written in the order they were queued; records of different ops that are
 * queued together are written a kind at a time, so one may be written before
 * another kind's queued ahead of it: an adapter whose records depend on each other
 * must allow for that (the API's beginning and end, web/api/api_record.c). false when it cannot be
 * queued (the recorder stopped, or out of memory): done is not called, the caller
 * still has r (so that it may queue under its call's lock). */
bool call_record(struct call_record *r);
/* Records waiting for the database (the metric). */
size_t call_recorder_waiting(void);
/* Writes what is queued, tries what waits once more, then stops: after the last
 * request. What still waits is lost to memory; its questions, still marked in
 * flight by this instance, become 'interrupted' at the next start. */
void call_recorder_stop(void);

#endif
