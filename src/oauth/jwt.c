/* jwt.c - the ID token's checks: its JWS signature against the provider's keys
 * (libcjose, the JOSE library Apache's mod_auth_openidc is built on; docs/sign-in.md
 * says why), then its claims (OpenID Connect Core 1.0, section 3.1.3.7).
 *
 * The algorithm is chosen by the token's header, that is by whoever made the token,
 * so the header is never trusted to pick the kind of key: only public-key algorithms
 * are accepted, each with a key of its own type. "none" and HS256 (a shared secret,
 * which a public RSA key would otherwise be mistaken for) are refused outright. */
#include <cjose/cjose.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "oauth.h"

/* Whether s is base64url that libcjose can decode without tripping on it: its
 * decoder assert()s - aborting the process - on a length of 1 modulo 4 (found by
 * tests/fuzz/fuzz_idtoken.c), so such text, and anything outside the alphabet, is
 * refused before it gets there. */
static bool b64url_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '-' || s[i] == '_'))
			return false;
	return n % 4 != 1;
}

/* Three base64url parts: header.payload.signature. */
static bool compact_ok(const char *t)
{
	const char *d1 = strchr(t, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	return d2 && !strchr(d2 + 1, '.') && d1 > t && b64url_ok(t, (size_t)(d1 - t)) &&
	       b64url_ok(d1 + 1, (size_t)(d2 - d1 - 1)) && b64url_ok(d2 + 1, strlen(d2 + 1));
}

/* The key's base64url members, checked as above before libcjose decodes them. */
static bool jwk_ok(const json_t *key)
{
	static const char *const members[] = {"n", "e", "d", "p", "q", "dp", "dq", "qi", "x", "y", "k"};
	for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
		const json_t *v = json_object_get(key, members[i]);
		if (v && (!json_is_string(v) || !b64url_ok(json_string_value(v), json_string_length(v))))
			return false;
	}
	return true;
}

/* The key type an accepted algorithm needs, or NULL for an algorithm refused. */
static const char *kty_for(const char *alg)
{
	static const char *const rsa[] = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"};
	static const char *const ec[] = {"ES256", "ES384", "ES512"};
	for (size_t i = 0; alg && i < sizeof rsa / sizeof rsa[0]; i++)
		if (strcmp(alg, rsa[i]) == 0)
			return "RSA";
	for (size_t i = 0; alg && i < sizeof ec / sizeof ec[0]; i++)
		if (strcmp(alg, ec[i]) == 0)
			return "EC";
	return NULL;
}

/* Whether key may verify a token signed with alg (and naming kid, if it does). */
static bool key_fits(const json_t *key, const char *alg, const char *kty, const char *kid)
{
	const char *k_kty = json_string_value(json_object_get(key, "kty"));
	const char *k_kid = json_string_value(json_object_get(key, "kid"));
	const char *use = json_string_value(json_object_get(key, "use"));
	const char *k_alg = json_string_value(json_object_get(key, "alg"));
	return k_kty && strcmp(k_kty, kty) == 0 && (!use || strcmp(use, "sig") == 0) && (!k_alg || strcmp(k_alg, alg) == 0) &&
	       (!kid || (k_kid && strcmp(k_kid, kid) == 0));
}

static bool verify_with(cjose_jws_t *jws, const json_t *key)
{
	if (!jwk_ok(key))
		return false;
	char *text = json_dumps(key, JSON_COMPACT);
	if (!text)
		return false;
	cjose_err ce;
	cjose_jwk_t *jwk = cjose_jwk_import(text, strlen(text), &ce);
	free(text);
	bool ok = jwk && cjose_jws_verify(jws, jwk, &ce);
	cjose_jwk_release(jwk);
	return ok;
}

