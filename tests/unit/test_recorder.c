/* test_recorder.c - the one writer of every call's records (src/web/call/recorder.c).
 *
 * Covers: records queued while a commit runs are written together, grouped by kind
 * (ops) in one batch per kind however they interleave, each kind in queue order, in
 * batches of at most its max_batch; a batch the database refuses is written again a
 * record at a time, so one bad record fails alone; a record that may wait is told 1,
 * kept, and written once the database takes it again (the retry tick), while one
 * that may not fails at once; the stop fails what still waits. The writes are the
 * test's own (a log of batches), so what is checked is the recorder's policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/core/util.h"
#include "../../src/db/db.h"
#include "../../src/web/call/recorder.h"

struct rec {
	struct call_record r;
	int id;
	int rc; /* what done said last; -2: nothing yet */
	int told;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static char log_text[4096];   /* "A[1,2] B[3] ..." */
static int ndone;
static _Atomic int gate;      /* the gate record's write waits while it is 1 */
static _Atomic int refuse_id = -1; /* a batch holding this id is refused */
static _Atomic int db_down;   /* every write is refused */

static int write_log(const char *kind, struct call_record *const *recs, size_t n)
{
	int rc = db_down ? -1 : 0;
	pthread_mutex_lock(&mu);
	size_t at = strlen(log_text);
	at += (size_t)snprintf(log_text + at, sizeof log_text - at, "%s%s[", at ? " " : "", kind);
	for (size_t i = 0; i < n; i++) {
		int id = RECORD_OWNER(recs[i], struct rec, r)->id;
		at += (size_t)snprintf(log_text + at, sizeof log_text - at, "%s%d", i ? "," : "", id);
		if (id == refuse_id)
			rc = -1;
	}
	snprintf(log_text + at, sizeof log_text - at, "%s", rc ? "]!" : "]");
	pthread_mutex_unlock(&mu);
	return rc;
}

static int write_gate(db *d, struct call_record *const *recs, size_t n)
{
	(void)d;
	while (gate)
		usleep(1000);
	return write_log("G", recs, n);
}
static int write_a(db *d, struct call_record *const *recs, size_t n) { return (void)d, write_log("A", recs, n); }
static int write_b(db *d, struct call_record *const *recs, size_t n) { return (void)d, write_log("B", recs, n); }

