/* test_export.c - the export's row writer (src/model/export_format.c), its time
 * filters (export_parse_time in src/model/export.c) and the JSON text writer they
 * share with the JSON viewer (src/core/jsonw.c).
 *
 * Covers: the exact CSV header; RFC 4180 quoting (comma, quote, CR, LF) with CRLF
 * record ends; the formula guard on = + - @ tab CR at the start and after each
 * separator of a common locale (, ; tab) or line break, and not elsewhere; quoting of
 * every field holding such a separator; unknown values
 * empty in CSV and null in JSONL; numbers as numbers; JSON string escapes; the
 * shortest reals; dates, timestamps with zones and fractions, the until bounds, and
 * the values refused (bad month, day, hour, format, before 1970). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../src/core/jsonw.h"
#include "../../src/model/export.h"

static struct export_row row(void)
{
	return (struct export_row){
		.id = 7, .conversation_id = "0b6f2a9e-1111-4222-8333-444455556666", .created_at = 1767225600123,
		.username = "alice", .role = "user", .source = "web", .provider = "openai", .model = "gpt-x",
		.status = "ok", .content = "hello", .max_tokens = 3000, .temperature = 0.7, .top_k = -1, .top_p = NAN,
		.prompt_tokens = -1, .completion_tokens = -1, .total_tokens = -1, .elapsed_ms = 1234, .ttft_ms = 0,
		.finish_reason = NULL, .file_name = NULL, .file_sha256 = NULL, .error = NULL,
	};
}

static char *write(enum export_format fmt, const struct export_row *r, buf *b)
{
	*b = BUF_INIT;
	export_row_write(b, fmt, r);
	assert_false(b->oom);
	return b->data;
}

static void test_header(void **state)
{
	(void)state;
	buf b = BUF_INIT;
	export_header(&b, EXPORT_CSV);
	assert_string_equal(b.data, "id,conversation_id,created_at,username,role,source,provider,model,status,content,"
				    "max_tokens,temperature,top_k,top_p,prompt_tokens,completion_tokens,total_tokens,"
				    "elapsed_ms,ttft_ms,finish_reason,file_name,file_sha256,error,comparison_id\r\n");
	buf_free(&b);
	export_header(&b, EXPORT_JSONL);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_csv_row(void **state)
{
	(void)state;
	struct export_row r = row();
	buf b;
	assert_string_equal(write(EXPORT_CSV, &r, &b), "7,0b6f2a9e-1111-4222-8333-444455556666,2026-01-01T00:00:00.123Z,"
							 "alice,user,web,openai,gpt-x,ok,hello,3000,0.7,,,,,,1234,0,,,,,\r\n");
	buf_free(&b);
	r.content = "a, \"b\"\r\nc";
	r.error = "plain";
	assert_string_equal(write(EXPORT_CSV, &r, &b) + strlen("7,0b6f2a9e-1111-4222-8333-444455556666,"
									"2026-01-01T00:00:00.123Z,alice,user,web,openai,gpt-x,ok,"),
			    "\"a, \"\"b\"\"\r\nc\",3000,0.7,,,,,,1234,0,,,,plain,\r\n");
	buf_free(&b);
}

static void test_csv_formula_guard(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"=1+1", "\"'=1+1\""}, {"+1", "\"'+1\""}, {"-1", "\"'-1\""}, {"@SUM(A1)", "\"'@SUM(A1)\""},
		{"\tx", "\"'\tx\""}, {"\rx", "\"'\rx\""}, {"=\"q\"", "\"'=\"\"q\"\"\""},
		{"a=1", "a=1"}, {" =1", " =1"}, {"", ""},
		/* A spreadsheet that splits at ';' or tab sees each part as a cell of its own. */
		{"a;=1+1", "\"a;'=1+1\""}, {"a;b", "\"a;b\""}, {"a\tb", "\"a\tb\""}, {"x,@y", "\"x,'@y\""},
		{"x\t-1", "\"x\t'-1\""}, {"1;2;+3", "\"1;2;'+3\""}, {"a;\t=1", "\"a;\t'=1\""}, {"a,\r\n=1", "\"a,\r\n'=1\""}, {"a,\tb", "\"a,\tb\""},
		{"l\n=1", "\"l\n'=1\""}, {"=a;=b", "\"'=a;'=b\""}, {"a; =1", "\"a; =1\""}, {"a;", "\"a;\""},
		{"a=b-c+d@e", "a=b-c+d@e"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct export_row r = row();
		r.model = cases[i][0];
		buf b;
		char expect[128];
		snprintf(expect, sizeof expect, ",openai,%s,ok,", cases[i][1]);
		assert_non_null(strstr(write(EXPORT_CSV, &r, &b), expect));
		buf_free(&b);
	}
}

