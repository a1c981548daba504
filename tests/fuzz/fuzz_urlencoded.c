/* fuzz_urlencoded.c - http_parse_urlencoded (src/http/request.c), the parser of
 * application/x-www-form-urlencoded bodies and query strings.
 *
 * Checks, beyond memory safety, on the fuzzer's bytes as a body: it either refuses
 * (-1) or yields fields whose keys and values are valid UTF-8 without a NUL, each
 * value's len matching its string; a body holding a raw NUL byte anywhere is refused
 * (the NUL would otherwise cut a value short wherever it is used as a C string); no
 * more fields than '&'-separated pieces; and kv_get finds the first of each key.
 *
 * Then a round trip on the same bytes read as pairs: the first byte chooses the
 * encoding (bit 0: percent-encode every byte, else only the four the syntax needs),
 * the rest splits at 0xFF (never in UTF-8) into key, value, key, value... Encoded and
 * parsed back, the pairs come out equal, raw bytes included, in order - or, when a
 * key or value holds a NUL or is not UTF-8, the whole body is refused. */
#include "fuzz.h"

#include <stdbool.h>

#include "../../src/core/util.h"
#include "../../src/http/http.h"

static void check_body(const uint8_t *data, size_t size)
{
	kvlist l = {0};
	int rc = http_parse_urlencoded(&l, (const char *)data, size);
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	if (memchr(data, 0, size))
		FUZZ_CHECK(rc == -1, "a body with a raw NUL byte accepted (%zu fields)", l.n);
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
}

/* One key or value of the round trip: a slice of the fuzzer's bytes. */
typedef struct {
	const uint8_t *p;
	size_t n;
} part;

static void encode(buf *b, part s, bool all)
{
	static const char hex[] = "0123456789ABCDEF";
	for (size_t i = 0; i < s.n; i++) {
		uint8_t c = s.p[i];
		if (all || c == '&' || c == '=' || c == '%' || c == '+') {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			buf_append(b, e, 3);
		} else {
			buf_append(b, (const char *)&c, 1);
		}
	}
}

static bool acceptable(part s)
{
	return !memchr(s.p, 0, s.n) && utf8_valid((const char *)s.p, s.n);
}

static void check_round_trip(const uint8_t *data, size_t size)
{
	if (size == 0)
		return;
	bool all = data[0] & 1;
	data++, size--;
	size_t cap = 2;
	for (size_t i = 0; i < size; i++)
		cap += data[i] == 0xFF;
	part *parts = calloc(cap, sizeof *parts);
	if (!parts)
		abort();
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= size; i++)
		if (i == size || data[i] == 0xFF) {
			parts[n++] = (part){data + start, i - start};
			start = i + 1;
		}
	if (n % 2)
		parts[n++] = (part){data, 0}; /* the last key's value is empty */
	buf body = {0};
	bool ok = true;
	for (size_t i = 0; i < n; i += 2) {
		if (i)
			buf_append(&body, "&", 1);
		encode(&body, parts[i], all);
		buf_append(&body, "=", 1);
		encode(&body, parts[i + 1], all);
		ok = ok && acceptable(parts[i]) && acceptable(parts[i + 1]);
	}
	FUZZ_CHECK(!body.oom, "out of memory");
	kvlist l = {0};
	int rc = http_parse_urlencoded(&l, body.data ? body.data : "", body.len);
	if (!ok) {
		FUZZ_CHECK(rc == -1, "a pair with a NUL or invalid UTF-8 accepted");
	} else {
		FUZZ_CHECK(rc == 0, "valid pairs refused");
		FUZZ_CHECK(l.n == n / 2, "%zu pairs came back as %zu fields", n / 2, l.n);
		for (size_t i = 0; i < l.n; i++) {
			part k = parts[2 * i], v = parts[2 * i + 1];
			FUZZ_CHECK(strlen(l.v[i].key) == k.n && memcmp(l.v[i].key, k.p, k.n) == 0, "pair %zu: key differs", i);
			FUZZ_CHECK(l.v[i].len == v.n && memcmp(l.v[i].val, v.p, v.n) == 0, "pair %zu: value differs", i);
		}
	}
	kv_free(&l);
	buf_free(&body);
	free(parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_body(data, size);
	check_round_trip(data, size);
	return 0;
}
