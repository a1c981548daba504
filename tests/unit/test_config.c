/* test_config.c - config_load (src/core/config.c) driven through setenv/unsetenv.
 *
 * Covers: the defaults; each variable's validation, with the error message starting
 * with the variable's name; accepted values (IPv6 bind, postgres URL, https public
 * URL with its trailing slashes removed, sizes at their bounds, TRUST_PROXY,
 * THREADS); SECRET_KEY (length, hashed into cfg.secret, required for https) and the
 * secret generated into DATA_DIR (a fresh mkdtemp directory, never the repo); every
 * copy failing in turn (strdup is replaced below) ends in "out of memory", never a
 * crash on a NULL copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/core/config.h"

/* The test's strdup, which the program's copies (xstrdup) call: it fails once, at
 * the strdup_fail_at'th call from now (0: never). */
static int strdup_calls, strdup_fail_at;
char *strdup(const char *s)
{
	if (strdup_fail_at && ++strdup_calls == strdup_fail_at)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	return p ? memcpy(p, s, n) : NULL;
}

static char tmpdir[] = "/tmp/llmmeta-test-config.XXXXXX";
static char datadir[512];

static const char *const vars[] = {"PORT", "BIND", "DATA_DIR", "DATABASE_URL", "PUBLIC_URL", "SECRET_KEY",
				   "MAX_UPLOAD_BYTES", "MAX_CONTEXT_CHARS", "TRUST_PROXY", "RECORD_EMBEDDING_INPUT", "THREADS",
				   "MAX_API_BODY_BYTES", "HASH_QUEUE", "LOGIN_RATE"};

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0 || !mkdtemp(tmpdir))
		return -1;
	snprintf(datadir, sizeof datadir, "%s/data", tmpdir);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	char path[600];
	snprintf(path, sizeof path, "%s/secret_key", datadir);
	unlink(path);
	rmdir(datadir);
	rmdir(tmpdir);
	return 0;
}

/* Every test starts from a clean environment whose DATA_DIR is the temp directory. */
static int clean_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	setenv("DATA_DIR", datadir, 1);
	return 0;
}

/* Expects config_load to fail with a message that starts with "<var>:". */
static void expect_error(const char *var, bool need_secret)
{
	struct config c;
	char err[512] = "";
	int rc = config_load(&c, need_secret, err, sizeof err);
	config_free(&c); /* safe after a failure too: frees what was read so far */
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s:", var);
	if (rc != -1 || strncmp(err, prefix, strlen(prefix)) != 0)
		print_message("rc=%d err='%s' (expected %s)\n", rc, err, prefix);
	assert_int_equal(rc, -1);
	assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
}

static void expect_bad(const char *var, const char *value)
{
	setenv(var, value, 1);
	expect_error(var, false);
	unsetenv(var);
}

