/* test_oauth.c - the ID token's checks (src/oauth/jwt.c) and the username a
 * sign-in makes (src/auth/social.c).
 *
 * Covers: a token signed with an RSA or EC key of the JWKS verifies (with or without
 * a kid); a wrong key, a changed payload, alg "none", HS256, a critical header and
 * an unknown kid (which asks for the JWKS again) are refused; every claim check at
 * its last accepted and first refused value (exp and iat within the leeway, the
 * maximum age), audiences and azp, the issuer's other spelling; and the sanitizing,
 * cutting and numbering of usernames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjose/cjose.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/auth/social.h"
#include "../../src/oauth/oauth.h"

static cjose_jwk_t *rsa, *rsa2, *ec;

static char *sign(cjose_jwk_t *key, const char *alg, const char *kid, const char *payload)
{
	cjose_err e;
	cjose_header_t *h = cjose_header_new(&e);
	cjose_header_set(h, "alg", alg, &e);
	if (kid)
		cjose_header_set(h, "kid", kid, &e);
	cjose_jws_t *jws = cjose_jws_sign(key, h, (const uint8_t *)payload, strlen(payload), &e);
	assert_non_null(jws);
	const char *ser = NULL;
	assert_true(cjose_jws_export(jws, &ser, &e));
	char *out = strdup(ser);
	cjose_jws_release(jws);
	cjose_header_release(h);
	return out;
}

/* {"keys": [...]} of the public halves, each with its kid. */
static json_t *jwks_of(cjose_jwk_t *const *keys, const char *const *kids, int n)
{
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		cjose_err e;
		char *pub = cjose_jwk_to_json(keys[i], false, &e);
		json_t *k = json_loads(pub, 0, NULL);
		free(pub);
		if (kids[i])
			json_object_set_new(k, "kid", json_string(kids[i]));
		json_array_append_new(arr, k);
	}
	json_t *j = json_object();
	json_object_set_new(j, "keys", arr);
	return j;
}

static int verify(const char *token, json_t *jwks, char *err)
{
	json_t *claims = NULL;
	int rc = oauth_jws_verify(token, jwks, &claims, err, 256);
	if (rc == 0) {
		assert_non_null(claims);
		assert_string_equal(json_string_value(json_object_get(claims, "sub")), "u1");
	} else {
		assert_null(claims);
	}
	json_decref(claims);
	return rc;
}

