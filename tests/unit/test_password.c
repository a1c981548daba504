/* test_password.c - password hashing and rules (src/auth/password.c).
 *
 * Covers: password_hash/password_verify with Argon2id, password_needs_rehash,
 * pbkdf2_sha256 against published PBKDF2-HMAC-SHA256 vectors, verification of
 * Django's "pbkdf2_sha256$iter$salt$hash" strings (built here, and one computed
 * independently with Python's hashlib), malformed stored strings, and
 * password_check's Django-style rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "../../src/auth/password.h"
#include "../../src/core/buf.h"

static void test_hash_and_verify(void **state)
{
	(void)state;
	char h1[128], h2[128];
	assert_int_equal(password_hash("correct horse battery", h1), 0);
	assert_int_equal(password_hash("correct horse battery", h2), 0);
	assert_true(strncmp(h1, "$argon2id$", 10) == 0);
	assert_string_not_equal(h1, h2); /* a fresh salt each time */
	assert_true(password_verify("correct horse battery", h1));
	assert_true(password_verify("correct horse battery", h2));
	assert_false(password_verify("correct horse batterY", h1));
	assert_false(password_verify("", h1));
	assert_false(password_needs_rehash(h1));
}

static void test_needs_rehash(void **state)
{
	(void)state;
	assert_true(password_needs_rehash("pbkdf2_sha256$870000$salt$AAAA"));
	assert_true(password_needs_rehash(""));
	char weak[128], argon2i[128];
	/* Argon2id with weaker parameters, and the older Argon2i: both still verify. */
	assert_int_equal(crypto_pwhash_str_alg(weak, "pw", 2, crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
					       crypto_pwhash_ALG_ARGON2ID13), 0);
	assert_true(password_needs_rehash(weak));
	assert_true(password_verify("pw", weak));
	assert_int_equal(crypto_pwhash_str_alg(argon2i, "pw", 2, 3, crypto_pwhash_MEMLIMIT_MIN,
					       crypto_pwhash_ALG_ARGON2I13), 0);
	assert_true(password_needs_rehash(argon2i));
	assert_true(password_verify("pw", argon2i));
	assert_false(password_verify("pW", argon2i));
}

static void expect_pbkdf2(const char *pw, const char *salt, unsigned iter, const char *hex)
{
	unsigned char out[32];
	char got[65];
	pbkdf2_sha256(pw, salt, iter, out);
	sodium_bin2hex(got, sizeof got, out, sizeof out);
	assert_string_equal(got, hex);
}