static void test_jsonl_row(void **state)
{
	(void)state;
	struct export_row r = row();
	r.content = "q\"\\\n\t\x01é</script>";
	r.temperature = 1.0;
	buf b;
	assert_string_equal(write(EXPORT_JSONL, &r, &b),
			    "{\"id\":7,\"conversation_id\":\"0b6f2a9e-1111-4222-8333-444455556666\","
			    "\"created_at\":\"2026-01-01T00:00:00.123Z\",\"username\":\"alice\",\"role\":\"user\","
			    "\"source\":\"web\",\"provider\":\"openai\",\"model\":\"gpt-x\",\"status\":\"ok\","
			    "\"content\":\"q\\\"\\\\\\n\\t\\u0001é</script>\",\"max_tokens\":3000,\"temperature\":1.0,"
			    "\"top_k\":null,\"top_p\":null,\"prompt_tokens\":null,\"completion_tokens\":null,"
			    "\"total_tokens\":null,\"elapsed_ms\":1234,\"ttft_ms\":0,\"finish_reason\":null,"
			    "\"file_name\":null,\"file_sha256\":null,\"error\":null,\"comparison_id\":null}\n");
	buf_free(&b);
}

static void test_jsonw_real(void **state)
{
	(void)state;
	static const struct {
		double v;
		const char *s;
	} cases[] = {{0.1, "0.1"}, {1.0, "1.0"}, {0.7, "0.7"}, {1e300, "1e+300"}, {-2.5e-7, "-2.5e-07"},
		     {0.30000000000000004, "0.30000000000000004"}, {123456789.0, "123456789.0"}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf b = BUF_INIT;
		jsonw_real(&b, cases[i].v);
		assert_string_equal(b.data, cases[i].s);
		buf_free(&b);
	}
}

static int64_t t(const char *s, bool until)
{
	int64_t ms = -42;
	return export_parse_time(s, until, &ms) ? ms : -1;
}

static void test_parse_time(void **state)
{
	(void)state;
	assert_int_equal(t("2026-01-01", false), 1767225600000);
	assert_int_equal(t("2026-01-01", true), 1767225600000 + 86400000); /* the whole day */
	assert_int_equal(t("1970-01-01", false), 0);
	assert_int_equal(t("2024-02-29", false), 1709164800000);
	assert_int_equal(t("2026-01-01T00:00Z", false), 1767225600000);
	assert_int_equal(t("2026-01-01T00:00:00Z", true), 1767225600001); /* that millisecond included */
	assert_int_equal(t("2026-01-01T12:34:56.789Z", false), 1767225600000 + 45296789);
	assert_int_equal(t("2026-01-01T12:34:56.7891Z", false), 1767225600000 + 45296789);
	assert_int_equal(t("2026-01-01T12:34:56.7", false), 1767225600000 + 45296700); /* no zone: UTC */
	assert_int_equal(t("2026-01-01T02:00:00+02:00", false), 1767225600000);
	assert_int_equal(t("2025-12-31T19:00:00-0500", false), 1767225600000);
	assert_int_equal(t("2026-01-01t00:00:00z", false), -1);
	static const char *const bad[] = {
		"", "2026", "2026-1-01", "2026-01-1", "2026-13-01", "2026-00-10", "2026-02-30", "2025-02-29",
		"2026-01-32", "1969-12-31", "2026-01-01T24:00Z", "2026-01-01T10:60Z", "2026-01-01T10:00:60Z",
		"2026-01-01T10Z", "2026-01-01 10:00Z", "2026-01-01T10:00:00.Z", "2026-01-01T10:00+2", "2026-01-01T10:00+24:00",
		"2026-01-01T10:00:00Zjunk", "2026-01-01junk", "yesterday", "+2026-01-01",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms = -42;
		if (export_parse_time(bad[i], false, &ms))
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(ms, -42);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),     cmocka_unit_test(test_csv_row),   cmocka_unit_test(test_csv_formula_guard),
		cmocka_unit_test(test_jsonl_row),  cmocka_unit_test(test_jsonw_real), cmocka_unit_test(test_parse_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
