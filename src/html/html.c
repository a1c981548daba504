/* html.c - the escaping writer (see html.h). */
#include "html.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void html_textn(buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_append(b, s + start, i - start);
		buf_puts(b, rep);
		start = i + 1;
	}
	buf_append(b, s + start, n - start);
}

void html_text(buf *b, const char *s)
{
	if (s)
		html_textn(b, s, strlen(s));
}

void html_raw(buf *b, const char *markup)
{
	buf_puts(b, markup);
}

/* The format comes from html_printf's own, compiler-checked format string. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* Formats one conversion (spec is "%...X", NUL-terminated) from ap. */
static void one(buf *b, const char *spec, char conv, const char *len, va_list *ap)
{
	char tmp[128];
	switch (conv) {
	case 's':
		html_text(b, va_arg(*ap, const char *));
		return;
	case 'c':
		snprintf(tmp, sizeof tmp, "%c", va_arg(*ap, int));
		html_text(b, tmp);
		return;
	case 'f': case 'e': case 'g': case 'F': case 'E': case 'G':
		snprintf(tmp, sizeof tmp, spec, va_arg(*ap, double));
		break;
	default: /* integers */
		if (strcmp(len, "ll") == 0)
			snprintf(tmp, sizeof tmp, spec, va_arg(*ap, long long));
		else if (strcmp(len, "l") == 0)
			snprintf(tmp, sizeof tmp, spec, va_arg(*ap, long));
		else if (strcmp(len, "z") == 0)
			snprintf(tmp, sizeof tmp, spec, va_arg(*ap, size_t));
		else
			snprintf(tmp, sizeof tmp, spec, va_arg(*ap, int));
		break;
	}
	buf_puts(b, tmp);
}
#pragma GCC diagnostic pop

void html_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *lit = fmt;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		buf_append(b, lit, (size_t)(p - lit));
		if (p[1] == '%') {
			buf_putc(b, '%');
			lit = ++p + 1;
			continue;
		}
		char spec[32], len[3] = "";
		size_t n = 0;
		spec[n++] = *p++;
		while (*p && strchr("-+ #0123456789.", *p) && n < 20)
			spec[n++] = *p++;
		size_t ln = 0;
		while (*p && strchr("hlzjt", *p) && ln < 2) {
			len[ln++] = *p;
			spec[n++] = *p++;
		}
		len[ln] = '\0';
		spec[n++] = *p;
		spec[n] = '\0';
		one(b, spec, *p, len, &ap);
		lit = p + 1;
	}
	buf_puts(b, lit);
	va_end(ap);
}
