/* fuzz_urlencoded.c - http_parse_urlencoded (src/http/request.c), the parser of
 * application/x-www-form-urlencoded bodies and query strings.
 *
 * Checks, beyond memory safety: it either refuses (-1) or yields fields whose keys
 * and values are valid UTF-8 without a NUL, each value's len matching its string;
 * no more fields than '&'-separated pieces; and kv_get finds the first of each key. */
#include "fuzz.h"

#include "../../src/core/util.h"
#include "../../src/http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kvlist l = {0};
	int rc = http_parse_urlencoded(&l, (const char *)data, size);
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	if (rc == 0) {
		size_t pieces = 1;
		for (size_t i = 0; i < size; i++)
			pieces += data[i] == '&';
		FUZZ_CHECK(l.n <= pieces, "%zu fields from %zu pieces", l.n, pieces);
		for (size_t i = 0; i < l.n; i++) {
			const kv *e = &l.v[i];
			size_t klen = strlen(e->key);
			FUZZ_CHECK(utf8_valid(e->key, klen), "field %zu: key not UTF-8", i);
			FUZZ_CHECK(strlen(e->val) == e->len, "field %zu: NUL inside the value", i);
			FUZZ_CHECK(utf8_valid(e->val, e->len), "field %zu: value not UTF-8", i);
			FUZZ_CHECK(kv_get(&l, e->key) != NULL, "field %zu: kv_get misses its key", i);
		}
		if (l.n)
			FUZZ_CHECK(kv_get(&l, l.v[0].key) == l.v[0].val, "kv_get does not return the first value");
	}
	kv_free(&l);
	return 0;
}
