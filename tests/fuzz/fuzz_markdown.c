/* fuzz_markdown.c - the Markdown renderer (src/html/markdown.c) on a model's answer,
 * which is outside input: a model can be told to write anything.
 *
 * Checks the output with a small scanner: every '<' opens or closes an element of
 * the set markdown.c writes, with only that element's attributes, each attribute
 * value quoted and free of '<' and '"', a link's href only http:, https: or mailto:,
 * a class only one of the renderer's; tags balance; no '>' outside a tag; every '&'
 * starts an entity; valid UTF-8 in, valid UTF-8 out; and what was in the buffer
 * before is kept (also when the parser gives up and the text goes out in <pre>). */
#include "fuzz.h"

#include <ctype.h>
#include <stdbool.h>
#include <strings.h>

#include "../../src/core/buf.h"
#include "../../src/core/util.h"
#include "../../src/html/markdown.h"

/* The elements markdown.c writes, with the attributes each may carry. */
static const struct {
	const char *name;
	const char *attrs; /* space-separated, with spaces around */
	bool is_void;
} allowed[] = {
	{"p", " ", false},         {"h1", " ", false},        {"h2", " ", false},
	{"h3", " ", false},        {"h4", " ", false},        {"h5", " ", false},
	{"h6", " ", false},        {"blockquote", " ", false}, {"ul", " ", false},
	{"ol", " start ", false},  {"li", " class ", false},  {"input", " type checked disabled ", true},
	{"hr", " ", true},         {"br", " ", true},         {"pre", " class ", false},
	{"code", " class ", false}, {"div", " class ", false}, {"table", " ", false},
	{"thead", " ", false},     {"tbody", " ", false},     {"tr", " ", false},
	{"th", " ", false},        {"td", " ", false},        {"a", " href rel ", false},
	{"em", " ", false},        {"strong", " ", false},    {"del", " ", false},
	{"u", " ", false},
};
#define NALLOWED (sizeof allowed / sizeof allowed[0])

static int element(const char *s, size_t n)
{
	for (size_t i = 0; i < NALLOWED; i++)
		if (strlen(allowed[i].name) == n && memcmp(allowed[i].name, s, n) == 0)
			return (int)i;
	return -1;
}

static bool attr_allowed(int el, const char *s, size_t n)
{
	char key[40];
	if (n + 3 > sizeof key)
		return false;
	snprintf(key, sizeof key, " %.*s ", (int)n, s);
	return strstr(allowed[el].attrs, key) != NULL;
}

/* The value v (n bytes, still escaped) is one the renderer may give attribute a. */
static void check_value(const char *tag, const char *a, size_t an, const char *v, size_t n)
{
	char name[16];
	snprintf(name, sizeof name, "%.*s", (int)an, a);
	FUZZ_CHECK(!memchr(v, '<', n), "<%s %s> value holds '<'", tag, name);
	if (strcmp(name, "href") == 0)
		FUZZ_CHECK((n >= 7 && strncasecmp(v, "http://", 7) == 0) || (n >= 8 && strncasecmp(v, "https://", 8) == 0) ||
				   (n >= 7 && strncasecmp(v, "mailto:", 7) == 0),
			   "href \"%.*s\"", (int)n, v);
	else if (strcmp(name, "rel") == 0)
		FUZZ_CHECK(n == 28 && memcmp(v, "nofollow noopener noreferrer", 28) == 0, "rel \"%.*s\"", (int)n, v);
	else if (strcmp(name, "type") == 0)
		FUZZ_CHECK(n == 8 && memcmp(v, "checkbox", 8) == 0, "type \"%.*s\"", (int)n, v);
	else if (strcmp(name, "start") == 0) {
		FUZZ_CHECK(n > 0 && n <= 10, "start \"%.*s\"", (int)n, v);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(isdigit((unsigned char)v[i]), "start \"%.*s\"", (int)n, v);
	} else if (strcmp(name, "class") == 0)
		FUZZ_CHECK((n == 4 && memcmp(v, "task", 4) == 0) || (n == 4 && memcmp(v, "html", 4) == 0) ||
				   (n == 5 && memcmp(v, "table", 5) == 0) || (n > 9 && memcmp(v, "language-", 9) == 0),
			   "class \"%.*s\"", (int)n, v);
	else
		FUZZ_CHECK(n == 0, "%s has a value", name);
}

