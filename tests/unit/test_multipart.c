/* test_multipart.c - the streaming multipart/form-data parser (src/http/multipart.c).
 *
 * Covers: the same parts (names, file names, types, bytes) however the body is split,
 * at every byte and byte by byte, including bytes that begin like the delimiter (a
 * line that starts with the whole boundary is one, as RFC 2046 says, so it never
 * appears inside a part); bare,
 * quoted, escaped and RFC 5987 (UTF-8, ISO-8859-1) file names, filename* winning; a
 * preamble and an epilogue ignored; every malformed body refused with its reason: no
 * boundary, a boundary too long, a raw quote, a NUL, a control character or invalid
 * UTF-8 in a name, a part that is not form-data or has no name or no headers, the same
 * parameter twice, headers too large, junk after a boundary, no closing boundary; and
 * the decoder of ext-values on its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/http/multipart.h"

/* What the callbacks saw, as one text: "[name|filename|type]bytes/" per part. */
struct seen {
	buf log;
	int parts;
};

static int on_begin(void *ctx, const char *name, const char *filename, const char *type, const char **why)
{
	(void)why;
	struct seen *s = ctx;
	buf_printf(&s->log, "[%s|%s|%s]", name, filename ? filename : "(field)", type ? type : "-");
	s->parts++;
	return 0;
}

static int on_data(void *ctx, const char *p, size_t n, const char **why)
{
	(void)why;
	buf_append(&((struct seen *)ctx)->log, p, n);
	return 0;
}

static int on_end(void *ctx, const char **why)
{
	(void)why;
	buf_putc(&((struct seen *)ctx)->log, '/');
	return 0;
}

static const struct multipart_cb cb = {on_begin, on_data, on_end};

/* Parses body in pieces of `step` bytes (0: split once at `at`); returns the log, or
 * "ERROR: reason". Caller frees. */
static char *parse(const char *ct, const char *body, size_t len, size_t step, size_t at)
{
	struct seen s = {0};
	struct multipart m;
	int rc = multipart_init(&m, ct, &cb, &s);
	if (rc == 0) {
		if (step) {
			for (size_t i = 0; rc == 0 && i < len; i += step)
				rc = multipart_feed(&m, body + i, len - i < step ? len - i : step);
		} else {
			rc = multipart_feed(&m, body, at);
			if (rc == 0)
				rc = multipart_feed(&m, body + at, len - at);
		}
	}
	if (rc == 0)
		rc = multipart_finish(&m);
	char *out;
	if (rc < 0) {
		out = malloc(strlen(m.error) + 8);
		sprintf(out, "ERROR: %s", m.error);
	} else {
		buf_putc(&s.log, 0);
		out = strdup(s.log.data ? s.log.data : "");
	}
	buf_free(&s.log);
	multipart_free(&m);
	return out;
}

#define CT "multipart/form-data; boundary=XyZ"

static const char body[] = "preamble to ignore\r\n"
			   "--XyZ\r\nContent-Disposition: form-data; name=\"question\"\r\n\r\nWhat is --XyZ not?\r\n"
			   "--XyZ\r\ncontent-disposition: form-data; name=\"file_upload\"; filename=\"a b.csv\"\r\n"
			   "Content-Type: text/csv\r\n\r\nx,y\r\n1,2\r\n--XyY\r\n\r\n"
			   "--XyZ--\r\nepilogue to ignore";
static const char expect[] = "[question|(field)|-]What is --XyZ not?/[file_upload|a b.csv|text/csv]x,y\r\n1,2\r\n--XyY\r\n/";

static void test_every_split(void **state)
{
	(void)state;
	size_t len = strlen(body);
	for (size_t at = 0; at <= len; at++) {
		char *got = parse(CT, body, len, 0, at);
		assert_string_equal(got, expect);
		free(got);
	}
	for (size_t step = 1; step <= 7; step++) {
		char *got = parse(CT, body, len, step, 0);
		assert_string_equal(got, expect);
		free(got);
	}
}

/* One file part with Content-Disposition parameters `params`. */
static char *file_part(const char *params)
{
	char b[512];
	snprintf(b, sizeof b, "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; %s\r\n\r\ndata\r\n--XyZ--\r\n", params);
	return parse(CT, b, strlen(b), 0, 0);
}

