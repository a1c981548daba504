/* github.c - GitHub's OAuth 2.0 (not OpenID Connect: no ID token): the code is
 * exchanged at OAUTH_GITHUB_URL/login/oauth/access_token, then the user is read from
 * OAUTH_GITHUB_API_URL's /user, and the e-mail from /user/emails: only the primary
 * address, vouched for only when GitHub says it is verified. The subject is the
 * numeric account id, which, unlike the login, never changes. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/config.h"
#include "../core/util.h"
#include "oauth_impl.h"

static char *access_token(const struct oauth_provider *p, const char *code, const char *redirect_uri,
			  const char *verifier, char *err, size_t errlen)
{
	buf form = BUF_INIT, url = BUF_INIT;
	oauth_param(&form, "client_id", p->client_id);
	oauth_param(&form, "client_secret", p->client_secret);
	oauth_param(&form, "code", code);
	oauth_param(&form, "redirect_uri", redirect_uri);
	oauth_param(&form, "code_verifier", verifier);
	buf_printf(&url, "%s/login/oauth/access_token", cfg.github_url);
	json_t *t = NULL;
	if (form.oom || url.oom)
		errf(err, errlen, "out of memory");
	else
		t = oauth_call_json(&(struct oauth_call){.url = url.data, .form = form.data, .what = "GitHub's token endpoint"},
				    false, err, errlen);
	/* GitHub answers a refused code with 200 and {"error": "bad_verification_code"}. */
	const char *at = json_string_value(json_object_get(t, "access_token"));
	const char *e = json_string_value(json_object_get(t, "error"));
	char *token = NULL;
	if (t && (!at || !*at))
		errf(err, errlen, "GitHub's token endpoint gave no access token (%.64s)", e ? e : "no error named");
	else if (t && !(token = xstrdup(at)))
		errf(err, errlen, "out of memory");
	if (form.data)
		sodium_memzero(form.data, form.len);
	buf_free(&form);
	buf_free(&url);
	json_decref(t);
	return token;
}

static json_t *api(const char *path, const char *token, bool array, const char *what, char *err, size_t errlen)
{
	buf url = BUF_INIT;
	buf_printf(&url, "%s%s", cfg.github_api_url, path);
	json_t *j = url.oom ? NULL
			    : oauth_call_json(&(struct oauth_call){.url = url.data, .bearer = token, .what = what}, array,
					      err, errlen);
	buf_free(&url);
	return j;
}

/* The primary address from /user/emails: verified or not (*verified says). */
static void primary_email(const json_t *emails, struct oauth_user *u)
{
	size_t i;
	json_t *e;
	json_array_foreach(emails, i, e) {
		const char *addr = json_string_value(json_object_get(e, "email"));
		if (addr && *addr && json_is_true(json_object_get(e, "primary"))) {
			u->email = xstrdup(addr);
			u->email_verified = u->email && json_is_true(json_object_get(e, "verified"));
			return;
		}
	}
}

int oauth_github_user(const struct oauth_provider *p, const char *code, const char *redirect_uri,
		      const char *verifier, struct oauth_user *u, char *err, size_t errlen)
{
	char *token = access_token(p, code, redirect_uri, verifier, err, errlen);
	json_t *user = token ? api("/user", token, false, "GitHub's /user", err, errlen) : NULL;
	json_t *emails = user ? api("/user/emails", token, true, "GitHub's /user/emails", err, errlen) : NULL;
	int rc = -1;
	json_t *id = json_object_get(user, "id");
	if (user && (!json_is_integer(id) || json_integer_value(id) <= 0)) {
		errf(err, errlen, "GitHub's /user gave no account id");
	} else if (emails) {
		char sub[32];
		snprintf(sub, sizeof sub, "%lld", (long long)json_integer_value(id));
		u->subject = xstrdup(sub);
		u->username = xstrdup(json_string_value(json_object_get(user, "login")));
		primary_email(emails, u);
		rc = u->subject ? 0 : errf(err, errlen, "out of memory");
	}
	if (token)
		sodium_memzero(token, strlen(token));
	free(token);
	json_decref(user);
	json_decref(emails);
	return rc;
}