static char *b64u(const char *s)
{
	size_t n = sodium_base64_ENCODED_LEN(strlen(s), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = malloc(n);
	sodium_bin2base64(out, n, (const unsigned char *)s, strlen(s), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* header.payload.sig made by hand (for what cjose would not sign). */
static char *forge(const char *header, const char *payload, const char *sig)
{
	char *h = b64u(header), *p = b64u(payload);
	size_t n = strlen(h) + strlen(p) + strlen(sig) + 3;
	char *out = malloc(n);
	snprintf(out, n, "%s.%s.%s", h, p, sig);
	free(h);
	free(p);
	return out;
}

static const char PAYLOAD[] = "{\"sub\":\"u1\"}";

static void test_signatures(void **state)
{
	(void)state;
	char err[256];
	cjose_jwk_t *keys[] = {rsa, ec};
	const char *kids[] = {"r1", "e1"};
	json_t *jwks = jwks_of(keys, kids, 2);

	char *t = sign(rsa, "RS256", "r1", PAYLOAD);
	assert_int_equal(verify(t, jwks, err), 0);
	free(t);
	t = sign(rsa, "PS256", "r1", PAYLOAD);
	assert_int_equal(verify(t, jwks, err), 0);
	free(t);
	t = sign(ec, "ES256", "e1", PAYLOAD);
	assert_int_equal(verify(t, jwks, err), 0);
	free(t);
	t = sign(rsa, "RS256", NULL, PAYLOAD); /* no kid: every RSA key is tried */
	assert_int_equal(verify(t, jwks, err), 0);
	free(t);

	/* Another key under a published kid: refused. */
	t = sign(rsa2, "RS256", "r1", PAYLOAD);
	assert_int_equal(verify(t, jwks, err), -1);
	assert_non_null(strstr(err, "does not verify"));
	free(t);
	/* An unknown kid: 1, so that the caller fetches the JWKS again. */
	t = sign(rsa2, "RS256", "r2", PAYLOAD);
	assert_int_equal(verify(t, jwks, err), 1);
	cjose_jwk_t *rotated[] = {rsa, rsa2};
	const char *rkids[] = {"r1", "r2"};
	json_t *jwks2 = jwks_of(rotated, rkids, 2);
	assert_int_equal(verify(t, jwks2, err), 0);
	json_decref(jwks2);
	free(t);

	/* The payload changed after signing. */
	t = sign(rsa, "RS256", "r1", PAYLOAD);
	char *dot2 = strrchr(t, '.');
	char *forged_p = b64u("{\"sub\":\"admin\"}");
	char *dot1 = strchr(t, '.');
	size_t n = (size_t)(dot1 - t) + strlen(forged_p) + strlen(dot2) + 2;
	char *changed = malloc(n);
	snprintf(changed, n, "%.*s.%s%s", (int)(dot1 - t), t, forged_p, dot2);
	assert_int_equal(verify(changed, jwks, err), -1);
	free(changed);
	free(forged_p);
	free(t);

	/* alg none, with and without a signature part. */
	t = forge("{\"alg\":\"none\",\"kid\":\"r1\"}", PAYLOAD, "");
	assert_int_equal(verify(t, jwks, err), -1);
	free(t);
	t = forge("{\"alg\":\"none\"}", PAYLOAD, "AAAA");
	assert_int_equal(verify(t, jwks, err), -1);
	free(t);
	/* HS256 under a key made from the public key's bytes: refused before any key. */
	cjose_err ce;
	char *pub = cjose_jwk_to_json(rsa, false, &ce);
	cjose_jwk_t *oct = cjose_jwk_create_oct_spec((const uint8_t *)pub, strlen(pub), &ce);
	free(pub);
	t = sign(oct, "HS256", "r1", PAYLOAD);
	assert_int_equal(verify(t, jwks, err), -1);
	assert_non_null(strstr(err, "HS256"));
	free(t);
	cjose_jwk_release(oct);
	/* An RSA algorithm naming the EC key's kid: no key of that type with that kid. */
	t = sign(rsa, "RS256", "e1", PAYLOAD);
	assert_int_not_equal(verify(t, jwks, err), 0);
	free(t);
	/* A critical header we do not understand. */
	cjose_header_t *h = cjose_header_new(&ce);
	cjose_header_set(h, "alg", "RS256", &ce);
	cjose_header_set(h, "kid", "r1", &ce);
	cjose_header_set_raw(h, "crit", "[\"exp\"]", &ce);
	cjose_jws_t *jws = cjose_jws_sign(rsa, h, (const uint8_t *)PAYLOAD, strlen(PAYLOAD), &ce);
	const char *ser;
	cjose_jws_export(jws, &ser, &ce);
	assert_int_equal(verify(ser, jwks, err), -1);
	cjose_jws_release(jws);
	cjose_header_release(h);
	/* Garbage. */
	assert_int_equal(verify("not a token", jwks, err), -1);
	assert_int_equal(verify("", jwks, err), -1);
	json_decref(jwks);
}

/* libcjose's decoder assert()s on base64url of length 1 modulo 4: such tokens and
 * keys must be refused before they reach it (docs/fuzzing.md, finding 4). */
static void test_malformed_base64url(void **state)
{
	(void)state;
	char err[256];
	cjose_jwk_t *keys[] = {rsa};
	const char *kids[] = {"r1"};
	json_t *jwks = jwks_of(keys, kids, 1);
	assert_int_equal(verify("eyJhbGciOiJFUzI1NiIsImNya=QiOlsieCJdfQ.W10.", jwks, err), -1);
	assert_int_equal(verify("eyJhbGciOiJSUzI1NiIsImtpZCI6InIxIn0.AAAAA.AAAA", jwks, err), -1);
	assert_int_equal(verify("eyJhbGciOiJSUzI1NiIsImtpZCI6InIxIn0.e30.A", jwks, err), -1);
	assert_int_equal(verify("a.b.c.d", jwks, err), -1);
	/* A key whose modulus is malformed: skipped, so the good token finds no key. */
	char *t = sign(rsa, "RS256", "r1", PAYLOAD);
	json_t *k = json_array_get(json_object_get(jwks, "keys"), 0);
	json_object_set_new(k, "n", json_string("AAAAA"));
	assert_int_equal(verify(t, jwks, err), -1);
	json_object_set_new(k, "n", json_integer(5));
	assert_int_equal(verify(t, jwks, err), -1);
	free(t);
	json_decref(jwks);
}

static const int64_t NOW = 1800000000;

static json_t *claims(void)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", "https://idp.test", "sub", "u1", "aud", "client",
			 "exp", (json_int_t)(NOW + 300), "iat", (json_int_t)NOW, "nonce", "n0nce");
}

static const struct oauth_expect EXPECT = {
	.issuer = "https://idp.test", .client_id = "client", .nonce = "n0nce", .now = NOW};

static int check_with(const char *key, json_t *value)
{
	json_t *c = claims();
	if (value)
		json_object_set_new(c, key, value);
	else
		json_object_del(c, key);
	char err[256];
	int rc = oauth_claims_check(c, &EXPECT, err, sizeof err);
	json_decref(c);
	return rc;
}

static void test_claims(void **state)
{
	(void)state;
	json_t *c = claims();
	char err[256];
	assert_int_equal(oauth_claims_check(c, &EXPECT, err, sizeof err), 0);
	json_decref(c);
	/* exp: refused once exp + leeway <= now. */
	assert_int_equal(check_with("exp", json_integer(NOW - OAUTH_LEEWAY + 1)), 0);
	assert_int_equal(check_with("exp", json_integer(NOW - OAUTH_LEEWAY)), -1);
	assert_int_equal(check_with("exp", json_string("2100-01-01")), -1);
	assert_int_equal(check_with("exp", NULL), -1);
	/* iat: not ahead by more than the leeway, not older than the maximum age. */
	assert_int_equal(check_with("iat", json_integer(NOW + OAUTH_LEEWAY)), 0);
	assert_int_equal(check_with("iat", json_integer(NOW + OAUTH_LEEWAY + 1)), -1);
	assert_int_equal(check_with("iat", json_integer(NOW - OAUTH_MAX_AGE - OAUTH_LEEWAY)), 0);
	assert_int_equal(check_with("iat", json_integer(NOW - OAUTH_MAX_AGE - OAUTH_LEEWAY - 1)), -1);
	assert_int_equal(check_with("iat", NULL), -1);
	/* iss, nonce, sub. */
	assert_int_equal(check_with("iss", json_string("https://idp.test/")), -1);
	assert_int_equal(check_with("iss", NULL), -1);
	assert_int_equal(check_with("nonce", json_string("n0nc")), -1);
	assert_int_equal(check_with("nonce", NULL), -1);
	assert_int_equal(check_with("sub", json_string("")), -1);
	assert_int_equal(check_with("sub", json_integer(5)), -1);
	/* aud and azp. */
	assert_int_equal(check_with("aud", json_string("other")), -1);
	assert_int_equal(check_with("aud", json_pack("[s]", "client")), 0);
	assert_int_equal(check_with("aud", json_pack("[s,s]", "other", "client")), -1); /* no azp */
	assert_int_equal(check_with("aud", json_pack("[s]", "other")), -1);
	assert_int_equal(check_with("aud", json_pack("[]")), -1);
	assert_int_equal(check_with("azp", json_string("client")), 0);
	assert_int_equal(check_with("azp", json_string("other")), -1);
	c = claims();
	json_object_set_new(c, "aud", json_pack("[s,s]", "other", "client"));
	json_object_set_new(c, "azp", json_string("client"));
	assert_int_equal(oauth_claims_check(c, &EXPECT, err, sizeof err), 0);
	json_decref(c);
	/* Google's other spelling of its issuer, only where it is expected. */
	c = claims();
	json_object_set_new(c, "iss", json_string("accounts.google.com"));
	assert_int_equal(oauth_claims_check(c, &EXPECT, err, sizeof err), -1);
	struct oauth_expect google = EXPECT;
	google.issuer_alt = "accounts.google.com";
	assert_int_equal(oauth_claims_check(c, &google, err, sizeof err), 0);
	json_decref(c);
}

static void test_usernames(void **state)
{
	(void)state;
	char base[AUTH_USERNAME_BASE + 1], name[200];
	auth_username_base("alice smith<script>", base);
	assert_string_equal(base, "alice_smithscript");
	auth_username_base("  a   b  ", base);
	assert_string_equal(base, "a_b");
	auth_username_base("o'brien@x.org", base);
	assert_string_equal(base, "obrien@x.org");
	auth_username_base("\xe6\x97\xa5\xe6\x9c\xac", base); /* nothing Django allows */
	assert_string_equal(base, "user");
	auth_username_base(NULL, base);
	assert_string_equal(base, "user");
	auth_username_base("", base);
	assert_string_equal(base, "user");
	char longname[400];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	auth_username_base(longname, base);
	assert_int_equal(strlen(base), AUTH_USERNAME_BASE);
	auth_username_candidate(base, 20, name, sizeof name);
	assert_true(strlen(name) <= 150); /* Django's limit, with the number */
	auth_username_candidate("bob", 1, name, sizeof name);
	assert_string_equal(name, "bob");
	auth_username_candidate("bob", 2, name, sizeof name);
	assert_string_equal(name, "bob2");
}

static int setup(void **state)
{
	(void)state;
	cjose_err e;
	if (sodium_init() < 0)
		return -1;
	rsa = cjose_jwk_create_RSA_random(2048, NULL, 0, &e);
	rsa2 = cjose_jwk_create_RSA_random(2048, NULL, 0, &e);
	ec = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &e);
	return rsa && rsa2 && ec ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	cjose_jwk_release(rsa);
	cjose_jwk_release(rsa2);
	cjose_jwk_release(ec);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_malformed_base64url),
		cmocka_unit_test(test_claims),
		cmocka_unit_test(test_usernames),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
