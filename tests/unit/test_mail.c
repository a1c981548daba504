/* test_mail.c - mail messages (src/core/mailmsg.c) and the SMTP configuration
 * (SMTP_URL, SMTP_FROM, SMTP_CA_FILE in src/core/config.c).
 *
 * Covers: which addresses are accepted; mailboxes with and without display names,
 * quoted ones; the formatted message's headers in order with CRLF ends; every way
 * to slip a header in (CR, LF, NUL-free controls in the subject, the display name,
 * the recipient) refused; non-ASCII subjects and names as RFC 2047 encoded words
 * that decode back and never exceed a line; bodies as 7bit or quoted-printable
 * (long lines, trailing white space, '=', bare CR); the configuration's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/config.h"
#include "../../src/core/mailmsg.h"

static void test_addresses(void **state)
{
	(void)state;
	const char *good[] = {"a@b.c", "alice@example.org", "first.last+tag@mail.example.co.uk", "o'neil@x.org",
			      "user@localhost", "a!#$%&'*+-/=?^_`{|}~@x-y.z"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(mailmsg_addr_ok(good[i]));
	const char *bad[] = {"", "a", "@b.c", "a@", "a@@b.c", "a@b@c.d", ".a@b.c", "a.@b.c", "a..b@c.d", "a@.b.c",
			     "a@b..c", "a@b.c.", "a b@c.d", "a@b c.d", "a\r\n@b.c", "a@b.c\r\nBcc: x@y.z", "a@b.c\n",
			     "\"a\"@b.c", "a<b@c.d", "a@b.c>", "a@[127.0.0.1]", "é@b.c", "a@bé.c", "a,b@c.d", "a@b_c.d"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (mailmsg_addr_ok(bad[i]))
			fail_msg("accepted: %s", bad[i]);
	}
	/* Lengths: a local part of 64, an address of 254, at most. */
	char a[300];
	memset(a, 'x', 64);
	strcpy(a + 64, "@b.c");
	assert_true(mailmsg_addr_ok(a));
	memset(a, 'x', 65);
	strcpy(a + 65, "@b.c");
	assert_false(mailmsg_addr_ok(a));
	strcpy(a, "x@");
	memset(a + 2, 'y', 248);
	strcpy(a + 250, ".org"); /* 254 */
	assert_true(mailmsg_addr_ok(a));
	strcpy(a + 250, ".orgg"); /* 255 */
	assert_false(mailmsg_addr_ok(a));
}

static void mailbox_is(const char *in, const char *name, const char *addr)
{
	buf n = BUF_INIT, a = BUF_INIT;
	assert_int_equal(mailmsg_mailbox(in, &n, &a), 0);
	assert_string_equal(n.data, name);
	assert_string_equal(a.data, addr);
	buf_free(&n);
	buf_free(&a);
}

static void mailbox_refused(const char *in)
{
	buf n = BUF_INIT, a = BUF_INIT;
	if (mailmsg_mailbox(in, &n, &a) != -1)
		fail_msg("accepted mailbox: %s", in);
	buf_free(&n);
	buf_free(&a);
}

static void test_mailboxes(void **state)
{
	(void)state;
	mailbox_is("noreply@example.org", "", "noreply@example.org");
	mailbox_is("  noreply@example.org ", "", "noreply@example.org");
	mailbox_is("llmmeta <noreply@example.org>", "llmmeta", "noreply@example.org");
	mailbox_is("<noreply@example.org>", "", "noreply@example.org");
	mailbox_is("\"Lab, \\\"LLM\\\" meta\" <n@x.org>", "Lab, \"LLM\" meta", "n@x.org");
	mailbox_is("Zoë Müller <z@x.org>", "Zoë Müller", "z@x.org");
	mailbox_refused("");
	mailbox_refused("llmmeta");
	mailbox_refused("llmmeta <>");
	mailbox_refused("llmmeta <a@b.c");
	mailbox_refused("llmmeta a@b.c>");
	mailbox_refused("ll\r\nBcc: x@y.z <a@b.c>");
	mailbox_refused("llmmeta\n <a@b.c>");
	mailbox_refused("llmmeta <a@b.c>\r\nBcc: x@y.z");
	mailbox_refused("bad \xff name <a@b.c>");
}

/* The value of header `name` in a formatted message (first occurrence, still
 * folded), in out; false when absent. */
static bool header(const char *msg, const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name);
	const char *end = strstr(msg, "\r\n\r\n");
	for (const char *p = msg; p && p < end; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 2, *e = v;
			while (e < end && !(e[0] == '\r' && e[1] == '\n' && e[2] != ' '))
				e++;
			snprintf(out, outlen, "%.*s", (int)(e - v), v);
			return true;
		}
	}
	return false;
}