static void test_file_names(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{"filename=\"quoted.csv\"", "[f|quoted.csv|-]data/"},
		{"filename=bare.csv", "[f|bare.csv|-]data/"},
		{"filename=\"say \\\"hi\\\".csv\"", "[f|say \"hi\".csv|-]data/"},
		{"filename*=UTF-8''na%C3%AFve%20x.csv", "[f|na\xc3\xafve x.csv|-]data/"},
		{"filename*=iso-8859-1''caf%E9.csv", "[f|caf\xc3\xa9.csv|-]data/"},
		{"filename=\"fallback.csv\"; filename*=UTF-8''%E2%82%AC.csv", "[f|\xe2\x82\xac.csv|-]data/"},
		{"filename*=UTF-8''%E2%82%AC.csv; filename=\"fallback.csv\"", "[f|\xe2\x82\xac.csv|-]data/"},
		{"filename=\"\"", "[f||-]data/"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = file_part(cases[i][0]);
		assert_string_equal(got, cases[i][1]);
		free(got);
	}
}

static void refused(const char *ct, const char *b, size_t len, const char *why)
{
	char *got = parse(ct, b, len, 0, 0);
	if (!strstr(got, why))
		fail_msg("expected \"%s\", got \"%s\" for %.60s", why, got, b);
	free(got);
}

#define R(body, why) refused(CT, body, sizeof(body) - 1, why)

static void test_refused(void **state)
{
	(void)state;
	refused("multipart/form-data", "x", 1, "no valid boundary");
	refused("multipart/form-data; boundary=" "0123456789012345678901234567890123456789012345678901234567890123456789X",
		"x", 1, "no valid boundary");
	R("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"b\"\r\n\r\nx\r\n--XyZ--", "malformed");
	R("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\0b\"\r\n\r\nx\r\n--XyZ--", "NUL");
	R("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\x01" "b\"\r\n\r\nx\r\n--XyZ--", "not valid text");
	R("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\xff.txt\"\r\n\r\nx\r\n--XyZ--", "not valid text");
	R("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%FF\r\n\r\nx\r\n--XyZ--", "not valid text");
	R("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename*=KOI8-R''x\r\n\r\nx\r\n--XyZ--", "could not be decoded");
	R("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename*=UTF-8''%G1\r\n\r\nx\r\n--XyZ--", "could not be decoded");
	R("--XyZ\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--XyZ--", "not form-data");
	R("--XyZ\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx\r\n--XyZ--", "no name");
	R("--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--XyZ--", "no name");
	R("--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--", "no Content-Disposition");
	R("--XyZ\r\n\r\nx\r\n--XyZ--", "no headers");
	R("--XyZ\r\nContent-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\nx\r\n--XyZ--", "twice");
	R("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nBroken header\r\n\r\nx\r\n--XyZ--", "malformed");
	R("--XyZjunk\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--XyZ--", "followed by junk");
	R("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx", "before its closing boundary");
	R("", "before its closing boundary");
	/* Headers beyond 16 KiB. */
	size_t n = 20000;
	char *big = malloc(n + 64);
	int k = sprintf(big, "--XyZ\r\nX-Pad: ");
	memset(big + k, 'a', n);
	strcpy(big + k + n, "\r\n");
	refused(CT, big, strlen(big), "too large");
	free(big);
}

static void test_ext_value(void **state)
{
	(void)state;
	buf b = BUF_INIT;
	assert_int_equal(multipart_ext_value("UTF-8'en'%C3%A9t%C3%A9.txt", &b), 0);
	buf_putc(&b, 0);
	assert_string_equal(b.data, "\xc3\xa9t\xc3\xa9.txt");
	buf_free(&b);
	assert_int_equal(multipart_ext_value("UTF-8%C3%A9", &b), -1);   /* no quotes */
	buf_free(&b);
	assert_int_equal(multipart_ext_value("UTF-8''a b", &b), -1);    /* a raw space */
	buf_free(&b);
	assert_int_equal(multipart_ext_value("UTF-8''%4", &b), -1);     /* a cut escape */
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_file_names),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_ext_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
