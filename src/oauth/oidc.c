/* oidc.c - OpenID Connect: the provider's discovery document and keys, cached per
 * issuer, and the second leg (code exchange, ID token, userinfo).
 *
 * Discovery (issuer + /.well-known/openid-configuration) and the JWKS are kept for
 * OIDC_CACHE_MS; when fetching them again fails, the copy in hand is used, and a
 * failure is remembered for OIDC_FAILED_MS. No lock is held across a fetch. A token
 * signed with a key id the cached JWKS lacks makes one fetch of the JWKS, once per
 * token: that is how a provider's key rotation is followed. */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "../core/log.h"
#include "../core/util.h"
#include "oauth_impl.h"

#define OIDC_CACHE_MS (3600 * 1000)
/* A fetch that failed is not tried again for this long: a provider that is down or
 * slow costs one request its wait, not every sign-in its own. */
#define OIDC_FAILED_MS (30 * 1000)
#define OIDC_MAX_ISSUERS 2 /* Google and OIDC_ISSUER */

/* One cached document (discovery or JWKS). Fetching happens outside cache_lock, by
 * one thread at a time (fetching): a provider that takes its 10 s holds that one
 * request, while every other uses the copy in hand or fails at once; the lock is
 * only ever held to read or swap these fields. */
struct cached_doc {
	json_t *val;
	int64_t at; /* mono_ms of the fetch of val */
	bool fetching;
	bool failed; /* the last fetch failed, at failed_at, with failed_err */
	int64_t failed_at;
	char failed_err[256];
};
struct issuer_cache {
	char *issuer;
	struct cached_doc doc, jwks;
};
static struct issuer_cache cache[OIDC_MAX_ISSUERS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

void oauth_cleanup(void)
{
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < OIDC_MAX_ISSUERS; i++) {
		free(cache[i].issuer);
		json_decref(cache[i].doc.val);
		json_decref(cache[i].jwks.val);
		cache[i] = (struct issuer_cache){0};
	}
	pthread_mutex_unlock(&cache_lock);
}

/* The cache entry of issuer, made on first use. Call with cache_lock held. */
static struct issuer_cache *entry(const char *issuer)
{
	for (int i = 0; i < OIDC_MAX_ISSUERS; i++)
		if (cache[i].issuer && strcmp(cache[i].issuer, issuer) == 0)
			return &cache[i];
	for (int i = 0; i < OIDC_MAX_ISSUERS; i++)
		if (!cache[i].issuer)
			return (cache[i].issuer = xstrdup(issuer)) ? &cache[i] : NULL;
	return NULL;
}

static const char *doc_url(const json_t *doc, const char *key)
{
	const char *u = json_string_value(json_object_get(doc, key));
	return u && config_url_ok(u) ? u : NULL;
}

/* A fetch of one document: doc is the discovery document (NULL when fetching it). */
typedef json_t *(*fetch_fn)(const struct oauth_provider *p, const json_t *doc, char *err, size_t errlen);

static json_t *fetch_doc(const struct oauth_provider *p, const json_t *unused, char *err, size_t errlen)
{
	(void)unused;
	buf url = BUF_INIT;
	buf_puts(&url, p->issuer);
	while (url.len && url.data[url.len - 1] == '/')
		url.data[--url.len] = '\0';
	buf_puts(&url, "/.well-known/openid-configuration");
	json_t *doc = url.oom ? NULL
			      : oauth_call_json(&(struct oauth_call){.url = url.data, .what = "the discovery document"},
						false, err, errlen);
	buf_free(&url);
	if (!doc)
		return NULL;
	/* The document must be the issuer's own (OpenID Connect Discovery, 4.3), spelled
	 * as configured: a trailing slash too (Auth0's issuers end in one). */
	const char *iss = json_string_value(json_object_get(doc, "issuer"));
	if (!iss || strcmp(iss, p->issuer) != 0) {
		errf(err, errlen, "the discovery document names another issuer");
	} else if (!doc_url(doc, "authorization_endpoint") || !doc_url(doc, "token_endpoint") || !doc_url(doc, "jwks_uri")) {
		errf(err, errlen, "the discovery document lacks an https authorization, token or jwks_uri endpoint");
	} else {
		return doc;
	}
	json_decref(doc);
	return NULL;
}

