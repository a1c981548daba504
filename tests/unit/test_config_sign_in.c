/* test_config_sign_in.c - the sign-in providers' variables of config_load
 * (src/core/config.c, docs/sign-in.md), driven through setenv/unsetenv.
 *
 * Covers: none configured by default with GitHub's endpoints defaulted; a client id
 * without its secret (and the reverse) refused, naming the missing variable; the
 * OAUTH_GOOGLE_* aliases; OIDC_ISSUER without a client and the reverse; provider URLs
 * https only, or http to this machine; trailing slashes removed; OIDC_NAME's limit
 * at 64 and 65 characters. */
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

static const char *const vars[] = {"GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "OAUTH_GOOGLE_CLIENT_ID",
				   "OAUTH_GOOGLE_CLIENT_SECRET", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET",
				   "OAUTH_GITHUB_CLIENT_ID", "OAUTH_GITHUB_CLIENT_SECRET", "OIDC_ISSUER",
				   "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_NAME", "OAUTH_GITHUB_URL",
				   "OAUTH_GITHUB_API_URL", "PUBLIC_URL", "PORT", "DATABASE_URL"};

static int clean_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	return 0;
}

static int load(struct config *c, char *err)
{
	return config_load(c, false, err, 512);
}

/* Fails with a message starting "<var>:". */
static void expect_error(const char *var)
{
	struct config c;
	char err[512] = "", prefix[64];
	int rc = load(&c, err);
	config_free(&c);
	snprintf(prefix, sizeof prefix, "%s:", var);
	if (rc != -1 || strncmp(err, prefix, strlen(prefix)) != 0)
		print_message("rc=%d err='%s' (expected %s)\n", rc, err, prefix);
	assert_int_equal(rc, -1);
	assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
}

static void test_defaults(void **state)
{
	(void)state;
	struct config c;
	char err[512];
	assert_int_equal(load(&c, err), 0);
	assert_null(c.google.id);
	assert_null(c.github.id);
	assert_null(c.oidc.id);
	assert_null(c.oidc_issuer);
	assert_string_equal(c.oidc_name, "OpenID Connect");
	assert_string_equal(c.github_url, "https://github.com");
	assert_string_equal(c.github_api_url, "https://api.github.com");
	config_free(&c);
}

static void test_pairs(void **state)
{
	(void)state;
	setenv("GOOGLE_CLIENT_ID", "gid", 1);
	expect_error("GOOGLE_CLIENT_SECRET");
	unsetenv("GOOGLE_CLIENT_ID");
	setenv("GITHUB_CLIENT_SECRET", "s", 1);
	expect_error("GITHUB_CLIENT_ID");
	unsetenv("GITHUB_CLIENT_SECRET");
	setenv("OIDC_ISSUER", "https://idp.example.org", 1);
	expect_error("OIDC_CLIENT_ID");
	unsetenv("OIDC_ISSUER");
	setenv("OIDC_CLIENT_ID", "a", 1);
	setenv("OIDC_CLIENT_SECRET", "b", 1);
	expect_error("OIDC_ISSUER");
}

static void test_aliases_and_urls(void **state)
{
	(void)state;
	setenv("OAUTH_GOOGLE_CLIENT_ID", "gid", 1);
	setenv("OAUTH_GOOGLE_CLIENT_SECRET", "gsecret", 1);
	setenv("OIDC_ISSUER", "http://127.0.0.1:9999/realms/x/", 1);
	setenv("OIDC_CLIENT_ID", "cid", 1);
	setenv("OIDC_CLIENT_SECRET", "csecret", 1);
	setenv("OAUTH_GITHUB_URL", "https://ghe.example.org/", 1);
	struct config c;
	char err[512];
	assert_int_equal(load(&c, err), 0);
	assert_string_equal(c.google.id, "gid");
	assert_string_equal(c.google.secret, "gsecret");
	/* The issuer as configured, its slash too (compared with the provider's). */
	assert_string_equal(c.oidc_issuer, "http://127.0.0.1:9999/realms/x/");
	assert_string_equal(c.github_url, "https://ghe.example.org");
	config_free(&c);
	setenv("OIDC_ISSUER", "http://idp.example.org", 1); /* plain http to another machine */
	expect_error("OIDC_ISSUER");
	setenv("OIDC_ISSUER", "ftp://idp.example.org", 1);
	expect_error("OIDC_ISSUER");
	setenv("OIDC_ISSUER", "https://idp.example.org;script-src *", 1); /* it goes into the CSP */
	expect_error("OIDC_ISSUER");
	unsetenv("OIDC_ISSUER");
	unsetenv("OIDC_CLIENT_ID");
	unsetenv("OIDC_CLIENT_SECRET");
	setenv("OAUTH_GITHUB_API_URL", "http://api.github.com", 1);
	expect_error("OAUTH_GITHUB_API_URL");
}

static void test_name_limit(void **state)
{
	(void)state;
	char name[66];
	memset(name, 'n', 64);
	name[64] = '\0';
	setenv("OIDC_NAME", name, 1);
	struct config c;
	char err[512];
	assert_int_equal(load(&c, err), 0);
	assert_int_equal(strlen(c.oidc_name), 64);
	config_free(&c);
	name[64] = 'n';
	name[65] = '\0';
	setenv("OIDC_NAME", name, 1);
	expect_error("OIDC_NAME");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, clean_env),
		cmocka_unit_test_setup(test_pairs, clean_env),
		cmocka_unit_test_setup(test_aliases_and_urls, clean_env),
		cmocka_unit_test_setup(test_name_limit, clean_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
