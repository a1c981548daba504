/* fuzz_router.c - router_match (src/http/router.c) on the path as libmicrohttpd
 * hands it over: already percent-decoded, so it may hold any byte but NUL ("..",
 * "//", "%2e", backslashes, invalid UTF-8). The first byte picks the method.
 *
 * The table has the application's patterns (src/web/app/routes.c; kept here as data,
 * so that the harness links no page) plus patterns with several parameters. Checks:
 *  - a match never lets a path with a ".." segment through, and a <path> parameter
 *    never holds ".." at all (it names a static file);
 *  - each parameter is of its type (<int> 1-18 digits, <uuid> canonical, <token>,
 *    <word>), only <path> spans a '/', and putting the parameters back into the
 *    pattern gives the path exactly;
 *  - the route found takes the method; ROUTE_BAD_METHOD reports methods that do not
 *    include it; ROUTE_ADD_SLASH means the path plus '/' exists. */
#include "fuzz.h"

#include <ctype.h>
#include <stdbool.h>

#include "../../src/core/buf.h"
#include "../../src/http/router.h"

static void handler(http_req *r) { (void)r; }

static const struct route routes[] = {
	{"/", HTTP_GET, handler, 0},
	{"/about/", HTTP_GET, handler, 0},
	{"/ask/", HTTP_GET | HTTP_POST, handler, 0},
	{"/conversation/", HTTP_GET, handler, 0},
	{"/conversation/<uuid>/", HTTP_GET | HTTP_POST, handler, 0},
	{"/prompts/<int>/delete/", HTTP_POST, handler, 0},
	{"/uploads/<int>/", HTTP_GET, handler, 0},
	{"/accounts/signup/", HTTP_GET | HTTP_POST, handler, 0},
	{"/accounts/login/", HTTP_GET | HTTP_POST, handler, 0},
	{"/accounts/logout/", HTTP_POST, handler, 0},
	{"/accounts/password/change/", HTTP_GET | HTTP_POST, handler, 0},
	{"/health/", HTTP_GET | HTTP_POST, handler, 0},
	{"/static/<path>", HTTP_GET, handler, 0},
	/* Beyond the application's: several parameters in one pattern. */
	{"/t/<token>/<word>/<int>/", HTTP_PUT | HTTP_DELETE, handler, 0},
	{"/v1/<word>/<path>", HTTP_POST, handler, 0},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static bool has_dotdot_segment(const char *p)
{
	for (const char *s = p; *s;) {
		size_t n = strcspn(s, "/");
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return true;
		s += n + (s[n] == '/');
	}
	return false;
}

static bool all(const char *s, const char *set, bool lower_ok, bool alnum_ok, bool digit_ok)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((lower_ok && c >= 'a' && c <= 'z') || (alnum_ok && isalnum(c)) || (digit_ok && isdigit(c)) ||
		    (c && strchr(set, c)))
			continue;
		return false;
	}
	return true;
}

/* The parameter p is of the type named by the n bytes at type. */
static void check_param(const char *type, size_t n, const char *p)
{
	size_t len = strlen(p);
	FUZZ_CHECK(len > 0, "empty <%.*s>", (int)n, type);
	if (n == 4 && memcmp(type, "path", 4) == 0) {
		FUZZ_CHECK(!strstr(p, ".."), "<path> '%s' holds ..", p);
		return;
	}
	FUZZ_CHECK(!strchr(p, '/'), "<%.*s> '%s' spans a '/'", (int)n, type, p);
	if (n == 3 && memcmp(type, "int", 3) == 0)
		FUZZ_CHECK(len <= 18 && all(p, "", false, false, true), "<int> '%s'", p);
	else if (n == 4 && memcmp(type, "uuid", 4) == 0)
		FUZZ_CHECK(len == 36 && p[8] == '-' && p[13] == '-' && p[18] == '-' && p[23] == '-' &&
				   all(p, "-abcdefABCDEF", false, false, true),
			   "<uuid> '%s'", p);
	else if (n == 5 && memcmp(type, "token", 5) == 0)
		FUZZ_CHECK(len <= 128 && all(p, "_-", false, true, false), "<token> '%s'", p);
	else if (n == 4 && memcmp(type, "word", 4) == 0)
		FUZZ_CHECK(len <= 32 && all(p, "_-", true, false, false), "<word> '%s'", p);
	else
		FUZZ_CHECK(false, "unknown type <%.*s>", (int)n, type);
}

