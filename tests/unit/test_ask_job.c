/* test_ask_job.c - the form's answer as a record (src/web/ask/ask_job.c): the
 * record carries the answer's size, which bounds what waits in memory for the
 * database (call/recorder.c, MAX_BYTES): a record that says 0 bytes is never
 * refused by that bound, however large the answers that wait. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../src/web/ask/ask_job.h"

static void test_record_counts_the_answer(void **state)
{
	(void)state;
	char err[256];
	setenv("LLM_API_URL", "http://127.0.0.1:9/v1", 1);
	setenv("LLM_MODELS", "m", 1);
	assert_int_equal(llm_config_load(err, sizeof err), 0);
	struct ask_form f;
	ask_form_init(&f);
	http_req r = {0};
	struct ask_job *j = job_new(&r, &f, 1, "00000000-0000-0000-0000-000000000001");
	assert_non_null(j);
	const char answer[] = "An answer of some length, to be recorded.";
	call_lock(&j->call);
	buf_puts(&j->call.answer, answer);
	call_set_state(&j->call, CALL_COMPLETE);
	j->call.engine_done = true; /* as the engine's last word leaves it */
	call_unlock(&j->call);
	/* The recorder stopped: the record is refused at once (done -1), and the
	 * question's status cannot be set either: no database here. */
	assert_int_equal(db_thread_init("sqlite:///dev/null/llmmeta-test.db"), 0);
	call_recorder_stop();
	job_record(j);
	assert_true(j->claimed && j->call.recorded);
	assert_int_equal(j->call.record_rc, -1);
	assert_int_equal(j->rec.bytes, strlen(answer));
	call_unref(&j->call);
	ask_form_free(&f);
	llm_config_free();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_counts_the_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
