/* test_call.c - what the call (src/web/call/call.c) does the same for every adapter:
 * a JSON piece for the client framed as the adapter's protocol wants it (an SSE
 * event for the API, an NDJSON line for the form), and the recorder's word on the
 * record, of which the first is kept: the form's stream has already said "not
 * saved yet" when a waiting answer is written later. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "../../src/web/call/call.h"

static int freed;

static void count_free(struct call *c)
{
	(void)c;
	freed++;
}

static const struct call_ops ops = {.free = count_free};

static void test_json_framed_for_each_protocol(void **state)
{
	(void)state;
	struct call c = {0};
	call_init(&c, &ops, NULL, 1);
	call_lock(&c);
	call_queue_json(&c, json_pack("{s:i}", "a", 1), true);
	assert_int_equal(c.out.len, strlen("data: {\"a\":1}\n\n"));
	assert_memory_equal(c.out.data, "data: {\"a\":1}\n\n", c.out.len);
	buf_reset(&c.out);
	call_queue_json(&c, json_pack("{s:s}", "type", "wait"), false);
	assert_int_equal(c.out.len, strlen("{\"type\":\"wait\"}\n"));
	assert_memory_equal(c.out.data, "{\"type\":\"wait\"}\n", c.out.len);
	buf_reset(&c.out);
	c.last_out = 0;
	call_queue_json(&c, NULL, true); /* out of memory: nothing, but the heartbeat is told */
	assert_int_equal(c.out.len, 0);
	assert_true(c.last_out > 0);
	call_unlock(&c);
	freed = 0;
	call_unref(&c);
	assert_int_equal(freed, 1);
}

static void test_first_record_word_kept(void **state)
{
	(void)state;
	struct call c = {0};
	call_init(&c, &ops, NULL, 1);
	assert_false(c.recorded);
	call_recorded(&c, 1); /* waits for the database */
	assert_true(c.recorded);
	assert_int_equal(c.record_rc, 1);
	call_recorded(&c, 0); /* written later: the client was told already */
	assert_int_equal(c.record_rc, 1);
	call_unref(&c);

	c = (struct call){0}; /* as an adapter's calloc gives it */
	call_init(&c, &ops, NULL, 1);
	call_recorded(&c, -1);
	call_recorded(&c, 0);
	assert_int_equal(c.record_rc, -1);
	call_unref(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_framed_for_each_protocol),
		cmocka_unit_test(test_first_record_word_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