static json_t *payload(cjose_jws_t *jws)
{
	uint8_t *p = NULL;
	size_t n = 0;
	cjose_err ce;
	if (!cjose_jws_get_plaintext(jws, &p, &n, &ce))
		return NULL;
	json_t *j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

int oauth_jws_verify(const char *token, const json_t *jwks, json_t **claims, char *err, size_t errlen)
{
	*claims = NULL;
	cjose_err ce;
	cjose_jws_t *jws = compact_ok(token) ? cjose_jws_import(token, strlen(token), &ce) : NULL;
	if (!jws)
		return errf(err, errlen, "the ID token is not a signed JWT");
	cjose_header_t *h = cjose_jws_get_protected(jws);
	const char *alg = cjose_header_get(h, "alg", &ce);
	const char *kid = cjose_header_get(h, "kid", &ce);
	const char *kty = kty_for(alg);
	int rc = -1;
	if (!kty) {
		errf(err, errlen, "the ID token's algorithm %.20s is not accepted (only RS*, PS* and ES* public keys)",
		     alg ? alg : "(none)");
	} else if (json_object_get((json_t *)h, "crit")) {
		errf(err, errlen, "the ID token has critical header parameters, which are not understood here");
	} else {
		size_t i, tried = 0;
		json_t *key;
		json_array_foreach(json_object_get(jwks, "keys"), i, key) {
			if (!key_fits(key, alg, kty, kid))
				continue;
			tried++;
			if (verify_with(jws, key)) {
				rc = 0;
				break;
			}
		}
		if (rc == 0 && !(*claims = payload(jws)))
			rc = errf(err, errlen, "the ID token's claims are not a JSON object");
		else if (rc != 0 && !tried && kid)
			rc = 1; /* an unknown kid: maybe a key newer than the JWKS we hold */
		else if (rc != 0)
			errf(err, errlen, tried ? "the ID token's signature does not verify"
						: "the provider publishes no key for the ID token's algorithm");
	}
	cjose_jws_release(jws);
	return rc;
}

static bool aud_has(const json_t *aud, const char *client_id, size_t *count)
{
	if (json_is_string(aud)) {
		*count = 1;
		return strcmp(json_string_value(aud), client_id) == 0;
	}
	*count = json_array_size(aud);
	size_t i;
	json_t *a;
	bool found = false;
	json_array_foreach(aud, i, a) found |= json_is_string(a) && strcmp(json_string_value(a), client_id) == 0;
	return found;
}

int oauth_claims_check(const json_t *claims, const struct oauth_expect *e, char *err, size_t errlen)
{
	const char *iss = json_string_value(json_object_get(claims, "iss"));
	if (!iss || (strcmp(iss, e->issuer) != 0 && !(e->issuer_alt && strcmp(iss, e->issuer_alt) == 0)))
		return errf(err, errlen, "the ID token was issued by someone else");
	size_t naud = 0;
	if (!aud_has(json_object_get(claims, "aud"), e->client_id, &naud))
		return errf(err, errlen, "the ID token is meant for another client");
	const json_t *azp = json_object_get(claims, "azp");
	if ((naud > 1 || azp) && !(json_is_string(azp) && strcmp(json_string_value(azp), e->client_id) == 0))
		return errf(err, errlen, "the ID token was requested by another client (azp)");
	const json_t *exp = json_object_get(claims, "exp"), *iat = json_object_get(claims, "iat");
	if (!json_is_number(exp) || !json_is_number(iat))
		return errf(err, errlen, "the ID token lacks its expiry or issue time");
	if (json_number_value(exp) + OAUTH_LEEWAY <= (double)e->now)
		return errf(err, errlen, "the ID token has expired");
	if (json_number_value(iat) > (double)(e->now + OAUTH_LEEWAY) ||
	    json_number_value(iat) < (double)(e->now - OAUTH_MAX_AGE - OAUTH_LEEWAY))
		return errf(err, errlen, "the ID token's issue time is not now (is a clock wrong?)");
	const char *nonce = json_string_value(json_object_get(claims, "nonce"));
	if (!nonce || strcmp(nonce, e->nonce) != 0)
		return errf(err, errlen, "the ID token's nonce is not this sign-in's");
	const char *sub = json_string_value(json_object_get(claims, "sub"));
	if (!sub || !*sub || strlen(sub) > 255)
		return errf(err, errlen, "the ID token names no subject");
	return 0;
}