static json_t *fetch_jwks(const struct oauth_provider *p, const json_t *doc, char *err, size_t errlen)
{
	(void)p;
	json_t *keys = oauth_call_json(&(struct oauth_call){.url = doc_url(doc, "jwks_uri"), .what = "the JWKS"}, false,
				       err, errlen);
	if (keys && !json_is_array(json_object_get(keys, "keys"))) {
		errf(err, errlen, "the JWKS holds no \"keys\" array");
		json_decref(keys);
		keys = NULL;
	}
	return keys;
}

/* The issuer's discovery document (is_jwks false) or JWKS (a reference the caller
 * decrefs), or NULL with err: the cached copy while fresh, unless refresh; else one
 * fetch, made by this thread unless another is at it or the last one failed less
 * than OIDC_FAILED_MS ago (then the copy in hand, if any and not refresh, else the
 * failure at once). When a fetch fails, the copy in hand is used (not on refresh). */
static json_t *cached(const struct oauth_provider *p, bool is_jwks, const json_t *doc, bool refresh, fetch_fn fetch,
		      char *err, size_t errlen)
{
	const char *what = is_jwks ? "the JWKS" : "the discovery document";
	json_t *got = NULL;
	pthread_mutex_lock(&cache_lock);
	struct issuer_cache *c = entry(p->issuer);
	struct cached_doc *s = !c ? NULL : is_jwks ? &c->jwks : &c->doc;
	int64_t now = mono_ms();
	if (!s) {
		errf(err, errlen, "out of memory");
	} else if (s->val && !refresh && now - s->at < OIDC_CACHE_MS) {
		got = json_incref(s->val);
	} else if (s->fetching || (s->failed && now - s->failed_at < OIDC_FAILED_MS)) {
		if (s->val && !refresh)
			got = json_incref(s->val);
		else if (s->fetching)
			errf(err, errlen, "%s is being fetched for another sign-in", what);
		else
			errf(err, errlen, "%s (less than %d s ago)", s->failed_err, OIDC_FAILED_MS / 1000);
	} else {
		s->fetching = true;
		pthread_mutex_unlock(&cache_lock);
		got = fetch(p, doc, err, errlen);
		pthread_mutex_lock(&cache_lock);
		s->fetching = false;
		s->failed = !got;
		if (got) {
			json_decref(s->val);
			s->val = json_incref(got);
			s->at = mono_ms();
		} else {
			s->failed_at = mono_ms();
			snprintf(s->failed_err, sizeof s->failed_err, "%s", err);
			if (s->val && !refresh) {
				log_warn("sign-in with %s: %s could not be fetched (%s); using the copy fetched before", p->label,
					 what, err);
				got = json_incref(s->val);
			}
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return got;
}

/* The discovery document (a reference the caller decrefs), or NULL with err. */
static json_t *discovery(const struct oauth_provider *p, char *err, size_t errlen)
{
	return cached(p, false, NULL, false, fetch_doc, err, errlen);
}

/* The JWKS (a reference the caller decrefs): the cached one unless refresh, when it
 * is fetched again. NULL with err. */
static json_t *jwks(const struct oauth_provider *p, const json_t *doc, bool refresh, char *err, size_t errlen)
{
	return cached(p, true, doc, refresh, fetch_jwks, err, errlen);
}

int oauth_oidc_authorize(const struct oauth_provider *p, buf *url, char *err, size_t errlen)
{
	json_t *doc = discovery(p, err, errlen);
	if (!doc)
		return -1;
	buf_puts(url, doc_url(doc, "authorization_endpoint"));
	json_decref(doc);
	return 0;
}

/* client_secret_basic unless the provider says it takes only client_secret_post
 * (OpenID Connect Discovery: basic is the default when the list is absent). */
static bool wants_post(const json_t *doc, char *err, size_t errlen, bool *ok)
{
	const json_t *methods = json_object_get(doc, "token_endpoint_auth_methods_supported");
	*ok = true;
	if (!methods)
		return false;
	bool basic = false, post = false;
	size_t i;
	json_t *m;
	json_array_foreach(methods, i, m) {
		basic |= json_is_string(m) && strcmp(json_string_value(m), "client_secret_basic") == 0;
		post |= json_is_string(m) && strcmp(json_string_value(m), "client_secret_post") == 0;
	}
	if (!basic && !post) {
		*ok = false;
		errf(err, errlen, "the token endpoint takes neither client_secret_basic nor client_secret_post");
	}
	return !basic && post;
}

/* Authorization: Basic of the client (RFC 6749, 2.3.1: each part urlencoded first). */
static void basic_credentials(const struct oauth_provider *p, buf *out)
{
	buf pair = BUF_INIT;
	url_encode(&pair, p->client_id);
	buf_putc(&pair, ':');
	url_encode(&pair, p->client_secret);
	if (!pair.oom && buf_reserve(out, sodium_base64_ENCODED_LEN(pair.len, sodium_base64_VARIANT_ORIGINAL))) {
		sodium_bin2base64(out->data, out->cap, (const unsigned char *)pair.data, pair.len,
				  sodium_base64_VARIANT_ORIGINAL);
		out->len = strlen(out->data);
	} else {
		out->oom = true;
	}
	if (pair.data)
		sodium_memzero(pair.data, pair.len);
	buf_free(&pair);
}

/* The token endpoint's answer to the code, or NULL with err. */
static json_t *exchange(const struct oauth_provider *p, const json_t *doc, const char *code, const char *redirect_uri,
			const char *verifier, char *err, size_t errlen)
{
	bool ok;
	bool post = wants_post(doc, err, errlen, &ok);
	if (!ok)
		return NULL;
	buf form = BUF_INIT, basic = BUF_INIT;
	oauth_param(&form, "grant_type", "authorization_code");
	oauth_param(&form, "code", code);
	oauth_param(&form, "redirect_uri", redirect_uri);
	oauth_param(&form, "code_verifier", verifier);
	if (post) {
		oauth_param(&form, "client_id", p->client_id);
		oauth_param(&form, "client_secret", p->client_secret);
	} else {
		basic_credentials(p, &basic);
	}
	json_t *t = NULL;
	if (form.oom || basic.oom)
		errf(err, errlen, "out of memory");
	else
		t = oauth_call_json(&(struct oauth_call){.url = doc_url(doc, "token_endpoint"), .form = form.data,
							 .basic = post ? NULL : basic.data, .what = "the token endpoint"},
				    false, err, errlen);
	sodium_memzero(form.data, form.len);
	if (basic.data)
		sodium_memzero(basic.data, basic.len);
	buf_free(&form);
	buf_free(&basic);
	return t;
}

/* The ID token's verified claims, or NULL with err. */
static json_t *id_claims(const struct oauth_provider *p, const json_t *doc, const char *id_token, const char *nonce,
			 char *err, size_t errlen)
{
	json_t *claims = NULL;
	json_t *keys = jwks(p, doc, false, err, errlen);
	int rc = keys ? oauth_jws_verify(id_token, keys, &claims, err, errlen) : -1;
	if (rc == 1) { /* a kid we do not know: the provider may have rotated its keys */
		json_decref(keys);
		keys = jwks(p, doc, true, err, errlen);
		rc = keys ? oauth_jws_verify(id_token, keys, &claims, err, errlen) : -1;
		if (rc == 1)
			errf(err, errlen, "the ID token is signed with a key the provider does not publish");
	}
	json_decref(keys);
	/* Google's tokens may say "accounts.google.com" without the scheme (its docs). */
	struct oauth_expect e = {.issuer = p->issuer,
				 .issuer_alt = strcmp(p->name, "google") == 0 ? "accounts.google.com" : NULL,
				 .client_id = p->client_id, .nonce = nonce, .now = now_ms() / 1000};
	if (rc == 0 && oauth_claims_check(claims, &e, err, errlen) < 0)
		rc = -1;
	if (rc != 0) {
		json_decref(claims);
		return NULL;
	}
	return claims;
}

/* email_verified is a boolean, but some providers send the string "true". */
static bool verified(const json_t *v)
{
	return json_is_true(v) || (json_is_string(v) && strcmp(json_string_value(v), "true") == 0);
}

static int fill_user(const struct oauth_provider *p, const json_t *from, const char *sub, struct oauth_user *u)
{
	/* The generic issuer's subjects are kept with the issuer: if OIDC_ISSUER ever
	 * names another provider, its users' subjects cannot reach the old accounts. */
	buf s = BUF_INIT;
	if (strcmp(p->name, "oidc") == 0)
		buf_printf(&s, "%s %s", p->issuer, sub);
	else
		buf_puts(&s, sub);
	u->subject = s.oom ? NULL : buf_detach(&s, NULL);
	buf_free(&s);
	const char *email = json_string_value(json_object_get(from, "email"));
	const char *name = json_string_value(json_object_get(from, "preferred_username"));
	if (email && *email)
		u->email = xstrdup(email);
	u->email_verified = u->email && verified(json_object_get(from, "email_verified"));
	if (!name && email) /* the e-mail's local part, e.g. Google's users */
		u->username = xstrndup(email, strcspn(email, "@"));
	else if (name)
		u->username = xstrdup(name);
	else
		u->username = xstrdup(json_string_value(json_object_get(from, "name")));
	return u->subject ? 0 : -1;
}

/* The userinfo endpoint's claims, when the ID token has no e-mail. NULL: none
 * (no endpoint), or an error in err (*failed set). */
static json_t *userinfo(const json_t *doc, const json_t *tokens, const char *sub, bool *failed, char *err,
			size_t errlen)
{
	const char *url = doc_url(doc, "userinfo_endpoint");
	const char *at = json_string_value(json_object_get(tokens, "access_token"));
	*failed = false;
	if (!url || !at)
		return NULL;
	json_t *info = oauth_call_json(&(struct oauth_call){.url = url, .bearer = at, .what = "the userinfo endpoint"},
				       false, err, errlen);
	const char *isub = json_string_value(json_object_get(info, "sub"));
	if (info && (!isub || strcmp(isub, sub) != 0)) { /* Core 1.0, 5.3.2: it must be the same user */
		errf(err, errlen, "the userinfo endpoint describes another user");
		json_decref(info);
		info = NULL;
	}
	*failed = !info;
	return info;
}

int oauth_oidc_user(const struct oauth_provider *p, const char *code, const char *redirect_uri, const char *nonce,
		    const char *verifier, struct oauth_user *u, char *err, size_t errlen)
{
	json_t *doc = discovery(p, err, errlen);
	json_t *tokens = doc ? exchange(p, doc, code, redirect_uri, verifier, err, errlen) : NULL;
	const char *id_token = json_string_value(json_object_get(tokens, "id_token"));
	int rc = -1;
	if (tokens && !id_token)
		errf(err, errlen, "the token endpoint sent no ID token");
	json_t *claims = id_token ? id_claims(p, doc, id_token, nonce, err, errlen) : NULL;
	if (claims) {
		const char *sub = json_string_value(json_object_get(claims, "sub"));
		bool failed = false;
		json_t *info = json_object_get(claims, "email") ? NULL : userinfo(doc, tokens, sub, &failed, err, errlen);
		if (!failed)
			rc = fill_user(p, info ? info : claims, sub, u) < 0 ? errf(err, errlen, "out of memory") : 0;
		json_decref(info);
	}
	json_decref(claims);
	json_decref(tokens);
	json_decref(doc);
	return rc;
}
