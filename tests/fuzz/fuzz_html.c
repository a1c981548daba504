/* fuzz_html.c - the escaping writer (src/html/html.c) that every value goes through
 * on its way into a page: html_textn, html_text and html_printf's %s with a width
 * and precision the fuzzer chooses (the first two bytes).
 *
 * Checks: the output holds no raw '<', '>', '"' or '\''; every '&' starts an entity;
 * decoding the entities gives the input back exactly (written against the public
 * API, so any entity spelling is accepted: &#39; or &apos;, named or numeric);
 * html_text stops at the first NUL; %s gives what html_text gives; a precision
 * takes a prefix of at most that many bytes and never splits a UTF-8 character; a
 * width pads with spaces to at least that many characters of input. */
#include "fuzz.h"

#include <ctype.h>
#include <stdbool.h>

#include "../../src/core/buf.h"
#include "../../src/core/util.h"
#include "../../src/html/html.h"

/* Decodes the escaped output e (n bytes) into out, checking that it holds no raw
 * markup character and no stray '&'. */
static void unescape(buf *out, const char *e, size_t n)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(!strchr("<>\"'", e[i]) || !e[i], "raw '%c' at %zu", e[i], i);
		if (e[i] != '&') {
			buf_putc(out, e[i]);
			continue;
		}
		const char *semi = memchr(e + i, ';', n - i);
		FUZZ_CHECK(semi && semi - (e + i) <= 10, "'&' not starting an entity at %zu", i);
		const char *name = e + i + 1;
		size_t len = (size_t)(semi - name);
		int c = -1;
		if (len > 1 && name[0] == '#') {
			bool hex = name[1] == 'x' || name[1] == 'X';
			char num[12] = "";
			memcpy(num, name + 1 + hex, len - 1 - hex);
			char *end;
			long v = strtol(num, &end, hex ? 16 : 10);
			FUZZ_CHECK(*num && !*end && v > 0 && v < 128, "entity &%.*s;", (int)len, name);
			c = (int)v;
		} else {
			for (size_t k = 0; k < sizeof named / sizeof named[0]; k++)
				if (strlen(named[k].name) == len && memcmp(named[k].name, name, len) == 0)
					c = named[k].c;
		}
		FUZZ_CHECK(c > 0, "unknown entity &%.*s;", (int)len, name);
		buf_putc(out, (char)c);
		i = (size_t)(semi - e);
	}
}

static void expect_same(const buf *a, const char *s, size_t n, const char *what)
{
	FUZZ_CHECK(!a->oom, "out of memory");
	FUZZ_CHECK(a->len == n && (n == 0 || memcmp(a->data, s, n) == 0), "%s does not give the input back", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int width = data[0] % 64, prec = data[1];
	const char *s = (const char *)data + 2;
	size_t n = size - 2;

	buf e = BUF_INIT, d = BUF_INIT;
	html_textn(&e, s, n);
	unescape(&d, e.data ? e.data : "", e.len);
	expect_same(&d, s, n, "html_textn");

	char *c = fuzz_strndup((const uint8_t *)s, n);
	size_t clen = strlen(c);
	buf t = BUF_INIT, p = BUF_INIT;
	html_text(&t, c);
	html_printf(&p, "%s", c);
	FUZZ_CHECK(t.len == p.len && (t.len == 0 || memcmp(t.data, p.data, t.len) == 0), "%%s differs from html_text");
	buf_reset(&d);
	unescape(&d, t.data ? t.data : "", t.len);
	expect_same(&d, c, clen, "html_text");

	/* Precision: a prefix, never splitting a character. */
	buf_reset(&p);
	buf_reset(&d);
	html_printf(&p, "[%.*s]", prec, c);
	unescape(&d, p.data ? p.data : "", p.len);
	FUZZ_CHECK(d.len >= 2 && d.data[0] == '[' && d.data[d.len - 1] == ']', "brackets lost");
	size_t got = d.len - 2;
	FUZZ_CHECK(got <= (size_t)prec && got <= clen && memcmp(d.data + 1, c, got) == 0, "%%.%ds is not a prefix", prec);
	if (utf8_valid(c, clen))
		FUZZ_CHECK(utf8_valid(d.data + 1, got), "%%.%ds splits a character", prec);
	if (clen <= (size_t)prec)
		FUZZ_CHECK(got == clen, "%%.%ds cut a string of %zu bytes", prec, clen);

	/* Width: right- and left-justified. */
	for (int left = 0; left < 2; left++) {
		buf_reset(&p);
		buf_reset(&d);
		if (left)
			html_printf(&p, "%-*s|", width, c);
		else
			html_printf(&p, "%*s|", width, c);
		unescape(&d, p.data ? p.data : "", p.len);
		size_t pad = (size_t)width > clen ? (size_t)width - clen : 0;
		FUZZ_CHECK(d.len == clen + pad + 1 && d.data[d.len - 1] == '|', "%%%s%ds: %zu bytes for %zu", left ? "-" : "",
			   width, d.len, clen + pad + 1);
		const char *text = d.data + (left ? 0 : pad), *spaces = d.data + (left ? clen : 0);
		FUZZ_CHECK(memcmp(text, c, clen) == 0, "%%*s changed the text");
		for (size_t i = 0; i < pad; i++)
			FUZZ_CHECK(spaces[i] == ' ', "%%*s pads with '%c'", spaces[i]);
	}

	buf_free(&e);
	buf_free(&d);
	buf_free(&t);
	buf_free(&p);
	free(c);
	return 0;
}
