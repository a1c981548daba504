/* test_import.c - what import-django makes of the Django app's values
 * (src/model/import.c): timestamps and conversation UUIDs.
 *
 * Covers: SQLite's text times (microseconds, none, no seconds' fraction) read as UTC;
 * PostgreSQL's timestamptz text with the offsets "+00", "+02", "-08", "+05:30" and
 * "Z"; what is refused (not a time, a date alone, a bad month, day or hour, junk
 * after it, an offset of one digit, empty); UUIDs as 32 hex digits or 8-4-4-4-12,
 * either case, to the 8-4-4-4-12 lower case form; refused: one digit short or over,
 * a non-hex digit, dashes at other places, some dashes only, empty. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../src/model/import.h"

/* 2024-05-01T12:34:56Z */
#define T0 1714566896000LL

static void expect_time(const char *s, int64_t want)
{
	int64_t ms = -1;
	if (!import_parse_time(s, &ms))
		print_message("refused: %s\n", s);
	assert_true(import_parse_time(s, &ms));
	assert_int_equal(ms, want);
}

static void test_time_sqlite(void **state)
{
	(void)state;
	expect_time("2024-05-01 12:34:56.789012", T0 + 789);
	expect_time("2024-05-01 12:34:56.789999", T0 + 789); /* past the millisecond: dropped */
	expect_time("2024-05-01 12:34:56", T0);
	expect_time("2024-05-01 12:34:56.5", T0 + 500);
	expect_time("2024-05-01T12:34:56.789", T0 + 789);
	expect_time("1970-01-01 00:00:00", 0);
}

static void test_time_postgres(void **state)
{
	(void)state;
	expect_time("2024-05-01 12:34:56.789012+00", T0 + 789);
	expect_time("2024-05-01 14:34:56.789012+02", T0 + 789);
	expect_time("2024-05-01 04:34:56-08", T0);
	expect_time("2024-05-01 18:04:56.1+05:30", T0 + 100);
	expect_time("2024-05-01 12:34:56+00:00", T0);
	expect_time("2024-05-01T12:34:56Z", T0);
	expect_time("2024-05-02 00:34:56+12", T0); /* across the date line */
}

static void test_time_refused(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "now", "2024-05-01", "2024-05-01 ", "2024-13-01 12:00:00", "2024-02-30 12:00:00",
		"2024-05-01 24:00:00", "2024-05-01 12:34:56 junk", "2024-05-01 12:34:56+2", "2024/05/01 12:34:56",
		"2024-05-01_12:34:56", "1969-12-31 23:59:59", "infinity", "2024-05-01 12:34:56.",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms;
		if (import_parse_time(bad[i], &ms))
			print_message("accepted: '%s'\n", bad[i]);
		assert_false(import_parse_time(bad[i], &ms));
	}
	int64_t ms;
	assert_false(import_parse_time(NULL, &ms));
	/* The longest input read: 44 characters accepted, then one more refused. */
	char longest[64] = "2024-05-01 12:34:56.";
	size_t n = strlen(longest);
	while (n < 44)
		longest[n++] = '0';
	longest[n] = '\0';
	expect_time(longest, T0);
	strcat(longest, "0");
	assert_false(import_parse_time(longest, &ms));
}

static void expect_uuid(const char *s, const char *want)
{
	char out[37];
	memset(out, 'x', sizeof out);
	assert_true(import_uuid(s, out));
	assert_string_equal(out, want);
}

static void test_uuid(void **state)
{
	(void)state;
	expect_uuid("0123456789abcdef0123456789abcdef", "01234567-89ab-cdef-0123-456789abcdef");
	expect_uuid("0123456789ABCDEF0123456789ABCDEF", "01234567-89ab-cdef-0123-456789abcdef");
	expect_uuid("01234567-89ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123-456789abcdef");
	expect_uuid("01234567-89AB-CDEF-0123-456789ABCDEF", "01234567-89ab-cdef-0123-456789abcdef");
	const char *bad[] = {
		"", "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0",
		"0123456789abcdef0123456789abcdeg", "01234567-89ab-cdef-0123-456789abcde",
		"0123456-789ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123456789abcdef-",
		"01234567089ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123-456789abcdeg", "{0123456789abcdef0123456789abcd}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char out[37];
		if (import_uuid(bad[i], out))
			print_message("accepted: '%s'\n", bad[i]);
		assert_false(import_uuid(bad[i], out));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_sqlite),
		cmocka_unit_test(test_time_postgres),
		cmocka_unit_test(test_time_refused),
		cmocka_unit_test(test_uuid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