static void check_found(const struct route *rt, int want, const char *path, char **params, int np)
{
	FUZZ_CHECK(rt >= routes && rt < routes + NROUTES, "route outside the table");
	FUZZ_CHECK(rt->methods & want, "%s matched for a method it does not take", rt->pattern);
	FUZZ_CHECK(!has_dotdot_segment(path), "'%s' has a .. segment and matched %s", path, rt->pattern);
	/* The pattern with its parameters put back must be the path. */
	buf b = BUF_INIT;
	int k = 0;
	for (const char *p = rt->pattern; *p;) {
		if (*p != '<') {
			buf_putc(&b, *p++);
			continue;
		}
		const char *close = strchr(p, '>');
		FUZZ_CHECK(k < np, "%s: fewer parameters than in the pattern", rt->pattern);
		check_param(p + 1, (size_t)(close - p - 1), params[k]);
		buf_puts(&b, params[k++]);
		p = close + 1;
	}
	FUZZ_CHECK(k == np, "%s: %d parameters for %d in the pattern", rt->pattern, np, k);
	FUZZ_CHECK(!b.oom && strcmp(b.data ? b.data : "", path) == 0, "parameters in %s do not rebuild '%s'",
		   rt->pattern, path);
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const int methods[] = {HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_DELETE, HTTP_PATCH, HTTP_OPTIONS, HTTP_OTHER};
	int method = methods[data[0] % 8];
	int want = method == HTTP_HEAD ? HTTP_GET | HTTP_HEAD : method;
	char *path = fuzz_strndup(data + 1, size - 1);

	const struct route *rt = NULL;
	char *params[HTTP_MAX_PARAMS] = {0};
	int np = -1, allowed = -1;
	enum route_result res = router_match(routes, NROUTES, method, path, &rt, params, &np, &allowed);
	switch (res) {
	case ROUTE_FOUND: check_found(rt, want, path, params, np); break;
	case ROUTE_BAD_METHOD:
		FUZZ_CHECK(allowed && !(allowed & want), "BAD_METHOD with allowed %#x for %#x", allowed, want);
		FUZZ_CHECK(np == 0, "parameters on BAD_METHOD");
		break;
	case ROUTE_ADD_SLASH: {
		size_t len = strlen(path);
		FUZZ_CHECK(len && path[len - 1] != '/', "ADD_SLASH for '%s'", path);
		char *slashed = malloc(len + 2);
		memcpy(slashed, path, len);
		memcpy(slashed + len, "/", 2);
		const struct route *rt2 = NULL;
		char *p2[HTTP_MAX_PARAMS] = {0};
		int np2 = 0, allowed2 = 0;
		enum route_result r2 = router_match(routes, NROUTES, HTTP_OTHER, slashed, &rt2, p2, &np2, &allowed2);
		FUZZ_CHECK(r2 == ROUTE_BAD_METHOD, "ADD_SLASH for '%s', but '%s/' gives %d", path, path, r2);
		FUZZ_CHECK(!has_dotdot_segment(slashed), "ADD_SLASH leads '%s' to a .. segment", path);
		free(slashed);
		break;
	}
	case ROUTE_NOT_FOUND: FUZZ_CHECK(np == 0, "parameters on NOT_FOUND"); break;
	default: FUZZ_CHECK(false, "result %d", (int)res);
	}
	for (int i = 0; i < np; i++)
		free(params[i]);
	free(path);
	return 0;
}
