/* test_instance.c - server leases and the questions they leave in flight
 * (src/model/instance.c, src/model/exchange.c), on an in-memory SQLite database
 * (PostgreSQL when LLMMETA_TEST_PG_URL is set).
 *
 * Covers: a question records its instance, its outcome clears it (exchange_answer,
 * and msg_set_status for a failure); a sweep marks 'interrupted', with the reason,
 * exactly the questions of instances that are gone - a lease older than the limit,
 * or this host with a process that no longer exists - and removes their leases, while
 * a live instance's question, another host's fresh lease, answered questions and its
 * own instance are left alone; the conversation's revision moves for what changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/db/db.h"
#include "../../src/db/migrate.h"
#include "../../src/model/conversation.h"
#include "../../src/model/exchange.h"
#include "../../src/model/instance.h"
#include "../../src/model/user.h"
#include "unit_db.h"

static db *d;
static int64_t user_id;

static int setup(void **state)
{
	(void)state;
	char err[256];
	if (!(d = db_open(unit_db_url("sqlite://:memory:"), err, sizeof err)) || db_migrate(d) < 1)
		return -1;
	return user_create(d, "ada", "", "", false, &user_id) == USER_CREATED ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	db_close(d);
	return 0;
}

/* A question asked through instance `inst` in a conversation of its own. */
static int64_t ask(int64_t inst, int64_t *conv_id)
{
	struct message q;
	message_init(&q, "user");
	q.content = (char *)"a question";
	struct new_question nq = {.user_id = user_id, .title = "t", .source = "web", .instance_id = inst, .msg = &q};
	int64_t id = 0;
	assert_int_equal(exchange_question(d, &nq, &id), 0);
	*conv_id = nq.conv_id;
	return id;
}

static int64_t num(const char *sql, int64_t id)
{
	int64_t v = -1;
	assert_int_equal(db_query_int(d, sql, DB_ARGS(db_v_int(id)), &v), 1);
	return v;
}

static const char *status_of(int64_t id)
{
	static char s[16];
	char *t = db_query_text(d, "SELECT status FROM messages WHERE id = ?", DB_ARGS(db_v_int(id)));
	snprintf(s, sizeof s, "%s", t ? t : "?");
	free(t);
	return s;
}

static bool alive(int64_t pid) { return pid == 4242; } /* only pid 4242 lives here */

static void test_in_flight_until_recorded(void **state)
{
	(void)state;
	int64_t me, conv;
	assert_int_equal(instance_register(d, "here", 4242, 1000, &me), 0);
	int64_t q = ask(me, &conv);
	assert_int_equal(num("SELECT instance_id FROM messages WHERE id = ?", q), me);
	struct message a;
	message_init(&a, "assistant");
	a.content = (char *)"an answer";
	int64_t aid;
	assert_int_equal(exchange_answer(d, conv, user_id, q, "ok", NULL, 5, &a, &aid), 0);
	assert_int_equal(num("SELECT count(*) FROM messages WHERE id = ? AND instance_id IS NULL", q), 1);
	int64_t q2 = ask(me, &conv);
	assert_int_equal(msg_set_status(d, q2, "error", "failed", 3), 0);
	assert_int_equal(num("SELECT count(*) FROM messages WHERE id = ? AND instance_id IS NULL", q2), 1);
}

static void test_sweep_marks_only_the_dead(void **state)
{
	(void)state;
	int64_t me, live, crashed, stale, far, c1, c2, c3, c4;
	int64_t now = 1000000;
	assert_int_equal(instance_register(d, "here", 4242, now, &me), 0);
	assert_int_equal(instance_register(d, "here", 4242, now, &live), 0);   /* same host, process alive */
	assert_int_equal(instance_register(d, "here", 999, now, &crashed), 0); /* same host, process gone */
	assert_int_equal(instance_register(d, "there", 7, now - 120000, &stale), 0); /* lease ran out */
	assert_int_equal(instance_register(d, "there", 8, now, &far), 0);     /* another host, fresh */
	int64_t q_live = ask(live, &c1), q_crashed = ask(crashed, &c2), q_stale = ask(stale, &c3), q_far = ask(far, &c4);
	int64_t q_me = ask(me, &c1);
	int64_t rev_before = num("SELECT revision FROM conversations WHERE id = ?", c2);
	int64_t rev_live = num("SELECT revision FROM conversations WHERE id = ?", c4);
	int64_t marked = -1;
	assert_int_equal(instance_sweep(d, me, "here", now - 60000, alive, &marked), 0);
	assert_int_equal(marked, 2);
	assert_string_equal(status_of(q_crashed), "interrupted");
	assert_string_equal(status_of(q_stale), "interrupted");
	assert_string_equal(status_of(q_live), "ok");
	assert_string_equal(status_of(q_far), "ok");
	assert_string_equal(status_of(q_me), "ok");
	char *why = db_query_text(d, "SELECT error FROM messages WHERE id = ?", DB_ARGS(db_v_int(q_crashed)));
	assert_string_equal(why, INTERRUPTED_REASON);
	free(why);
	assert_true(num("SELECT revision FROM conversations WHERE id = ?", c2) > rev_before);
	assert_int_equal(num("SELECT revision FROM conversations WHERE id = ?", c4), rev_live);
	assert_int_equal(num("SELECT count(*) FROM instances WHERE id = ?", crashed), 0);
	assert_int_equal(num("SELECT count(*) FROM instances WHERE id = ?", stale), 0);
	assert_int_equal(num("SELECT count(*) FROM instances WHERE id = ?", live), 1);
	/* Nothing more to do the second time. */
	assert_int_equal(instance_sweep(d, me, "here", now - 60000, alive, &marked), 0);
	assert_int_equal(marked, 0);
	assert_int_equal(instance_end(d, me), 0);
	assert_int_equal(num("SELECT count(*) FROM instances WHERE id = ?", me), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_flight_until_recorded),
		cmocka_unit_test(test_sweep_marks_only_the_dead),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