static void test_pbkdf2_vectors(void **state)
{
	(void)state;
	expect_pbkdf2("password", "salt", 1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
	expect_pbkdf2("password", "salt", 2, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
	expect_pbkdf2("password", "salt", 4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
	/* RFC 7914 section 11, first 32 bytes. */
	expect_pbkdf2("passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
	/* Longer password and salt (RFC 6070's vector, here with SHA-256). */
	expect_pbkdf2("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096,
		      "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1");
}

/* "pbkdf2_sha256$<iter>$<salt>$<base64 of the key>", the way Django stores it. */
static void django_string(char *out, size_t outlen, const char *pw, const char *salt, unsigned iter)
{
	unsigned char key[32];
	char b64[64];
	pbkdf2_sha256(pw, salt, iter, key);
	sodium_bin2base64(b64, sizeof b64, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, outlen, "pbkdf2_sha256$%u$%s$%s", iter, salt, b64);
}

static void test_verify_django(void **state)
{
	(void)state;
	char stored[256];
	django_string(stored, sizeof stored, "s3cret-Pass", "Xk2pQ9aLmN0z", 1000);
	assert_true(password_verify("s3cret-Pass", stored));
	assert_false(password_verify("s3cret-pass", stored));
	assert_false(password_verify("", stored));
	assert_true(password_needs_rehash(stored));
	/* Computed outside this code: Python hashlib.pbkdf2_hmac('sha256', ...). */
	const char *py = "pbkdf2_sha256$260000$q8Rj2xLkP0aZ$cH7/V04wLecngG0ufJo7X7LzsqtCIDm/qhDHQ9wI3W8=";
	assert_true(password_verify("correct horse", py));
	assert_false(password_verify("correct horse ", py));
}

/* Django's default since 5.2 is 1,000,000 iterations: the key computed outside this
 * code (Python's hashlib.pbkdf2_hmac('sha256', b'pw', b'salt', 1000000)), then a
 * whole stored string verified. The login that depends on it must stay well under a
 * second, which the HMAC pads computed once per password give (src/auth/password.c). */
static void test_pbkdf2_million(void **state)
{
	(void)state;
	unsigned char out[32];
	char b64[64];
	pbkdf2_sha256("pw", "salt", 1000000, out);
	sodium_bin2base64(b64, sizeof b64, out, sizeof out, sodium_base64_VARIANT_ORIGINAL);
	assert_string_equal(b64, "cT950mATSKvH2DqbwQMcBWYk7wpvxmKVpi4VIjTc128=");
	const char *py = "pbkdf2_sha256$1000000$Zq81nVbT4kLx$5v/d81HcyOv6R82Qh9lvvTj+Fb4HeYuESWqfO5Pud0Q=";
	assert_true(password_verify("tensile-Schema-42", py));
	assert_false(password_verify("tensile-schema-42", py));
}

static void test_verify_malformed(void **state)
{
	(void)state;
	char good[256], buf256[600];
	django_string(good, sizeof good, "pw", "salt", 10);
	assert_true(password_verify("pw", good));
	const char *hash = strrchr(good, '$') + 1;
	const char *bad[] = {
		"", "!", "!unusable", "pbkdf2_sha256$x$y", "pbkdf2_sha256$", "pbkdf2_sha256$10$salt",
		"pbkdf2_sha256$10$salt$", "pbkdf2_sha256$10$salt$***not base64***", "pbkdf2_sha256$10$salt$AAAA",
		"md5$10$salt$AAAA", "$argon2id$v=19$m=65536,t=2,p=1$garbage", "PBKDF2_SHA256$10$salt$AAAA",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (password_verify("pw", bad[i]))
			print_message("accepted: %s\n", bad[i]);
		assert_false(password_verify("pw", bad[i]));
	}
	/* The right key, but the iteration count zero, negative, huge or with junk. */
	const char *iters[] = {"0", "-10", "10x", "99999999999", ""};
	for (size_t i = 0; i < sizeof iters / sizeof iters[0]; i++) {
		snprintf(buf256, sizeof buf256, "pbkdf2_sha256$%s$salt$%s", iters[i], hash);
		assert_false(password_verify("pw", buf256));
	}
	/* Iteration 0 is refused even with the key that 1 iteration gives. */
	django_string(buf256, sizeof buf256, "pw", "salt", 1);
	assert_true(password_verify("pw", buf256));
	buf256[strlen("pbkdf2_sha256$")] = '0';
	assert_false(password_verify("pw", buf256));
	/* Trailing junk after the base64 key. */
	snprintf(buf256, sizeof buf256, "%s!", good);
	assert_false(password_verify("pw", buf256));
	/* A salt longer than 255 characters is refused, not overflowed. */
	char salt[300];
	memset(salt, 's', sizeof salt - 1);
	salt[sizeof salt - 1] = '\0';
	django_string(buf256, sizeof buf256, "pw", salt, 2);
	assert_false(password_verify("pw", buf256));
}

/* Runs password_check, returning the count and a copy of the messages. */
static int check(const char *pw, const char *user, const char *email, char *msgs, size_t n)
{
	buf errs = BUF_INIT;
	int rc = password_check(pw, user, email, &errs);
	snprintf(msgs, n, "%s", errs.data ? errs.data : "");
	buf_free(&errs);
	return rc;
}

static void test_check_short_and_numeric(void **state)
{
	(void)state;
	char m[512];
	assert_int_equal(check("short1", NULL, NULL, m, sizeof m), 1);
	assert_non_null(strstr(m, "too short"));
	assert_int_equal(check("12345678901", NULL, NULL, m, sizeof m), 1);
	assert_non_null(strstr(m, "entirely numeric"));
	assert_null(strstr(m, "too short"));
	assert_int_equal(check("1234567", NULL, NULL, m, sizeof m), 2);
	assert_non_null(strstr(m, "too short"));
	assert_non_null(strstr(m, "entirely numeric"));
	assert_int_equal(check("12345678", NULL, NULL, m, sizeof m), 2); /* common too */
	/* Characters are counted, not bytes: 7 two-byte letters are too short. */
	assert_int_equal(check("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", NULL, NULL, m, sizeof m), 1);
	assert_int_equal(check("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", NULL, NULL, m, sizeof m), 0);
}

static void test_check_common(void **state)
{
	(void)state;
	char m[512];
	const char *common[] = {"password123", "qwertyuiop", "PassWord123", "  iloveyou  ", "Password"};
	for (size_t i = 0; i < sizeof common / sizeof common[0]; i++) {
		int n = check(common[i], "bob", "bob@example.org", m, sizeof m);
		if (!strstr(m, "too common"))
			print_message("not common: '%s'\n", common[i]);
		assert_non_null(strstr(m, "too common"));
		assert_true(n >= 1);
	}
}

static void test_check_similar(void **state)
{
	(void)state;
	char m[512];
	assert_int_equal(check("alicesmith1", "alicesmith", "a@example.org", m, sizeof m), 1);
	assert_non_null(strstr(m, "similar to the username"));
	assert_int_equal(check("ALICESMITH1", "AliceSmith", NULL, m, sizeof m), 1); /* case-insensitive */
	assert_int_equal(check("margaret99x", "bob", "margaret@example.org", m, sizeof m), 1);
	assert_non_null(strstr(m, "similar to the email"));
	/* Split on non-word characters: a part of a dotted name counts. */
	assert_int_equal(check("whitfield7", "jane.whitfield-montgomery", NULL, m, sizeof m), 1);
	/* A long password may contain a short username. */
	assert_int_equal(check("al-very-long-passphrase-here", "al", NULL, m, sizeof m), 0);
}

static void test_check_strong(void **state)
{
	(void)state;
	char m[512];
	assert_int_equal(check("tensile-Schema-42", "bob", "bob@example.org", m, sizeof m), 0);
	assert_string_equal(m, "");
	assert_int_equal(check("tensile-Schema-42", NULL, NULL, m, sizeof m), 0);
}

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_and_verify),
		cmocka_unit_test(test_needs_rehash),
		cmocka_unit_test(test_pbkdf2_vectors),
		cmocka_unit_test(test_verify_django),
		cmocka_unit_test(test_pbkdf2_million),
		cmocka_unit_test(test_verify_malformed),
		cmocka_unit_test(test_check_short_and_numeric),
		cmocka_unit_test(test_check_common),
		cmocka_unit_test(test_check_similar),
		cmocka_unit_test(test_check_strong),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
