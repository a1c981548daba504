/* test_answer_json.c - the JSON documents of an answer (src/web/answer_json.c) and
 * the code blocks they come from (markdown_code_blocks, src/html/markdown.c).
 *
 * Covers: fenced (``` and ~~~, with or without a language) and indented blocks, in
 * order, with the text a reader sees (entities not decoded in code, a NUL as
 * U+FFFD); stopping early; which blocks count as JSON (object or array, white space
 * around; not a scalar, not "[foo", not inline code); the whole answer when no
 * block is JSON; the k-th document and past the last; at most ANSWER_JSON_MAX. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/html/markdown.h"
#include "../../src/web/answer_json.h"

struct seen {
	char text[8][128];
	int n, stop_at;
};

static int collect(const char *code, size_t n, void *arg)
{
	struct seen *s = arg;
	snprintf(s->text[s->n], sizeof s->text[0], "%.*s", (int)n, code);
	s->n++;
	return s->n == s->stop_at;
}

static void test_code_blocks(void **state)
{
	(void)state;
	const char *md = "Intro `inline {}`\n\n```json\n{\"a\": 1}\n```\n\n~~~\n[1,\n 2]\n~~~\n\n    indented &amp; <b>\n\n"
			 "```\nnul:\0:end\n```\n";
	size_t len = 0;
	while (!(md[len] == '`' && strncmp(md + len, "```\nnul", 7) == 0))
		len++;
	len += 7 + 1 + 6 + 4; /* "```\nnul" ":\0:end\n" "```\n" */
	struct seen s = {0};
	assert_int_equal(markdown_code_blocks(md, len, collect, &s), 0);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.text[0], "{\"a\": 1}\n");
	assert_string_equal(s.text[1], "[1,\n 2]\n");
	assert_string_equal(s.text[2], "indented &amp; <b>\n");
	assert_string_equal(s.text[3], "nul:\xEF\xBF\xBD:end\n");
	struct seen two = {.stop_at = 2};
	assert_int_equal(markdown_code_blocks(md, len, collect, &two), 0);
	assert_int_equal(two.n, 2);
	struct seen none = {0};
	assert_int_equal(markdown_code_blocks("no code `here`", 14, collect, &none), 0);
	assert_int_equal(none.n, 0);
}

static void expect_doc(const char *content, int k, const char *want)
{
	buf b = BUF_INIT;
	assert_int_equal(answer_json(content, k, &b), want ? 1 : 0);
	if (want)
		assert_string_equal(b.data, want);
	else
		assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_answer_json(void **state)
{
	(void)state;
	const char *a = "Here:\n```json\n{\"a\": 1}\n```\nnot JSON:\n```\n[foo\n```\nscalar:\n```\n42\n```\n"
			"string:\n```\n\"s\"\n```\nand\n```\n  [ {\"b\": 2} ]  \n```\n";
	assert_int_equal(answer_json(a, -1, NULL), 2);
	expect_doc(a, 0, "{\"a\": 1}\n");
	expect_doc(a, 1, "  [ {\"b\": 2} ]  \n");
	expect_doc(a, 2, NULL);
	/* No block is JSON: the whole answer, when it is a document. */
	const char *whole = "  {\"whole\": [1, 2]}\n";
	assert_int_equal(answer_json(whole, -1, NULL), 1);
	expect_doc(whole, 0, whole);
	expect_doc(whole, 1, NULL);
	/* ...but not when a block is, and never a scalar or a text. */
	assert_int_equal(answer_json("[1]\n\n```\n{}\n```\n", -1, NULL), 1);
	expect_doc("[1]\n\n```\n{}\n```\n", 0, "{}\n");
	assert_int_equal(answer_json("42", -1, NULL), 0);
	assert_int_equal(answer_json("Answer to: {\"a\": 1}", -1, NULL), 0);
	assert_int_equal(answer_json("`{\"inline\": 1}`", -1, NULL), 0);
	assert_int_equal(answer_json("", -1, NULL), 0);
	/* At most ANSWER_JSON_MAX documents are offered. */
	buf many = BUF_INIT;
	for (int i = 0; i < ANSWER_JSON_MAX + 5; i++)
		buf_printf(&many, "```\n[%d]\n```\n\n", i);
	assert_int_equal(answer_json(many.data, -1, NULL), ANSWER_JSON_MAX);
	expect_doc(many.data, ANSWER_JSON_MAX - 1, "[19]\n");
	expect_doc(many.data, ANSWER_JSON_MAX, NULL);
	buf_free(&many);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_blocks),
		cmocka_unit_test(test_answer_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
