/* provider.c - the configured sign-in providers (from cfg), the first leg (the
 * authorization URL with state, nonce and PKCE) and the dispatch of the second. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/config.h"
#include "../core/util.h"
#include "oauth_impl.h"

#define MAX_PROVIDERS 3
static struct oauth_provider providers[MAX_PROVIDERS];
static size_t nproviders;

void oauth_init(void)
{
	nproviders = 0;
	if (cfg.google.id)
		providers[nproviders++] = (struct oauth_provider){.name = "google", .label = "Google", .kind = OAUTH_OIDC,
								 .issuer = "https://accounts.google.com",
								 .client_id = cfg.google.id, .client_secret = cfg.google.secret};
	if (cfg.github.id)
		providers[nproviders++] = (struct oauth_provider){.name = "github", .label = "GitHub", .kind = OAUTH_GITHUB,
								 .client_id = cfg.github.id, .client_secret = cfg.github.secret};
	if (cfg.oidc.id)
		providers[nproviders++] = (struct oauth_provider){.name = "oidc", .label = cfg.oidc_name, .kind = OAUTH_OIDC,
								 .issuer = cfg.oidc_issuer, .client_id = cfg.oidc.id,
								 .client_secret = cfg.oidc.secret};
}

/* The length of url's origin: scheme://authority, up to the path. */
static size_t origin_len(const char *url)
{
	const char *p = strstr(url, "://");
	return p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : 0;
}

/* Where provider p's authorization page is expected (its issuer's origin). */
static const char *expected_at(const struct oauth_provider *p)
{
	return p->kind == OAUTH_GITHUB ? cfg.github_url : p->issuer;
}

void oauth_origins(buf *out)
{
	for (size_t i = 0; i < nproviders; i++) {
		const char *u = expected_at(&providers[i]);
		if (out->len)
			buf_putc(out, ' ');
		buf_append(out, u, origin_len(u));
	}
}

bool oauth_origin_listed(const char *url)
{
	size_t n = origin_len(url);
	for (size_t i = 0; n && i < nproviders; i++) {
		const char *u = expected_at(&providers[i]);
		if (origin_len(u) == n && strncasecmp(u, url, n) == 0)
			return true;
	}
	return false;
}

const struct oauth_provider *oauth_provider(const char *name)
{
	for (size_t i = 0; name && i < nproviders; i++)
		if (strcmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}

const struct oauth_provider *oauth_provider_at(size_t i) { return i < nproviders ? &providers[i] : NULL; }

void oauth_new_secrets(struct oauth_secrets *s)
{
	rand_token(s->state, sizeof s->state, 32);
	rand_token(s->nonce, sizeof s->nonce, 32);
	rand_token(s->verifier, sizeof s->verifier, 32);
}

/* BASE64URL(SHA256(verifier)), RFC 7636's S256. */
static void pkce_challenge(const char *verifier, char out[OAUTH_SECRET_LEN])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)verifier, strlen(verifier));
	sodium_bin2base64(out, OAUTH_SECRET_LEN, h, sizeof h, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int oauth_authorize_url(const struct oauth_provider *p, const char *redirect_uri, const struct oauth_secrets *s,
			buf *url, char *err, size_t errlen)
{
	if (p->kind == OAUTH_OIDC) {
		if (oauth_oidc_authorize(p, url, err, errlen) < 0)
			return -1;
	} else {
		buf_printf(url, "%s/login/oauth/authorize", cfg.github_url);
	}
	char challenge[OAUTH_SECRET_LEN];
	pkce_challenge(s->verifier, challenge);
	buf q = BUF_INIT;
	oauth_param(&q, "response_type", "code");
	oauth_param(&q, "client_id", p->client_id);
	oauth_param(&q, "redirect_uri", redirect_uri);
	oauth_param(&q, "scope", p->kind == OAUTH_OIDC ? "openid email profile" : "read:user user:email");
	oauth_param(&q, "state", s->state);
	if (p->kind == OAUTH_OIDC)
		oauth_param(&q, "nonce", s->nonce);
	oauth_param(&q, "code_challenge", challenge);
	oauth_param(&q, "code_challenge_method", "S256");
	buf_putc(url, strchr(url->data ? url->data : "", '?') ? '&' : '?');
	buf_append(url, q.data, q.len);
	bool oom = url->oom || q.oom;
	buf_free(&q);
	return oom ? errf(err, errlen, "out of memory") : 0;
}

int oauth_fetch_user(const struct oauth_provider *p, const char *code, const char *redirect_uri, const char *nonce,
		     const char *verifier, struct oauth_user *u, char *err, size_t errlen)
{
	*u = (struct oauth_user){0};
	int rc = p->kind == OAUTH_OIDC ? oauth_oidc_user(p, code, redirect_uri, nonce, verifier, u, err, errlen)
				       : oauth_github_user(p, code, redirect_uri, verifier, u, err, errlen);
	if (rc < 0)
		oauth_user_clear(u);
	return rc;
}

void oauth_user_clear(struct oauth_user *u)
{
	free(u->subject);
	free(u->email);
	free(u->username);
	*u = (struct oauth_user){0};
}
