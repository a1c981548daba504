/* fuzz_cookies.c - http_parse_cookies (src/http/request.c), the Cookie header parser.
 *
 * The header reaches it as a C string (libmicrohttpd stops at a NUL), so the input
 * is cut at its first NUL. Checks, beyond memory safety: success, with every name
 * non-empty, without ';' or a leading blank, every value without ';' and with its
 * recorded length; the bytes of every name and value come from the header. Not
 * checked: UTF-8. The parser keeps any bytes (cookie values are ASCII by RFC 6265,
 * and its only users, the session and CSRF cookies, check the token's shape). */
#include "fuzz.h"

#include "../../src/http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h = fuzz_strndup(data, size);
	kvlist l = {0};
	int rc = http_parse_cookies(&l, h);
	FUZZ_CHECK(rc == 0, "rc %d (only running out of memory may fail)", rc);
	for (size_t i = 0; i < l.n; i++) {
		const kv *e = &l.v[i];
		FUZZ_CHECK(*e->key, "cookie %zu: empty name", i);
		FUZZ_CHECK(!strchr(e->key, ';') && !strchr(e->val, ';'), "cookie %zu: holds a ';'", i);
		FUZZ_CHECK(e->key[0] != ' ' && e->key[0] != '\t', "cookie %zu: name starts blank", i);
		FUZZ_CHECK(strlen(e->val) == e->len, "cookie %zu: length %zu for %zu bytes", i, e->len, strlen(e->val));
		FUZZ_CHECK(strstr(h, e->key) != NULL, "cookie %zu: name not in the header", i);
		FUZZ_CHECK(strstr(h, e->val) != NULL, "cookie %zu: value not in the header", i);
	}
	FUZZ_CHECK(http_parse_cookies(&l, NULL) == 0, "no header must parse as none");
	kv_free(&l);
	free(h);
	return 0;
}
