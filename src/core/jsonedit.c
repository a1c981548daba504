/* jsonedit.c - one member of a JSON text found, or edited in place, the rest left
 * byte for byte as it was (see jsonedit.h). */
#include "jsonedit.h"

#include <string.h>

#include "jsonw.h"

static bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* The end of the string starting at s[i] == '"', or len + 1 when it does not end. */
static size_t string_end(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len + 1;
}

/* The end of the value starting at s[i] (any type), or len + 1. */
static size_t value_end(const char *s, size_t len, size_t i)
{
	if (i < len && s[i] == '"')
		return string_end(s, len, i);
	int depth = 0;
	for (; i < len; i++) {
		char c = s[i];
		if (c == '"') {
			i = string_end(s, len, i) - 1;
			if (i >= len)
				return len + 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return i;
			if (--depth == 0)
				return i + 1;
		} else if (c == ',' && depth == 0) {
			return i;
		}
	}
	return depth ? len + 1 : len;
}

bool jsonedit_member(const char *s, size_t len, const char *key, size_t *start, size_t *end)
{
	size_t klen = strlen(key), i = 0;
	while (i < len && space(s[i]))
		i++;
	if (i >= len || s[i] != '{')
		return false;
	i++;
	for (;;) {
		while (i < len && (space(s[i]) || s[i] == ','))
			i++;
		if (i >= len || s[i] != '"')
			return false;
		size_t kend = string_end(s, len, i);
		if (kend > len)
			return false;
		bool hit = kend - i - 2 == klen && memcmp(s + i + 1, key, klen) == 0;
		i = kend;
		while (i < len && space(s[i]))
			i++;
		if (i >= len || s[i] != ':')
			return false;
		i++;
		while (i < len && space(s[i]))
			i++;
		size_t vend = value_end(s, len, i);
		if (vend > len || vend == i)
			return false; /* cut short, or no value */
		if (hit) {
			*start = i;
			*end = vend;
			while (*end > *start && space(s[*end - 1]))
				(*end)--;
			return true;
		}
		i = vend;
	}
}

void jsonedit_set_string(buf *out, const char *s, size_t len, const char *key, const char *val)
{
	size_t a, b;
	if (!jsonedit_member(s, len, key, &a, &b)) {
		buf_append(out, s, len);
		return;
	}
	buf_append(out, s, a);
	jsonw_string(out, val, strlen(val));
	buf_append(out, s + b, len - b);
}
