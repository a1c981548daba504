/* test_schema_csv.c - CSV to an array of row objects (src/schema/csv.c).
 *
 * Covers: typing (integers, reals, booleans, strings; quoted cells stay strings),
 * empty cells null, quotes (commas, line breaks and "" inside), CRLF, LF and no
 * final line end, a byte order mark, invalid UTF-8 (stray byte, overlong form,
 * surrogate) refused naming row and column, malformed tables (ragged rows, unnamed
 * or duplicate columns, stray and unclosed quotes, empty file), and each limit at
 * its last accepted and first refused value: rows (also the default 100,000),
 * columns and cell bytes; and csv_locate, an error's row and column in the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/schema/csv.h"

static char err[512];

static char *convert(const char *csv, size_t len, const struct csv_limits *lim)
{
	err[0] = 0;
	json_t *j = csv_to_json(csv, len, lim, err, sizeof err);
	if (!j)
		return NULL;
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(j);
	return s;
}

static void same(const char *csv, const char *want)
{
	char *got = convert(csv, strlen(csv), NULL);
	if (!got)
		fail_msg("refused: %s", err);
	assert_string_equal(got, want);
	free(got);
}

static void refused_n(const char *csv, size_t len, const struct csv_limits *lim, const char *want)
{
	char *got = convert(csv, len, lim);
	if (got)
		fail_msg("accepted, should not be: %s", got);
	if (!strstr(err, want))
		fail_msg("message \"%s\" does not say \"%s\"", err, want);
}

static void refused(const char *csv, const struct csv_limits *lim, const char *want)
{
	refused_n(csv, strlen(csv), lim, want);
}

static void test_typing(void **state)
{
	(void)state;
	same("a,b,c,d,e\n1,2.5,true,hello,-0\n", "[{\"a\":1,\"b\":2.5,\"c\":true,\"d\":\"hello\",\"e\":0}]");
	same("a,b,c\n1e3,false,007\n", "[{\"a\":1000.0,\"b\":false,\"c\":\"007\"}]");
	/* not JSON numbers or booleans: strings */
	same("a,b,c,d\n+1,.5,True,NaN\n", "[{\"a\":\"+1\",\"b\":\".5\",\"c\":\"True\",\"d\":\"NaN\"}]");
	/* beyond 64-bit integers: a real; beyond a double: the text */
	same("a,b\n99999999999999999999,1e999\n", "[{\"a\":1e20,\"b\":\"1e999\"}]");
	/* a quoted cell is text */
	same("a,b\n\"42\",\"true\"\n", "[{\"a\":\"42\",\"b\":\"true\"}]");
}

static void test_empty_cells(void **state)
{
	(void)state;
	same("a,b,c\n,,\n", "[{\"a\":null,\"b\":null,\"c\":null}]");
	same("a,b\n\"\",x\n", "[{\"a\":\"\",\"b\":\"x\"}]");
	same("a\n\n\n", "[]"); /* blank lines are no rows */
}

static void test_quotes(void **state)
{
	(void)state;
	same("name,note\n\"Smith, J.\",\"said \"\"hi\"\"\r\nthen left\"\n",
	     "[{\"name\":\"Smith, J.\",\"note\":\"said \\\"hi\\\"\\r\\nthen left\"}]");
	same("\"a,1\",\"b\"\"2\"\nx,y\n", "[{\"a,1\":\"x\",\"b\\\"2\":\"y\"}]");
	refused("a\nab\"c\n", NULL, "row 2, column 1: a quote inside a cell");
	refused("a\n\"ab\"c\n", NULL, "row 2, column 1: a quote inside a cell");
	refused("a,b\n1,\"open\n", NULL, "row 2, column 2: a quoted cell is not closed");
}

static void test_line_ends(void **state)
{
	(void)state;
	const char *want = "[{\"a\":1,\"b\":2},{\"a\":3,\"b\":4}]";
	same("a,b\r\n1,2\r\n3,4\r\n", want);
	same("a,b\n1,2\n3,4\n", want);
	same("a,b\n1,2\n3,4", want);
	same("a,b\r1,2\r3,4\r", want);
	same("\xEF\xBB\xBF"
	     "a,b\n1,2\n3,4\n",
	     want);
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	refused("a,b\n1,2\n3,x\xFFy\n", NULL, "row 3, column 2: invalid UTF-8");
	refused("a,b\n1,\xC0\x80\n", NULL, "row 2, column 2: invalid UTF-8"); /* overlong NUL */
	refused("a,b\n\xED\xA0\x80,1\n", NULL, "row 2, column 1: invalid UTF-8"); /* a surrogate */
	refused("\xE9t\xE9\n1\n", NULL, "row 1, column 1: invalid UTF-8");          /* Latin-1 header */
	same("caf\xC3\xA9\n\xF0\x9F\x98\x80\n", "[{\"caf\xC3\xA9\":\"\xF0\x9F\x98\x80\"}]");
}

