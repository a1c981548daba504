/* html.c - the escaping writer (see html.h). */
#include "html.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

/* Text with printf's width and precision applied before escaping: precision caps
 * the bytes taken (never splitting a UTF-8 character), width pads with spaces. */
static void padded_text(buf *b, const char *s, const char *flags, int width, int prec)
{
	size_t n = strlen(s);
	if (prec >= 0 && (size_t)prec < n) {
		n = (size_t)prec;
		while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	size_t pad = width > 0 && (size_t)width > n ? (size_t)width - n : 0;
	bool left = strchr(flags, '-') != NULL;
	for (size_t i = 0; !left && i < pad; i++)
		buf_putc(b, ' ');
	html_textn(b, s, n);
	for (size_t i = 0; left && i < pad; i++)
		buf_putc(b, ' ');
}

/* The format comes from html_printf's own, compiler-checked format string. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* Formats one conversion: spec is "%<flags><width><.prec><length><conv>" with any
 * '*' already replaced by the number it stood for. */
static void one(buf *b, const char *spec, const char *flags, int width, int prec, const char *len, char conv, va_list *ap)
{
	char c[2] = {0};
	switch (conv) {
	case 's': padded_text(b, va_arg(*ap, const char *), flags, width, prec); return;
	case 'c':
		c[0] = (char)va_arg(*ap, int);
		padded_text(b, c, flags, width, prec);
		return;
	case 'f': case 'e': case 'g': case 'F': case 'E': case 'G': case 'a': case 'A':
		if (strcmp(len, "L") == 0)
			buf_printf(b, spec, va_arg(*ap, long double));
		else
			buf_printf(b, spec, va_arg(*ap, double));
		return;
	}
	if (strcmp(len, "ll") == 0)
		buf_printf(b, spec, va_arg(*ap, long long));
	else if (strcmp(len, "l") == 0)
		buf_printf(b, spec, va_arg(*ap, long));
	else if (strcmp(len, "z") == 0)
		buf_printf(b, spec, va_arg(*ap, size_t));
	else if (strcmp(len, "j") == 0)
		buf_printf(b, spec, va_arg(*ap, intmax_t));
	else if (strcmp(len, "t") == 0)
		buf_printf(b, spec, va_arg(*ap, ptrdiff_t));
	else
		buf_printf(b, spec, va_arg(*ap, int)); /* int, and short and char promoted */
}
#pragma GCC diagnostic pop

/* Reads digits or a '*' argument; -1 when absent. */
static int number_or_star(const char **p, va_list *ap)
{
	if (**p == '*') {
		(*p)++;
		return va_arg(*ap, int);
	}
	if (!isdigit((unsigned char)**p))
		return -1;
	int n = 0;
	while (isdigit((unsigned char)**p) && n < 100000)
		n = n * 10 + (*(*p)++ - '0');
	return n;
}

void html_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *lit = fmt;
	for (const char *p = fmt; *p; p++) {
		if (*p != '%')
			continue;
		buf_append(b, lit, (size_t)(p - lit));
		p++;
		if (*p == '%') {
			buf_putc(b, '%');
			lit = p + 1;
			continue;
		}
		char flags[8] = "", len[3] = "";
		size_t nf = 0, nl = 0;
		while (*p && strchr("-+ #0", *p) && nf < sizeof flags - 1)
			flags[nf++] = *p++;
		int width = number_or_star(&p, &ap);
		if (width < -1) { /* a negative '*' width means left-justified */
			width = -width;
			if (nf < sizeof flags - 1)
				flags[nf++] = '-';
		}
		int prec = -1;
		if (*p == '.') {
			p++;
			prec = number_or_star(&p, &ap);
			if (prec < 0)
				prec = 0;
		}
		while (*p && strchr("hlLzjt", *p) && nl < 2)
			len[nl++] = *p++;
		if (!*p)
			break;
		char spec[48];
		int n = snprintf(spec, sizeof spec, "%%%s", flags);
		if (width >= 0)
			n += snprintf(spec + n, sizeof spec - (size_t)n, "%d", width);
		if (prec >= 0)
			n += snprintf(spec + n, sizeof spec - (size_t)n, ".%d", prec);
		snprintf(spec + n, sizeof spec - (size_t)n, "%s%c", len, *p);
		one(b, spec, flags, width, prec, len, *p, &ap);
		lit = p + 1;
	}
	buf_puts(b, lit);
	va_end(ap);
}
