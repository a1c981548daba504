/* oauth_impl.h - what the files of oauth/ share and nothing else sees: the HTTP
 * calls to providers (fetch.c) and the two protocols' second legs. */
#ifndef LLMMETA_OAUTH_IMPL_H
#define LLMMETA_OAUTH_IMPL_H

#include "oauth.h"

/* Connect and whole-transfer limits of every call to a provider, and the largest
 * answer read: a provider that is slow or floods us fails the sign-in instead of
 * holding a server thread. */
#define OAUTH_CONNECT_TIMEOUT_MS 5000L
#define OAUTH_TIMEOUT_MS 10000L
#define OAUTH_MAX_RESPONSE (1024 * 1024)

struct oauth_call {
	const char *url;
	const char *form;   /* a urlencoded body to POST; NULL: GET */
	const char *bearer; /* Authorization: Bearer */
	const char *basic;  /* Authorization: Basic, already base64 */
	const char *what;   /* names the endpoint in errors: "the token endpoint" */
};
/* Calls the provider and parses its JSON answer, which must be a 2xx with an object
 * (or an array when want_array). NULL with the reason in err otherwise. */
json_t *oauth_call_json(const struct oauth_call *c, bool want_array, char *err, size_t errlen);

/* Appends "&name=value" (urlencoded; no '&' when b is empty). */
void oauth_param(buf *b, const char *name, const char *value);

int oauth_oidc_authorize(const struct oauth_provider *p, buf *url, char *err, size_t errlen);
int oauth_oidc_user(const struct oauth_provider *p, const char *code, const char *redirect_uri, const char *nonce,
		    const char *verifier, struct oauth_user *u, char *err, size_t errlen);
int oauth_github_user(const struct oauth_provider *p, const char *code, const char *redirect_uri,
		      const char *verifier, struct oauth_user *u, char *err, size_t errlen);

#endif
