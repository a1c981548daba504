/* fuzz_idtoken.c - the ID token's checks (src/oauth/jwt.c) on what a provider could
 * send: the input's first byte modulo 3 picks the part, the rest is the text.
 *
 * 0: the text is a compact JWS verified against a JWKS of a fresh RSA key (the seeds
 * hold tokens of every shape; none can carry a valid signature). The property: no
 * crash - libcjose assert()s on some malformed base64url, which this harness found -
 * and nothing accepted, since the fuzzer does not hold the key.
 * 1: the text is a claims set for oauth_claims_check; the property is that an
 * accepted one has exactly the issuer, the nonce, a subject and no expiry asked for.
 * 2: the text is a JWKS (as a provider's jwks_uri answers) against which a token of
 * the fresh key is verified: no crash, and acceptance only by the right key. */
#include "fuzz.h"

#include <cjose/cjose.h>
#include <jansson.h>

#include "../../src/oauth/oauth.h"

static json_t *jwks;
static char *token;    /* {"sub":"u"} signed RS256 by the key of jwks, kid k1 */
static char *ec_token; /* the same, ES256 by a P-256 key no JWKS holds, kid k1 */

static char *sign_with(cjose_jwk_t *k, const char *alg)
{
	cjose_err e;
	cjose_header_t *h = cjose_header_new(&e);
	cjose_header_set(h, "alg", alg, &e);
	cjose_header_set(h, "kid", "k1", &e);
	cjose_jws_t *jws = cjose_jws_sign(k, h, (const uint8_t *)"{\"sub\":\"u\"}", 11, &e);
	const char *ser;
	cjose_jws_export(jws, &ser, &e);
	char *out = strdup(ser);
	cjose_jws_release(jws);
	cjose_header_release(h);
	return out;
}

static void make_jwks(void)
{
	cjose_err e;
	cjose_jwk_t *k = cjose_jwk_create_RSA_random(2048, NULL, 0, &e);
	char *pub = cjose_jwk_to_json(k, false, &e);
	json_t *key = json_loads(pub, 0, NULL);
	json_object_set_new(key, "kid", json_string("k1"));
	jwks = json_pack("{s:[o]}", "keys", key);
	free(pub);
	token = sign_with(k, "RS256");
	cjose_jwk_release(k);
	/* An EC token makes the fuzzed JWKS's EC keys (x, y, crv) reach libcjose too. */
	cjose_jwk_t *ec = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_256, &e);
	ec_token = sign_with(ec, "ES256");
	cjose_jwk_release(ec);
}

static void jwks_half(const char *text, size_t n)
{
	json_t *keys = json_loadb(text, n, 0, NULL), *claims = NULL;
	char err[256];
	int rc = oauth_jws_verify(token, keys, &claims, err, sizeof err);
	if (rc == 0) { /* only the right key's n and e can verify it */
		const json_t *k, *mine = json_array_get(json_object_get(jwks, "keys"), 0);
		size_t i;
		bool found = false;
		json_array_foreach(json_object_get(keys, "keys"), i, k) found |=
			json_equal(json_object_get(k, "n"), json_object_get(mine, "n")) &&
			json_equal(json_object_get(k, "e"), json_object_get(mine, "e"));
		FUZZ_CHECK(found, "accepted by a JWKS without the key");
	}
	json_decref(claims);
	claims = NULL;
	FUZZ_CHECK(oauth_jws_verify(ec_token, keys, &claims, err, sizeof err) != 0, "an EC token verified by a fuzzed key");
	json_decref(claims);
	json_decref(keys);
}

static void claims_half(const char *text, size_t n)
{
	json_t *c = json_loadb(text, n, 0, NULL);
	if (!json_is_object(c)) {
		json_decref(c);
		return;
	}
	struct oauth_expect e = {.issuer = "https://idp.test", .client_id = "client", .nonce = "n", .now = 1800000000};
	char err[256];
	if (oauth_claims_check(c, &e, err, sizeof err) == 0) {
		const char *iss = json_string_value(json_object_get(c, "iss"));
		const char *nonce = json_string_value(json_object_get(c, "nonce"));
		const char *sub = json_string_value(json_object_get(c, "sub"));
		FUZZ_CHECK(iss && strcmp(iss, e.issuer) == 0, "accepted iss %s", iss ? iss : "(none)");
		FUZZ_CHECK(nonce && strcmp(nonce, "n") == 0, "accepted nonce %s", nonce ? nonce : "(none)");
		FUZZ_CHECK(sub && *sub, "accepted without a subject");
		FUZZ_CHECK(json_number_value(json_object_get(c, "exp")) + OAUTH_LEEWAY > (double)e.now, "accepted expired");
	}
	json_decref(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!jwks)
		make_jwks();
	if (size < 1)
		return 0;
	char *text = fuzz_strndup(data + 1, size - 1);
	if (data[0] % 3 == 1) {
		claims_half(text, size - 1);
	} else if (data[0] % 3 == 2) {
		jwks_half(text, size - 1);
	} else {
		json_t *claims = NULL;
		char err[256];
		int rc = oauth_jws_verify(text, jwks, &claims, err, sizeof err);
		FUZZ_CHECK(rc != 0, "a token the fuzzer made was accepted: %s", text);
		FUZZ_CHECK(!claims, "claims returned with rc %d", rc);
	}
	free(text);
	return 0;
}