static void load_ok(struct config *c, bool need_secret)
{
	char err[512] = "";
	int rc = config_load(c, need_secret, err, sizeof err);
	if (rc != 0)
		print_message("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
}

static void test_defaults(void **state)
{
	(void)state;
	struct config c;
	load_ok(&c, false);
	assert_int_equal(c.port, 8000);
	assert_string_equal(c.bind, "127.0.0.1");
	assert_string_equal(c.database_url, "sqlite://./data/llmmeta.db");
	assert_string_equal(c.public_url, "http://127.0.0.1:8000");
	assert_string_equal(c.data_dir, datadir);
	assert_false(c.https);
	assert_int_equal(c.max_upload_bytes, 31457280);
	assert_int_equal(c.max_context_chars, 200000);
	assert_false(c.trust_proxy);
	assert_true(c.threads >= 1 && c.threads <= 256);
	config_free(&c);
	assert_null(c.bind);
	/* An empty variable counts as unset. */
	setenv("PORT", "", 1);
	load_ok(&c, false);
	assert_int_equal(c.port, 8000);
	config_free(&c);
}

static void test_port(void **state)
{
	(void)state;
	const char *bad[] = {"abc", "70000", "65536", "-1", "80x", " 80", "+80", "1e3"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_bad("PORT", bad[i]);
	struct config c;
	setenv("PORT", "0", 1);
	load_ok(&c, false);
	assert_int_equal(c.port, 0);
	config_free(&c);
	setenv("PORT", "65535", 1);
	load_ok(&c, false);
	assert_int_equal(c.port, 65535);
	assert_string_equal(c.public_url, "http://127.0.0.1:65535");
	config_free(&c);
}

static void test_bind(void **state)
{
	(void)state;
	expect_bad("BIND", "nonsense");
	expect_bad("BIND", "256.0.0.1");
	expect_bad("BIND", "localhost");
	const char *good[] = {"0.0.0.0", "::1", "::", "10.1.2.3"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct config c;
		setenv("BIND", good[i], 1);
		load_ok(&c, false);
		assert_string_equal(c.bind, good[i]);
		config_free(&c);
	}
}

static void test_database_url(void **state)
{
	(void)state;
	const char *bad[] = {"mysql://x", "sqlite://", "postgres://", "postgresql://", "postgres://a b@h/db", "/tmp/x.db"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_bad("DATABASE_URL", bad[i]);
	const char *good[] = {"sqlite:///var/lib/x.db", "postgres://u:p@localhost:5432/db", "postgresql://h/db"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct config c;
		setenv("DATABASE_URL", good[i], 1);
		load_ok(&c, false);
		assert_string_equal(c.database_url, good[i]);
		config_free(&c);
	}
}

static void test_public_url(void **state)
{
	(void)state;
	expect_bad("PUBLIC_URL", "ftp://x");
	expect_bad("PUBLIC_URL", "example.org");
	struct config c;
	setenv("PUBLIC_URL", "https://llm.example.org//", 1);
	setenv("SECRET_KEY", "0123456789abcdef0123456789abcdef", 1);
	load_ok(&c, true);
	assert_true(c.https);
	assert_string_equal(c.public_url, "https://llm.example.org");
	config_free(&c);
	setenv("PUBLIC_URL", "http://llm.example.org/", 1);
	load_ok(&c, true);
	assert_false(c.https);
	assert_string_equal(c.public_url, "http://llm.example.org");
	config_free(&c);
}

static void test_secret_key(void **state)
{
	(void)state;
	setenv("SECRET_KEY", "short", 1);
	expect_error("SECRET_KEY", true);
	setenv("SECRET_KEY", "0123456789abcdef0123456789abcde", 1); /* 31 characters */
	expect_error("SECRET_KEY", false);
	const char *key = "0123456789abcdef0123456789abcdef";
	setenv("SECRET_KEY", key, 1);
	struct config c;
	load_ok(&c, true);
	unsigned char want[32];
	crypto_hash_sha256(want, (const unsigned char *)key, strlen(key));
	assert_memory_equal(c.secret, want, 32);
	config_free(&c);
	/* https without SECRET_KEY: refused when a secret is needed, fine otherwise. */
	unsetenv("SECRET_KEY");
	setenv("PUBLIC_URL", "https://x", 1);
	expect_error("SECRET_KEY", true);
	load_ok(&c, false);
	config_free(&c);
}

static void test_generated_secret(void **state)
{
	(void)state;
	setenv("PUBLIC_URL", "http://x", 1);
	struct config c1, c2;
	load_ok(&c1, true);
	char path[600];
	snprintf(path, sizeof path, "%s/secret_key", datadir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 64);
	load_ok(&c2, true); /* read back: the same secret */
	assert_memory_equal(c1.secret, c2.secret, 32);
	unsigned char zero[32] = {0};
	assert_memory_not_equal(c1.secret, zero, 32);
	config_free(&c1);
	config_free(&c2);
	/* A secret file too short to trust is an error. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("tooshort\n", f);
	fclose(f);
	expect_error("SECRET_KEY", true);
	unlink(path);
	/* A DATA_DIR that cannot be created. */
	setenv("DATA_DIR", "/nonexistent-llmmeta/a/b", 1);
	expect_error("SECRET_KEY", true);
}

static void test_sizes(void **state)
{
	(void)state;
	const char *bad[] = {"0", "-5", "abc", "4294967297", "1.5"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect_bad("MAX_UPLOAD_BYTES", bad[i]);
		expect_bad("MAX_CONTEXT_CHARS", bad[i]);
		expect_bad("MAX_API_BODY_BYTES", bad[i]);
	}
	struct config c;
	load_ok(&c, false);
	assert_true(c.max_api_body_bytes == 16777216); /* the default, docs/api.md */
	config_free(&c);
	setenv("MAX_UPLOAD_BYTES", "4294967296", 1);
	setenv("MAX_CONTEXT_CHARS", "1", 1);
	setenv("MAX_API_BODY_BYTES", "4294967296", 1);
	load_ok(&c, false);
	assert_true(c.max_upload_bytes == (size_t)1 << 32);
	assert_true(c.max_api_body_bytes == (size_t)1 << 32);
	assert_int_equal(c.max_context_chars, 1);
	config_free(&c);
}

static void test_trust_proxy_and_threads(void **state)
{
	(void)state;
	expect_bad("TRUST_PROXY", "yes");
	expect_bad("TRUST_PROXY", "2");
	expect_bad("RECORD_EMBEDDING_INPUT", "yes");
	expect_bad("RECORD_EMBEDDING_INPUT", "2");
	expect_bad("THREADS", "0");
	expect_bad("THREADS", "257");
	expect_bad("THREADS", "four");
	struct config c;
	setenv("TRUST_PROXY", "1", 1);
	setenv("THREADS", "4", 1);
	load_ok(&c, false);
	assert_true(c.trust_proxy);
	assert_false(c.record_embedding_input); /* off unless asked for */
	assert_int_equal(c.threads, 4);
	config_free(&c);
	setenv("RECORD_EMBEDDING_INPUT", "1", 1);
	load_ok(&c, false);
	assert_true(c.record_embedding_input);
	config_free(&c);
}

/* The hashing queue and the instance's login rate: 1 is the least of each. */
static void test_hash_queue_and_login_rate(void **state)
{
	(void)state;
	expect_bad("HASH_QUEUE", "0");
	expect_bad("HASH_QUEUE", "10001");
	expect_bad("LOGIN_RATE", "0");
	expect_bad("LOGIN_RATE", "many");
	struct config c;
	load_ok(&c, false);
	assert_int_equal(c.hash_queue, 16);
	assert_int_equal(c.login_rate, 300);
	config_free(&c);
	setenv("HASH_QUEUE", "1", 1);
	setenv("LOGIN_RATE", "1", 1);
	load_ok(&c, false);
	assert_int_equal(c.hash_queue, 1);
	assert_int_equal(c.login_rate, 1);
	config_free(&c);
	setenv("HASH_QUEUE", "10000", 1);
	load_ok(&c, false);
	assert_int_equal(c.hash_queue, 10000);
	config_free(&c);
}

/* Once a bug, now fixed: local_secret() checks the length of the secret_key file before trimming it,
 * so a file holding "tooshort" followed by white space (38 bytes) is accepted and
 * the secret becomes the 8 characters "tooshort"; a file of 40 spaces gives the
 * empty secret. A SECRET_KEY that short is refused ("at least 32 characters"). */
static void test_secret_file_checked_before_trim(void **state)
{
	(void)state;
	char path[600];
	snprintf(path, sizeof path, "%s/secret_key", datadir);
	mkdir(datadir, 0700);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "tooshort%30s\n", "");
	fclose(f);
	setenv("PUBLIC_URL", "http://x", 1);
	struct config c;
	char err[512] = "";
	int rc = config_load(&c, true, err, sizeof err);
	config_free(&c);
	unlink(path);
	assert_int_equal(rc, -1);
	assert_true(strncmp(err, "SECRET_KEY:", 11) == 0);
}

/* Each copy config_load makes, failing in turn: "out of memory", nothing read
 * through a NULL copy; then with none failing, the same settings load. */
static void test_copies_failing(void **state)
{
	(void)state;
	setenv("SECRET_KEY", "0123456789abcdef0123456789abcdef", 1);
	setenv("PUBLIC_URL", "https://example.org/", 1);
	int failures = 0;
	for (int at = 1; at < 100; at++) {
		struct config c;
		char err[256] = "";
		strdup_calls = 0;
		strdup_fail_at = at;
		int rc = config_load(&c, true, err, sizeof err);
		strdup_fail_at = 0;
		config_free(&c);
		if (strdup_calls < at) { /* fewer copies than that: none failed */
			assert_int_equal(rc, 0);
			break;
		}
		failures++;
		if (rc == 0 || strcmp(err, "out of memory") != 0)
			print_message("copy %d failing: rc %d, \"%s\"\n", at, rc, err);
		assert_int_equal(rc, -1);
		assert_string_equal(err, "out of memory");
	}
	assert_true(failures >= 4); /* bind, data_dir, database_url, public_url at least */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, clean_env),
		cmocka_unit_test_setup(test_copies_failing, clean_env),
		cmocka_unit_test_setup(test_port, clean_env),
		cmocka_unit_test_setup(test_bind, clean_env),
		cmocka_unit_test_setup(test_database_url, clean_env),
		cmocka_unit_test_setup(test_public_url, clean_env),
		cmocka_unit_test_setup(test_secret_key, clean_env),
		cmocka_unit_test_setup(test_generated_secret, clean_env),
		cmocka_unit_test_setup(test_sizes, clean_env),
		cmocka_unit_test_setup(test_trust_proxy_and_threads, clean_env),
		cmocka_unit_test_setup(test_secret_file_checked_before_trim, clean_env),
		cmocka_unit_test_setup(test_hash_queue_and_login_rate, clean_env),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