static void test_malformed_tables(void **state)
{
	(void)state;
	refused("a,b\n1,2,3\n", NULL, "row 2: 3 cells, but the header has 2 columns");
	refused("a,b\n1\n", NULL, "row 2: 1 cells, but the header has 2 columns");
	refused("a,,c\n1,2,3\n", NULL, "row 1, column 2: the header names no column");
	refused("a,b,a\n1,2,3\n", NULL, "row 1, column 3: the column \"a\" is named twice");
	refused("", NULL, "the file is empty");
	refused("\n\n", NULL, "the file is empty");
}

/* n data rows of one column. */
static char *rows(size_t n, size_t *len)
{
	char *s = malloc(2 + 2 * n + 1);
	size_t o = 0;
	s[o++] = 'a', s[o++] = '\n';
	for (size_t i = 0; i < n; i++)
		s[o++] = '1', s[o++] = '\n';
	s[o] = 0;
	*len = o;
	return s;
}

static void test_row_limit(void **state)
{
	(void)state;
	struct csv_limits lim = {.max_rows = 3};
	size_t len;
	char *s = rows(3, &len);
	char *got = convert(s, len, &lim);
	assert_non_null(got);
	assert_string_equal(got, "[{\"a\":1},{\"a\":1},{\"a\":1}]");
	free(got);
	free(s);
	s = rows(4, &len);
	refused_n(s, len, &lim, "row 5: more than 3 data rows");
	free(s);
	/* the default: 100,000 data rows accepted, 100,001 refused */
	s = rows(CSV_MAX_ROWS, &len);
	json_t *j = csv_to_json(s, len, NULL, err, sizeof err);
	assert_non_null(j);
	assert_int_equal(json_array_size(j), CSV_MAX_ROWS);
	json_decref(j);
	free(s);
	s = rows(CSV_MAX_ROWS + 1, &len);
	assert_null(csv_to_json(s, len, NULL, err, sizeof err));
	assert_non_null(strstr(err, "more than 100000 data rows"));
	free(s);
}

static void test_column_and_cell_limits(void **state)
{
	(void)state;
	struct csv_limits lim = {.max_columns = 4, .max_cell = 8};
	char *got = convert("a,b,c,d\n1,2,3,4\n", strlen("a,b,c,d\n1,2,3,4\n"), &lim);
	assert_non_null(got);
	free(got);
	refused("a,b,c,d,e\n1,2,3,4,5\n", &lim, "row 1: more than 4 columns");
	refused("a,b,c,d\n1,2,3,4,5\n", &lim, "row 2: more than 4 columns");
	got = convert("a\n12345678\n", strlen("a\n12345678\n"), &lim);
	assert_non_null(got);
	assert_string_equal(got, "[{\"a\":12345678}]");
	free(got);
	refused("a\n123456789\n", &lim, "row 2, column 1: a cell is longer than 8 bytes");
	/* the quotes of a quoted cell are not its bytes */
	got = convert("a\n\"abcdefgh\"\n", strlen("a\n\"abcdefgh\"\n"), &lim);
	assert_non_null(got);
	free(got);
}

/* An error's instance location back to the file's row and column. */
static void test_locate(void **state)
{
	(void)state;
	const char *csv = "id,a/b,c~d\n1,2,3\n4,5,6\n";
	json_t *rows = csv_to_json(csv, strlen(csv), NULL, err, sizeof err);
	assert_non_null(rows);
	size_t row, col;
	assert_int_equal(csv_locate(rows, "/1/id", &row, &col), 0);
	assert_int_equal(row, 3); /* the header is row 1, the first data row 2 */
	assert_int_equal(col, 1);
	assert_int_equal(csv_locate(rows, "/0/a~1b", &row, &col), 0);
	assert_int_equal(row, 2);
	assert_int_equal(col, 2);
	assert_int_equal(csv_locate(rows, "/0/c~0d", &row, &col), 0);
	assert_int_equal(col, 3);
	assert_int_equal(csv_locate(rows, "/1", &row, &col), 0); /* a whole row */
	assert_int_equal(row, 3);
	assert_int_equal(col, 0);
	assert_int_equal(csv_locate(rows, "", &row, &col), -1); /* the whole table */
	assert_int_equal(csv_locate(rows, "/2/id", &row, &col), -1);
	assert_int_equal(csv_locate(rows, "/0/nope", &row, &col), -1);
	assert_int_equal(csv_locate(rows, "/x", &row, &col), -1);
	json_decref(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing),
		cmocka_unit_test(test_empty_cells),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_malformed_tables),
		cmocka_unit_test(test_row_limit),
		cmocka_unit_test(test_column_and_cell_limits),
		cmocka_unit_test(test_locate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