static void done(struct call_record *r, int rc)
{
	struct rec *x = RECORD_OWNER(r, struct rec, r);
	pthread_mutex_lock(&mu);
	x->rc = rc;
	x->told++;
	if (rc != 1)
		ndone++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static const struct record_ops gate_ops = {.write = write_gate, .max_batch = 1, .done = done};
static const struct record_ops a_ops = {.write = write_a, .max_batch = 512, .done = done};
static const struct record_ops a2_ops = {.write = write_a, .max_batch = 2, .done = done};
static const struct record_ops b_ops = {.write = write_b, .max_batch = 512, .done = done};
static const struct record_ops wait_ops = {.write = write_b, .max_batch = 512, .done = done, .may_wait = true};

static void reset(void)
{
	pthread_mutex_lock(&mu);
	log_text[0] = '\0';
	ndone = 0;
	pthread_mutex_unlock(&mu);
	refuse_id = -1;
	db_down = 0;
}

/* Waits (bounded) until n records were told a final outcome. */
static void wait_done(int n)
{
	int64_t until = mono_ms() + 10000;
	pthread_mutex_lock(&mu);
	while (ndone < n && mono_ms() < until) {
		pthread_mutex_unlock(&mu);
		usleep(1000);
		pthread_mutex_lock(&mu);
	}
	int got = ndone;
	pthread_mutex_unlock(&mu);
	assert_int_equal(got, n);
}

/* Queues recs behind a gate record, so that all of them are in one drain. */
static void queue_behind_gate(struct rec *recs, size_t n)
{
	static struct rec g;
	g = (struct rec){.r = {.ops = &gate_ops}, .id = 0, .rc = -2};
	gate = 1;
	assert_true(call_record(&g.r));
	usleep(20000); /* the drain has taken the gate record and waits in its write */
	for (size_t i = 0; i < n; i++)
		assert_true(call_record(&recs[i].r));
	gate = 0;
}

static void test_kinds_grouped_in_queue_order(void **state)
{
	(void)state;
	reset();
	const struct record_ops *ops[] = {&a_ops, &b_ops, &a_ops, &b_ops, &a_ops, &b_ops, &a_ops};
	struct rec recs[7];
	for (int i = 0; i < 7; i++)
		recs[i] = (struct rec){.r = {.ops = ops[i]}, .id = i + 1, .rc = -2};
	queue_behind_gate(recs, 7);
	wait_done(8);
	/* Seven interleaved records: two transactions, not seven. */
	assert_string_equal(log_text, "G[0] A[1,3,5,7] B[2,4,6]");
	for (int i = 0; i < 7; i++)
		assert_int_equal(recs[i].rc, 0);
}

static void test_max_batch(void **state)
{
	(void)state;
	reset();
	struct rec recs[5];
	for (int i = 0; i < 5; i++)
		recs[i] = (struct rec){.r = {.ops = i == 2 ? &b_ops : &a2_ops}, .id = i + 1, .rc = -2};
	queue_behind_gate(recs, 5);
	wait_done(6);
	/* A full batch leaves the rest to the next round, in queue order again. */
	assert_string_equal(log_text, "G[0] A[1,2] B[3] A[4,5]");
}

static void test_bad_record_fails_alone(void **state)
{
	(void)state;
	reset();
	refuse_id = 2;
	struct rec recs[3];
	for (int i = 0; i < 3; i++)
		recs[i] = (struct rec){.r = {.ops = &a_ops}, .id = i + 1, .rc = -2};
	queue_behind_gate(recs, 3);
	wait_done(4);
	assert_string_equal(log_text, "G[0] A[1,2,3]! A[1] A[2]! A[3]");
	assert_int_equal(recs[0].rc, 0);
	assert_int_equal(recs[1].rc, -1);
	assert_int_equal(recs[2].rc, 0);
}

static void test_waits_for_the_database(void **state)
{
	(void)state;
	reset();
	db_down = 1;
	struct rec w = {.r = {.ops = &wait_ops}, .id = 1, .rc = -2}, f = {.r = {.ops = &a_ops}, .id = 2, .rc = -2};
	assert_true(call_record(&w.r));
	assert_true(call_record(&f.r));
	wait_done(1); /* the one that may not wait fails at once */
	assert_int_equal(f.rc, -1);
	pthread_mutex_lock(&mu);
	assert_int_equal(w.rc, 1); /* told it waits */
	pthread_mutex_unlock(&mu);
	assert_int_equal(call_recorder_waiting(), 1);
	db_down = 0;
	wait_done(2); /* the retry tick (1 s) writes it */
	assert_int_equal(w.rc, 0);
	assert_int_equal(w.told, 2);
	assert_int_equal(call_recorder_waiting(), 0);
}

static void test_stop_fails_what_waits(void **state)
{
	(void)state;
	reset();
	db_down = 1;
	struct rec w = {.r = {.ops = &wait_ops}, .id = 1, .rc = -2};
	assert_true(call_record(&w.r));
	int64_t until = mono_ms() + 5000;
	while (call_recorder_waiting() < 1 && mono_ms() < until)
		usleep(1000);
	call_recorder_stop();
	assert_int_equal(w.rc, -1);
	struct rec late = {.r = {.ops = &a_ops}, .id = 2, .rc = -2};
	assert_false(call_record(&late.r)); /* stopped: refused, left to the caller */
}

int main(void)
{
	char dir[] = "/tmp/llmmeta-recorder-XXXXXX", url[128];
	if (!mkdtemp(dir))
		return 1;
	snprintf(url, sizeof url, "sqlite://%s/r.db", dir);
	if (db_thread_init(url) < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds_grouped_in_queue_order),
		cmocka_unit_test(test_max_batch),
		cmocka_unit_test(test_bad_record_fails_alone),
		cmocka_unit_test(test_waits_for_the_database),
		cmocka_unit_test(test_stop_fails_what_waits),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? rc : 1;
}
