/* jsonw.c - JSON strings and reals as text (see jsonw.h). */
#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_string(buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	buf_putc(b, '"');
	size_t run = 0; /* bytes copied as they are, appended in one go */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_append(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		case '\b': buf_puts(b, "\\b"); break;
		case '\f': buf_puts(b, "\\f"); break;
		default: {
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			buf_append(b, e, sizeof e);
		}
		}
	}
	buf_append(b, s + run, n - run);
	buf_putc(b, '"');
}

void jsonw_real(buf *b, double v)
{
	char out[40];
	for (int digits = 15; digits <= 17; digits++) {
		snprintf(out, sizeof out, "%.*g", digits, v);
		if (strtod(out, NULL) == v)
			break;
	}
	buf_puts(b, out);
	if (!strpbrk(out, ".eEn")) /* "n": inf and nan have no JSON form; callers pass finite values */
		buf_puts(b, ".0");
}
