/* csrf.c - CSRF tokens bound to the session or to an anonymous cookie (see auth.h). */
#include <sodium.h>
#include <string.h>

#include "../core/config.h"
#include "../core/util.h"
#include "auth.h"

static void token_for(const char *binding, char out[64])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, cfg.secret, sizeof cfg.secret);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"csrf:", 5);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)binding, strlen(binding));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(out, 64, mac, sizeof mac, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

const char *auth_csrf_token(http_req *r)
{
	struct visitor *v = visitor_edit(r);
	if (!v)
		return "";
	if (v->csrf_token[0])
		return v->csrf_token;
	if (!v->session && !v->csrf_cookie) {
		char tok[64];
		rand_token(tok, sizeof tok, 32);
		v->csrf_cookie = xstrdup(tok);
		if (!v->csrf_cookie)
			return "";
		http_set_cookie(r, CSRF_COOKIE, tok, 365L * 86400);
	}
	token_for(v->session ? v->session : v->csrf_cookie, v->csrf_token);
	return v->csrf_token;
}

bool auth_csrf_ok(http_req *r)
{
	const char *sent = http_header(r, "X-CSRF-Token");
	if (!sent)
		sent = http_form(r, "csrf_token");
	const struct visitor *v = visitor(r);
	const char *binding = v->session ? v->session : v->csrf_cookie;
	if (!sent || !binding)
		return false;
	char want[64];
	token_for(binding, want);
	size_t n = strlen(want);
	return strlen(sent) == n && sodium_memcmp(sent, want, n) == 0;
}
