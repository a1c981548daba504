/* oauth.h - signing in with another site's account (docs/sign-in.md): OpenID
 * Connect (Google, or any issuer through OIDC_ISSUER) and GitHub's OAuth 2.0.
 *
 * This layer speaks the protocols and nothing else: it builds the authorization URL,
 * exchanges the code, checks the ID token (signature against the provider's JWKS with
 * libcjose, then issuer, audience, expiry, issue time and nonce) and reads who the
 * user is. Which account that is, the state kept between the two legs and the session
 * belong to auth/, model/ and web/. It uses only core/: its HTTP calls are short
 * synchronous libcurl transfers with timeouts (fetch.c). */
#ifndef LLMMETA_OAUTH_H
#define LLMMETA_OAUTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"

enum oauth_kind { OAUTH_OIDC, OAUTH_GITHUB };

struct oauth_provider {
	const char *name;  /* in the URLs: google, github, oidc */
	const char *label; /* on the button: "Google", "GitHub", OIDC_NAME */
	enum oauth_kind kind;
	const char *issuer; /* OpenID Connect */
	const char *client_id, *client_secret;
};

/* Reads the configured providers from cfg (core/config.h). Call once at start. */
void oauth_init(void);
/* Frees the cached discovery documents and keys. */
void oauth_cleanup(void);
/* The configured provider of that name, or NULL (unknown or not configured). */
const struct oauth_provider *oauth_provider(const char *name);
/* The i-th configured provider (Google, GitHub, OIDC order), NULL past the last. */
const struct oauth_provider *oauth_provider_at(size_t i);

/* The origins (scheme://host[:port]) the configured providers' authorization pages
 * are expected at, space-separated, for the Content-Security-Policy's form-action:
 * Google's, OAUTH_GITHUB_URL's, OIDC_ISSUER's. */
void oauth_origins(buf *out);
/* True when url's origin is one of oauth_origins'. */
bool oauth_origin_listed(const char *url);

/* The per-sign-in secrets: 32 random bytes each, base64url (43 characters). */
#define OAUTH_SECRET_LEN 44
struct oauth_secrets {
	char state[OAUTH_SECRET_LEN], nonce[OAUTH_SECRET_LEN], verifier[OAUTH_SECRET_LEN];
};
void oauth_new_secrets(struct oauth_secrets *s);

/* The URL to send the browser to: the authorization endpoint (from discovery for
 * OpenID Connect) with the client, redirect URI, scopes, state, nonce and the PKCE
 * S256 challenge of s->verifier. 0, or -1 with a reason in err (the provider could
 * not be reached, or its discovery document is wrong). */
int oauth_authorize_url(const struct oauth_provider *p, const char *redirect_uri, const struct oauth_secrets *s,
			buf *url, char *err, size_t errlen);

/* Who signed in, as the provider says. subject is stable and unique at the
 * provider; email is vouched for only when email_verified. */
struct oauth_user {
	char *subject;
	char *email;    /* NULL: none given */
	bool email_verified;
	char *username; /* the provider's name for the user, a hint for ours (may be NULL) */
};
/* The second leg: exchanges code at the token endpoint (with the PKCE verifier),
 * checks the ID token against nonce, and reads the user (ID token claims, else the
 * userinfo endpoint; GitHub: /user and /user/emails). 0, or -1 with a reason in err. */
int oauth_fetch_user(const struct oauth_provider *p, const char *code, const char *redirect_uri, const char *nonce,
		     const char *verifier, struct oauth_user *u, char *err, size_t errlen);
void oauth_user_clear(struct oauth_user *u);

/* ---- the ID token's checks (jwt.c), exposed for the tests ---- */

/* Seconds a clock may be off: exp and iat get this much slack. */
#define OAUTH_LEEWAY 60
/* An ID token issued longer ago than this (plus the leeway) is refused: it was
 * just issued by the token endpoint, so an old one is a replay. */
#define OAUTH_MAX_AGE 600

struct oauth_expect {
	const char *issuer;
	const char *issuer_alt; /* another spelling accepted (Google's "accounts.google.com"), or NULL */
	const char *client_id;
	const char *nonce;
	int64_t now; /* seconds since the epoch */
};
/* Verifies token's JWS signature with a key of jwks ({"keys": [...]}) and parses its
 * claims into *claims (caller decrefs). Only public-key algorithms (RS*, PS*, ES*)
 * are accepted, with a key of the matching type: never "none", never HS* (which would
 * take a public key for a shared secret). 0 verified, 1 no key with the token's kid
 * (fetch the JWKS again: the provider may have rotated its keys), -1 refused with the
 * reason in err. */
int oauth_jws_verify(const char *token, const json_t *jwks, json_t **claims, char *err, size_t errlen);
/* Checks the claims: iss, aud (and azp when there are several audiences, or when
 * present), exp and iat within OAUTH_LEEWAY, nonce, and a subject. 0, or -1 with
 * the reason in err. */
int oauth_claims_check(const json_t *claims, const struct oauth_expect *e, char *err, size_t errlen);

#endif