/* Parses the tag at s[0] == '<'; returns its length, and its element and whether it
 * closes in *el and *closing. Aborts on anything the renderer must not write. */
static size_t tag(const char *s, size_t n, int *el, bool *closing)
{
	size_t i = 1;
	*closing = i < n && s[i] == '/';
	i += *closing;
	size_t name = i;
	while (i < n && isalnum((unsigned char)s[i]))
		i++;
	*el = element(s + name, i - name);
	FUZZ_CHECK(*el >= 0, "element <%.*s> outside the allowed set", (int)(i - name > 40 ? 40 : i - name), s + name);
	const char *tname = allowed[*el].name;
	while (i < n && s[i] == ' ') {
		i++;
		size_t a = i;
		while (i < n && (isalpha((unsigned char)s[i]) || s[i] == '-'))
			i++;
		FUZZ_CHECK(!*closing, "attributes on </%s>", tname);
		FUZZ_CHECK(attr_allowed(*el, s + a, i - a), "attribute '%.*s' on <%s>", (int)(i - a > 40 ? 40 : i - a), s + a, tname);
		if (i < n && s[i] == '=') {
			FUZZ_CHECK(i + 1 < n && s[i + 1] == '"', "unquoted value in <%s>", tname);
			const char *v = s + i + 2, *end = memchr(v, '"', n - i - 2);
			FUZZ_CHECK(end != NULL, "unterminated value in <%s>", tname);
			check_value(tname, s + a, i - a, v, (size_t)(end - v));
			i = (size_t)(end - s) + 1;
		} else {
			check_value(tname, s + a, i - a, "", 0);
		}
	}
	FUZZ_CHECK(i < n && s[i] == '>', "<%s> not closed by '>'", tname);
	return i + 1;
}

static bool entity_at(const char *s, size_t n)
{
	size_t i = 1;
	if (i < n && s[i] == '#') {
		i++;
		bool hex = i < n && (s[i] == 'x' || s[i] == 'X');
		i += hex;
		size_t d = i;
		while (i < n && (hex ? isxdigit((unsigned char)s[i]) : isdigit((unsigned char)s[i])))
			i++;
		return i > d && i < n && s[i] == ';';
	}
	while (i < n && isalnum((unsigned char)s[i]))
		i++;
	return i > 1 && i < n && s[i] == ';';
}

static void check_html(const char *s, size_t n)
{
	int *stack = malloc((n / 3 + 1) * sizeof *stack); /* a tag takes 3 bytes at least */
	size_t depth = 0;
	for (size_t i = 0; i < n;) {
		if (s[i] == '<') {
			int el;
			bool closing;
			size_t len = tag(s + i, n - i, &el, &closing);
			if (closing) {
				FUZZ_CHECK(depth > 0 && stack[depth - 1] == el, "</%s> closes %s", allowed[el].name,
					   depth ? allowed[stack[depth - 1]].name : "nothing");
				depth--;
			} else if (!allowed[el].is_void) {
				stack[depth++] = el;
			}
			i += len;
			continue;
		}
		FUZZ_CHECK(s[i] != '>', "'>' outside a tag at %zu", i);
		if (s[i] == '&')
			FUZZ_CHECK(entity_at(s + i, n - i), "'&' not starting an entity at %zu: %.12s", i, s + i);
		i++;
	}
	FUZZ_CHECK(depth == 0, "%zu elements left open, the last <%s>", depth, allowed[stack[depth - 1]].name);
	free(stack);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char before[] = "<p>kept</p>";
	buf b = BUF_INIT;
	buf_puts(&b, before);
	int rc = markdown_html(&b, (const char *)data, size);
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	FUZZ_CHECK(!b.oom, "out of memory");
	FUZZ_CHECK(b.len >= sizeof before - 1 && memcmp(b.data, before, sizeof before - 1) == 0, "the buffer's start was lost");
	check_html(b.data, b.len);
	if (utf8_valid((const char *)data, size))
		FUZZ_CHECK(utf8_valid(b.data, b.len), "valid UTF-8 in, invalid out");
	buf_free(&b);
	return 0;
}