static char *format(const char *from, const char *to, const char *subject, const char *body)
{
	buf b = BUF_INIT;
	struct mailmsg m = {.from = from, .to = to, .subject = subject, .body = body, .date_ms = 1795682522000};
	if (mailmsg_format(&b, &m) < 0)
		return NULL;
	return buf_detach(&b, NULL);
}

/* Every line ends in CRLF, none longer than 998 (78 for headers we fold), and no
 * bare CR or LF anywhere. */
static void lines_ok(const char *msg, size_t max_header)
{
	const char *body = strstr(msg, "\r\n\r\n");
	assert_non_null(body);
	size_t col = 0;
	for (const char *p = msg; *p; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			p++;
			col = 0;
			continue;
		}
		assert_int_not_equal(*p, '\n');
		col++;
		assert_true(col <= (p < body ? max_header : 998));
	}
	assert_true(msg[strlen(msg) - 1] == '\n');
}

static void test_format(void **state)
{
	(void)state;
	char *m = format("llmmeta <noreply@example.org>", "alice@example.org", "Password reset",
			 "Hello alice,\n\nopen https://x.org/k/abc/\n");
	assert_non_null(m);
	lines_ok(m, 998);
	char v[512];
	/* 1795682522 s = Thu, 26 Nov 2026 08:42:02 UTC */
	assert_true(header(m, "Date", v, sizeof v));
	assert_string_equal(v, "Thu, 26 Nov 2026 08:42:02 +0000");
	assert_true(header(m, "From", v, sizeof v));
	assert_string_equal(v, "\"llmmeta\" <noreply@example.org>");
	assert_true(header(m, "To", v, sizeof v));
	assert_string_equal(v, "<alice@example.org>");
	assert_true(header(m, "Subject", v, sizeof v));
	assert_string_equal(v, "Password reset");
	assert_true(header(m, "Message-ID", v, sizeof v));
	assert_int_equal(v[0], '<');
	assert_non_null(strstr(v, "@example.org>"));
	assert_true(header(m, "MIME-Version", v, sizeof v));
	assert_string_equal(v, "1.0");
	assert_true(header(m, "Content-Type", v, sizeof v));
	assert_string_equal(v, "text/plain; charset=UTF-8");
	assert_true(header(m, "Content-Transfer-Encoding", v, sizeof v));
	assert_string_equal(v, "7bit");
	assert_string_equal(strstr(m, "\r\n\r\n"), "\r\n\r\nHello alice,\r\n\r\nopen https://x.org/k/abc/\r\n");
	/* Two messages never share a Message-ID. */
	char *m2 = format("noreply@example.org", "alice@example.org", "s", "b");
	char v2[512];
	assert_true(header(m2, "Message-ID", v2, sizeof v2));
	assert_string_not_equal(v, v2);
	assert_true(header(m2, "From", v2, sizeof v2));
	assert_string_equal(v2, "<noreply@example.org>");
	free(m2);
	free(m);
}

static void test_header_injection(void **state)
{
	(void)state;
	const char *from = "llmmeta <noreply@example.org>";
	/* A line break or any other control character in a header value: no message. */
	assert_null(format(from, "alice@example.org", "Hi\r\nBcc: victim@example.org", "b"));
	assert_null(format(from, "alice@example.org", "Hi\nBcc: victim@example.org", "b"));
	assert_null(format(from, "alice@example.org", "Hi\rBcc: victim@example.org", "b"));
	assert_null(format(from, "alice@example.org", "Hi\tthere", "b"));
	assert_null(format(from, "alice@example.org", "Hi\x7f", "b"));
	assert_null(format(from, "alice@example.org\r\nBcc: victim@example.org", "s", "b"));
	assert_null(format(from, "alice@example.org>\r\nBcc: <victim@example.org", "s", "b"));
	assert_null(format("x\r\nBcc: victim@example.org <noreply@example.org>", "alice@example.org", "s", "b"));
	assert_null(format("noreply@example.org\nBcc: victim@example.org", "alice@example.org", "s", "b"));
	assert_null(format(from, "alice@example.org", "bad \xc3\x28 utf-8", "b"));
	assert_null(format(from, "alice@example.org", "s", "bad \xff body"));
	/* A body cannot end the headers early or add one: it starts after the blank line,
	 * and a "header" in it stays in the body. */
	char *m = format(from, "alice@example.org", "s", "Bcc: victim@example.org\r\n\r\nhi");
	assert_non_null(m);
	char v[256];
	assert_false(header(m, "Bcc", v, sizeof v));
	assert_non_null(strstr(m, "\r\n\r\nBcc: victim@example.org\r\n"));
	free(m);
	/* A display name with quotes, backslashes, commas and angle brackets stays one
	 * quoted phrase in front of the one address. */
	m = format("\"a\\\\\\\" <evil@x.org>, b\" <noreply@example.org>", "alice@example.org", "s", "b");
	assert_non_null(m);
	assert_true(header(m, "From", v, sizeof v));
	assert_string_equal(v, "\"a\\\\\\\" <evil@x.org>, b\" <noreply@example.org>");
	free(m);
}

