/* test_api_forward.c - the body the API forwards to an OpenAI-compatible provider
 * (api_json_forward_body, src/web/api/api_chat.c) when memory runs out part-way.
 *
 * A prefix of a JSON body is another request (one without the user's last message,
 * or with the client's own model), so the function must return the whole body or
 * nothing. Checked as a property: for each body, the k-th allocation is made to
 * fail for k = 1, 2, 3, ... until a run needs no more than k - 1 allocations, and
 * every run returns NULL or exactly the body of the run without failures, never
 * anything else. That body itself parses as JSON and equals the client's with the
 * provider's model (and stream_options.include_usage when asked).
 *
 * The failures come from the linker: this one binary is linked with
 * --wrap=malloc,--wrap=realloc (the Makefile's UNIT_LDFLAGS_test_api_forward), so
 * the program's own calls go through the counters below; ASan still intercepts the
 * real ones. Production code carries no test hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/buf.h"
#include "../../src/web/api/api.h"

void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);

static bool armed;         /* count (and maybe fail) the program's allocations */
static long allocations;   /* counted since armed */
static long fail_at;       /* the allocation that fails (1-based); 0: none */
static bool failed;        /* whether it happened */

static bool allocation_allowed(void)
{
	if (!armed)
		return true;
	if (++allocations == fail_at) {
		failed = true;
		return false;
	}
	return true;
}

void *__wrap_malloc(size_t n)
{
	return allocation_allowed() ? __real_malloc(n) : NULL;
}

void *__wrap_realloc(void *p, size_t n)
{
	return allocation_allowed() ? __real_realloc(p, n) : NULL;
}

/* One call with the k-th allocation failing (k = 0: none); *used gets how many
 * allocations it made, *hit whether the failure happened. */
static char *forward(const char *raw, bool add_usage, const char *model, long k, long *used, bool *hit)
{
	allocations = 0;
	fail_at = k;
	failed = false;
	armed = true;
	char *out = api_json_forward_body(raw, strlen(raw), add_usage, model);
	armed = false;
	*used = allocations;
	*hit = failed;
	return out;
}

struct outcome {
	long runs, nulls, allocations;
};

/* The property, for one body; returns the figures for the caller's own checks. */
static struct outcome check_body(const char *raw, bool add_usage, const char *model)
{
	struct outcome o = {0};
	bool hit;
	char *expected = forward(raw, add_usage, model, 0, &o.allocations, &hit);
	assert_false(hit);
	assert_non_null(expected);

	/* The whole body: the client's JSON, the model replaced, usage asked for. */
	json_error_t err;
	json_t *got = json_loads(expected, JSON_REJECT_DUPLICATES, &err);
	json_t *want = json_loads(raw, JSON_REJECT_DUPLICATES, &err);
	assert_non_null(got);
	assert_non_null(want);
	assert_string_equal(json_string_value(json_object_get(got, "model")), model);
	assert_int_equal(json_object_set_new(want, "model", json_string(model)), 0);
	if (add_usage)
		assert_int_equal(json_object_set_new(want, "stream_options", json_pack("{s:b}", "include_usage", 1)), 0);
	assert_true(json_equal(got, want));
	json_decref(got);
	json_decref(want);

	for (long k = 1;; k++) {
		long used;
		char *out = forward(raw, add_usage, model, k, &used, &hit);
		o.runs++;
		if (!hit) {
			/* k is past the last allocation: the run is the one without failures */
			assert_int_equal(k, o.allocations + 1);
			assert_int_equal(used, o.allocations);
			assert_non_null(out);
			assert_string_equal(out, expected);
			free(out);
			break;
		}
		if (out) {
			assert_string_equal(out, expected);
			free(out);
		} else {
			o.nulls++;
		}
	}
	free(expected);
	return o;
}

static const char escaped_model[] = "pro\"vider\\m\nodel\x01 \xc3\xa9/\t";

static void test_forward_whole_or_nothing(void **state)
{
	(void)state;
	const char *bodies[] = {
		"{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
		" \n{ \"messages\" : [{\"role\":\"user\",\"content\":\"x\",\"model\":\"inner\"}] , \"model\" : \"a\" , \"n\":1.0e0 }",
		"{\"s\":\"has \\\"model\\\": \\\"q\\\" in it\",\"stream\":true,\"model\":\"a\"}",
	};
	const char *models[] = {"m", escaped_model};
	for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
		for (size_t m = 0; m < 2; m++)
			for (int usage = 0; usage < 2; usage++) {
				struct outcome o = check_body(bodies[i], usage, models[m]);
				/* every allocation was made to fail once, and each failure
				 * gave nothing */
				assert_true(o.allocations >= 1 + usage);
				assert_int_equal(o.runs, o.allocations + 1);
				assert_int_equal(o.nulls, o.allocations);
			}
}

/* A body of about 100 KB: messages, then "model" (first when model_first), then a
 * long tail. */
static char *big_body(bool model_first)
{
	buf b = BUF_INIT;
	buf_puts(&b, model_first ? "{\"model\":\"client-name\",\"messages\":[" : "{\"messages\":[");
	for (int i = 0; i < 40; i++) {
		buf_printf(&b, "%s{\"role\":\"user\",\"content\":\"", i ? "," : "");
		for (int j = 0; j < 100; j++)
			buf_printf(&b, "word %d.%d \\\"q\\\" ", i, j);
		buf_puts(&b, "\"}");
	}
	buf_puts(&b, model_first ? "]" : "],\"model\":\"client-name\"");
	buf_puts(&b, ",\"temperature\":0.1,\"tail\":\"");
	for (int j = 0; j < 2000; j++)
		buf_puts(&b, "xyz ");
	buf_puts(&b, "\"}");
	assert_false(b.oom);
	return buf_detach(&b, NULL);
}

/* A model's name of about 6 KB with an escape every few bytes: written piece by
 * piece, so the output buffer grows (64 bytes doubled) many times over. */
static char *long_model(void)
{
	buf b = BUF_INIT;
	for (int i = 0; i < 1000; i++)
		buf_puts(&b, "ab\"cd\\");
	assert_false(b.oom);
	return buf_detach(&b, NULL);
}

static void test_forward_big_body(void **state)
{
	(void)state;
	char *model = long_model();
	assert_non_null(model);
	for (int first = 0; first < 2; first++) {
		char *raw = big_body(first);
		assert_non_null(raw);
		for (int m = 0; m < 3; m++)
			for (int usage = 0; usage < 2; usage++) {
				const char *name = m == 0 ? "m" : m == 1 ? escaped_model : model;
				struct outcome o = check_body(raw, usage, name);
				/* the long name after a short "{\"model\":" grows the output
				 * from 64 bytes to 8 KB one doubling at a time */
				if (first && m == 2)
					assert_true(o.allocations >= 8);
				assert_int_equal(o.nulls, o.allocations);
			}
		free(raw);
	}
	free(model);
}

/* Text with no "{" is not edited: there is no place to put stream_options. */
static void test_forward_not_an_object(void **state)
{
	(void)state;
	assert_null(api_json_forward_body("[1]", 3, true, "m"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forward_whole_or_nothing),
		cmocka_unit_test(test_forward_big_body),
		cmocka_unit_test(test_forward_not_an_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
