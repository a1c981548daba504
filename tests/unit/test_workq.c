/* test_workq.c - the background job queue (src/core/workq.c).
 *
 * Covers: jobs run in order on one thread that is not the caller's, each argument
 * freed once; the bound (max jobs waiting while one runs: the next push refuses and
 * leaves the argument to the caller); a stop runs what is queued within its grace,
 * drops (frees without running) what is left once the grace is over, and refuses
 * every push after it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/core/workq.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int ran[64], nran, nfreed;
static pthread_t runner;
static _Atomic int gate; /* jobs wait while it is 1 */

static void job(void *arg)
{
	while (gate)
		usleep(1000);
	pthread_mutex_lock(&mu);
	ran[nran++] = *(int *)arg;
	runner = pthread_self();
	pthread_mutex_unlock(&mu);
}

static void slow_job(void *arg)
{
	usleep(30000);
	job(arg);
}

static void free_job(void *arg)
{
	pthread_mutex_lock(&mu);
	nfreed++;
	pthread_mutex_unlock(&mu);
	free(arg);
}

static int *num(int v)
{
	int *p = malloc(sizeof *p);
	assert_non_null(p);
	*p = v;
	return p;
}

static int reset(void **state)
{
	(void)state;
	nran = nfreed = 0;
	gate = 0;
	return 0;
}

static void test_order_and_thread(void **state)
{
	(void)state;
	static struct workq q = WORKQ_INIT(100, "test");
	for (int i = 0; i < 20; i++)
		assert_int_equal(workq_push(&q, job, free_job, num(i)), 0);
	workq_stop(&q, 5000);
	assert_int_equal(nran, 20);
	assert_int_equal(nfreed, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(ran[i], i);
	assert_false(pthread_equal(runner, pthread_self()));
	int *p = num(99);
	assert_int_equal(workq_push(&q, job, free_job, p), -1); /* stopped */
	free(p);
	workq_stop(&q, 5000); /* again: nothing happens */
}

static void test_bound(void **state)
{
	(void)state;
	static struct workq q = WORKQ_INIT(2, "test");
	gate = 1;
	assert_int_equal(workq_push(&q, job, free_job, num(0)), 0);
	while (workq_pending(&q) != 0) /* the thread took job 0 and waits at the gate */
		usleep(1000);
	assert_int_equal(workq_push(&q, job, free_job, num(1)), 0);
	assert_int_equal(workq_push(&q, job, free_job, num(2)), 0); /* the 2nd waiting: the last accepted */
	int *p = num(3);
	assert_int_equal(workq_push(&q, job, free_job, p), -1); /* the 3rd: the first refused */
	free(p);
	gate = 0;
	workq_stop(&q, 5000);
	assert_int_equal(nran, 3);
	assert_int_equal(nfreed, 3);
}

static void test_stop_drops_after_grace(void **state)
{
	(void)state;
	static struct workq q = WORKQ_INIT(100, "test");
	for (int i = 0; i < 10; i++)
		assert_int_equal(workq_push(&q, slow_job, free_job, num(i)), 0);
	/* 30 ms a job, 70 ms of grace: a few run, the rest are dropped but freed. */
	workq_stop(&q, 70);
	assert_true(nran < 10); /* (how many ran depends on the load; test_order runs all) */
	assert_int_equal(nfreed, 10);
	for (int i = 0; i < nran; i++)
		assert_int_equal(ran[i], i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_order_and_thread, reset),
		cmocka_unit_test_setup(test_bound, reset),
		cmocka_unit_test_setup(test_stop_drops_after_grace, reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