/* Decodes the =?UTF-8?B?...?= words of a header value (folded or not) into out. */
static void decode_words(const char *v, char *out, size_t outlen)
{
	size_t o = 0;
	for (const char *p = v; (p = strstr(p, "=?UTF-8?B?")) != NULL;) {
		p += 10;
		const char *e = strstr(p, "?=");
		assert_non_null(e);
		size_t n = 0;
		assert_int_equal(sodium_base642bin((unsigned char *)out + o, outlen - o - 1, p, (size_t)(e - p), NULL, &n,
						   NULL, sodium_base64_VARIANT_ORIGINAL),
				 0);
		o += n;
		p = e + 2;
	}
	out[o] = '\0';
}

static void test_encoded_words(void **state)
{
	(void)state;
	/* 40 three-byte characters: more than one encoded word, none cutting one. */
	char subject[200] = "Réinitialisation ";
	for (int i = 0; i < 40; i++)
		strcat(subject, "€");
	char *m = format("Zoë Müller <z@example.org>", "alice@example.org", subject, "b");
	assert_non_null(m);
	lines_ok(m, 78);
	char v[4096], dec[1024];
	assert_true(header(m, "Subject", v, sizeof v));
	assert_non_null(strstr(v, "\r\n =?UTF-8?B?")); /* folded */
	decode_words(v, dec, sizeof dec);
	assert_string_equal(dec, subject);
	assert_true(header(m, "From", v, sizeof v));
	assert_non_null(strstr(v, "?=\r\n <z@example.org>"));
	decode_words(v, dec, sizeof dec);
	assert_string_equal(dec, "Zoë Müller");
	free(m);
	/* So is a display name too long for one line, even in ASCII (a fuzzer's find: a
	 * 1000-byte name made a From line past the 998-byte limit). */
	char longname[1100];
	memset(longname, 'n', 1000);
	strcpy(longname + 1000, " <z@example.org>");
	m = format(longname, "alice@example.org", "s", "b");
	assert_non_null(m);
	lines_ok(m, 78);
	assert_true(header(m, "From", v, sizeof v));
	assert_non_null(strstr(v, "?=\r\n <z@example.org>"));
	decode_words(v, dec, sizeof dec);
	assert_int_equal(strlen(dec), 1000);
	free(m);
	/* 200 characters still go quoted, on one line. */
	longname[200] = '\0';
	strcat(longname, " <z@example.org>");
	m = format(longname, "alice@example.org", "s", "b");
	assert_true(header(m, "From", v, sizeof v));
	assert_int_equal(v[0], '"');
	assert_int_equal(strlen(v), 200 + 2 + 16);
	free(m);
	/* An ASCII subject too long for a line is encoded (and folded) too. */
	char longsub[1000];
	memset(longsub, 's', 950);
	longsub[950] = '\0';
	m = format("n@example.org", "alice@example.org", longsub, "b");
	assert_non_null(m);
	lines_ok(m, 78);
	assert_true(header(m, "Subject", v, sizeof v));
	decode_words(v, dec, sizeof dec);
	assert_string_equal(dec, longsub);
	free(m);
}

static void test_quoted_printable(void **state)
{
	(void)state;
	char *m = format("n@example.org", "alice@example.org", "s", "Grüße = 1 \nend\t\nbare\rcr\n");
	assert_non_null(m);
	lines_ok(m, 998);
	char v[128];
	assert_true(header(m, "Content-Transfer-Encoding", v, sizeof v));
	assert_string_equal(v, "quoted-printable");
	/* ü ß as UTF-8 bytes, '=' encoded, white space at a line's end encoded, a bare CR
	 * encoded rather than sent. */
	assert_string_equal(strstr(m, "\r\n\r\n"), "\r\n\r\nGr=C3=BC=C3=9Fe =3D 1=20\r\nend=09\r\nbare=0Dcr\r\n");
	free(m);
	/* A 2000-byte ASCII line: quoted-printable with soft breaks, every line at most 76. */
	char body[2001];
	memset(body, 'a', 2000);
	body[2000] = '\0';
	m = format("n@example.org", "alice@example.org", "s", body);
	assert_non_null(m);
	lines_ok(m, 998);
	const char *p = strstr(m, "\r\n\r\n") + 4;
	size_t total = 0;
	for (const char *e; (e = strstr(p, "\r\n")) != NULL; p = e + 2) {
		size_t n = (size_t)(e - p);
		assert_true(n <= 76);
		total += n && p[n - 1] == '=' ? n - 1 : n;
	}
	assert_int_equal(total, 2000);
	free(m);
	/* 998 is still 7bit; 999 is not. */
	memset(body, 'a', 999);
	body[998] = '\0';
	m = format("n@example.org", "alice@example.org", "s", body);
	assert_true(header(m, "Content-Transfer-Encoding", v, sizeof v));
	assert_string_equal(v, "7bit");
	free(m);
	body[998] = 'a';
	body[999] = '\0';
	m = format("n@example.org", "alice@example.org", "s", body);
	assert_true(header(m, "Content-Transfer-Encoding", v, sizeof v));
	assert_string_equal(v, "quoted-printable");
	free(m);
}

/* ---- configuration ---- */

static int smtp_env(void **state)
{
	(void)state;
	unsetenv("SMTP_URL");
	unsetenv("SMTP_FROM");
	unsetenv("MAIL_FROM");
	unsetenv("SMTP_CA_FILE");
	setenv("SECRET_KEY", "0123456789abcdef0123456789abcdef-test", 1);
	return 0;
}

/* config_load with SMTP_URL=url and SMTP_FROM=from (NULL: unset): 0, or -1 with a
 * message that starts with want_var. */
static int load(const char *url, const char *from, const char *want_var)
{
	if (url)
		setenv("SMTP_URL", url, 1);
	if (from)
		setenv("SMTP_FROM", from, 1);
	char err[512] = "";
	struct config c;
	int rc = config_load(&c, true, err, sizeof err);
	if (rc < 0 && want_var && strncmp(err, want_var, strlen(want_var)) != 0)
		fail_msg("error for %s: %s", want_var, err);
	if (rc < 0 && url && strstr(err, "s3cret"))
		fail_msg("the password is in the message: %s", err);
	config_free(&c);
	return rc;
}

static void test_config(void **state)
{
	(void)state;
	struct config c;
	char err[512];
	assert_int_equal(config_load(&c, true, err, sizeof err), 0);
	assert_null(c.smtp_url); /* none: links are logged */
	config_free(&c);
	assert_int_equal(load("smtp://u:s3cret@mail.example.org:587?starttls", "llmmeta <n@example.org>", NULL), 0);
	assert_int_equal(load("smtps://u:s3cret@mail.example.org", "n@example.org", NULL), 0);
	assert_int_equal(load("smtp://127.0.0.1:25", "n@example.org", NULL), 0);
	assert_int_equal(load("smtp://127.0.0.1:25/client.example.org", "n@example.org", NULL), 0);
	assert_int_equal(load("http://u:s3cret@mail.example.org", "n@example.org", "SMTP_URL:"), -1);
	assert_int_equal(load("smtp://u:s3cret@", "n@example.org", "SMTP_URL:"), -1);
	assert_int_equal(load("smtp://", "n@example.org", "SMTP_URL:"), -1);
	assert_int_equal(load("smtp://u:s3cret@mail.example.org?tls", "n@example.org", "SMTP_URL:"), -1);
	assert_int_equal(load("smtps://u:s3cret@mail.example.org?starttls", "n@example.org", "SMTP_URL:"), -1);
	assert_int_equal(load("smtp://u:s3cret@mail.example.org\r\n", "n@example.org", "SMTP_URL:"), -1);
	assert_int_equal(load("smtp://mail.example.org", "not an address", "SMTP_FROM:"), -1);
	assert_int_equal(load("smtp://mail.example.org", "x\r\nBcc: v@x.org <n@example.org>", "SMTP_FROM:"), -1);
	unsetenv("SMTP_FROM");
	assert_int_equal(load("smtp://mail.example.org", NULL, "SMTP_FROM:"), -1);
	setenv("MAIL_FROM", "n@example.org", 1); /* the alias */
	assert_int_equal(load("smtp://mail.example.org", NULL, NULL), 0);
	setenv("SMTP_CA_FILE", "/nonexistent/ca.pem", 1);
	assert_int_equal(load("smtp://mail.example.org", NULL, "SMTP_CA_FILE:"), -1);
	setenv("SMTP_CA_FILE", "/etc/hostname", 1);
	assert_int_equal(config_load(&c, true, err, sizeof err), 0);
	assert_string_equal(c.smtp_ca_file, "/etc/hostname");
	assert_string_equal(c.smtp_from, "n@example.org");
	config_free(&c);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_mailboxes),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_encoded_words),
		cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test_setup(test_config, smtp_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
