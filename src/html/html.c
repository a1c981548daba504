/* html.c - the escaping writer (see html.h). */
#include "html.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The replacement of each byte that needs one (index into rep), 0 for the rest: the
 * scan looks each byte up once and copies the runs between them whole. */
static const unsigned char special[256] = {['&'] = 1, ['<'] = 2, ['>'] = 3, ['"'] = 4, ['\''] = 5};
static const struct {
	char s[7];
	unsigned char n;
} rep[] = {{"", 0}, {"&amp;", 5}, {"&lt;", 4}, {"&gt;", 4}, {"&quot;", 6}, {"&#39;", 5}};

/* buf_append with the common case (it fits) inline: pages are written in many small
 * pieces, and this is the path every one of them takes. */
static inline void put(buf *b, const char *p, size_t n)
{
	if (b->cap - b->len > n && !b->oom) { /* cap > len whenever data exists */
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
	} else {
		buf_append(b, p, n);
	}
}

/* Whether any byte of the word w is c (the classic "has a zero byte" test on w ^ c):
 * lets the scan skip eight plain bytes at a time. */
#define ONES 0x0101010101010101ULL
static inline bool has_byte(uint64_t w, unsigned char c)
{
	uint64_t x = w ^ (ONES * c);
	return ((x - ONES) & ~x & (ONES << 7)) != 0;
}

static inline bool has_special(const unsigned char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof w);
	return has_byte(w, '&') | has_byte(w, '<') | has_byte(w, '>') | has_byte(w, '"') | has_byte(w, '\'');
}

void html_textn(buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	/* Most text has nothing to escape: room for it once, up front. */
	buf_reserve(b, n);
	while (p < end) {
		const unsigned char *run = p;
		while (end - p >= 8 && !has_special(p))
			p += 8;
		while (p < end && !special[*p])
			p++;
		put(b, (const char *)run, (size_t)(p - run));
		if (p == end)
			break;
		put(b, rep[special[*p]].s, rep[special[*p]].n);
		p++;
	}
}

void html_text(buf *b, const char *s)
{
	if (s)
		html_textn(b, s, strlen(s));
}

void html_rawn(buf *b, const char *markup, size_t n)
{
	put(b, markup, n);
}

/* Writes v in decimal, with a '-' when neg: the digits are generated backwards into
 * a buffer long enough for any 64-bit value. */
static void put_u64(buf *b, unsigned long long v, bool neg)
{
	char d[24];
	char *p = d + sizeof d;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	if (neg)
		*--p = '-';
	put(b, p, (size_t)(d + sizeof d - p));
}

void html_int(buf *b, long long v)
{
	/* -(v + 1) + 1 avoids overflowing on LLONG_MIN. */
	put_u64(b, v < 0 ? (unsigned long long)-(v + 1) + 1 : (unsigned long long)v, v < 0);
}

/* Text with printf's width and precision applied before escaping: precision caps
 * the bytes taken (never splitting a UTF-8 character), width pads with spaces. */
static void padded_text(buf *b, const char *s, const char *flags, int width, int prec)
{
	if (!s)
		s = ""; /* NULL is written as nothing, as html_text writes it */
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

/* Reads digits or a '*' argument into *out; false (and *out untouched) when there is
 * neither. Digits beyond what a width can mean are read but saturate. */
static bool number_or_star(const char **p, va_list *ap, int *out)
{
	if (**p == '*') {
		(*p)++;
		*out = va_arg(*ap, int);
		return true;
	}
	if (!isdigit((unsigned char)**p))
		return false;
	int n = 0;
	for (; isdigit((unsigned char)**p); (*p)++)
		if (n < 100000)
			n = n * 10 + (**p - '0');
	*out = n;
	return true;
}

/* %g of v when v is a short decimal, 0 <= v < 1000 with at most two decimals (a
 * temperature, a top_p): the integer part, then the decimals without trailing
 * zeros, which is what %g's six significant digits give for these. Returns false,
 * having written nothing, for any other value. */
static bool short_decimal(buf *b, double v)
{
	if (!(v >= 0 && v < 1000) || signbit(v))
		return false; /* NaN, and -0 which %g writes "-0" */
	double hundredths = v * 100;
	long long k = (long long)(hundredths + 0.5);
	/* Off by no more than the double nearest k/100 can be (and 0 only when exactly):
	 * far below what %g's sixth significant digit would show. */
	if (k == 0 ? v != 0 : fabs(hundredths - (double)k) > 1e-9 * hundredths)
		return false;
	put_u64(b, (unsigned long long)(k / 100), false);
	int frac = (int)(k % 100);
	if (frac) {
		char d[3] = {'.', (char)('0' + frac / 10), (char)('0' + frac % 10)};
		put(b, d, frac % 10 ? 3 : 2);
	}
	return true;
}

/* The conversions pages use most, without flags, width or precision: %s %c %%, the
 * decimal integers (%d %i %u with no length, l, ll, z, j or t) and short %g. Writes
 * the one at *p (just after the '%'), moves *p to its last character and returns
 * true; returns false, having read nothing, for anything else, which the general
 * path formats. */
static bool fast_conversion(buf *b, const char **p, va_list *ap)
{
	const char *q = *p;
	char len = 0; /* 0, 'l' (long), 'L' (long long), 'z', 'j', 't' */
	if (*q == 'l')
		len = q[1] == 'l' ? (q += 2, 'L') : (q++, 'l');
	else if (*q == 'z' || *q == 'j' || *q == 't')
		len = *q++;
	switch (*q) {
	case '%':
		if (len)
			return false;
		put(b, "%", 1);
		break;
	case 's':
		if (len)
			return false;
		html_text(b, va_arg(*ap, const char *));
		break;
	case 'c': {
		if (len)
			return false;
		char c = (char)va_arg(*ap, int);
		html_textn(b, &c, c != '\0'); /* a NUL is dropped, as the general path does */
		break;
	}
	case 'd':
	case 'i': {
		long long v;
		switch (len) {
		case 'l': v = va_arg(*ap, long); break;
		case 'L': v = va_arg(*ap, long long); break;
		case 'z': v = va_arg(*ap, ptrdiff_t); break; /* the signed size_t */
		case 'j': v = va_arg(*ap, intmax_t); break;
		case 't': v = va_arg(*ap, ptrdiff_t); break;
		default: v = va_arg(*ap, int); break;
		}
		html_int(b, v);
		break;
	}
	case 'u': {
		unsigned long long v;
		switch (len) {
		case 'l': v = va_arg(*ap, unsigned long); break;
		case 'L': v = va_arg(*ap, unsigned long long); break;
		case 'z': v = va_arg(*ap, size_t); break;
		case 'j': v = va_arg(*ap, uintmax_t); break;
		case 't': v = (unsigned long long)va_arg(*ap, ptrdiff_t); break;
		default: v = va_arg(*ap, unsigned); break;
		}
		put_u64(b, v, false);
		break;
	}
	case 'g': {
		if (len)
			return false;
		va_list peek; /* read again by the general path when not a short decimal */
		va_copy(peek, *ap);
		double v = va_arg(peek, double);
		va_end(peek);
		if (!short_decimal(b, v))
			return false;
		(void)va_arg(*ap, double);
		break;
	}
	default: return false;
	}
	*p = q;
	return true;
}

void html_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *lit = fmt;
	for (const char *p = strchrnul(fmt, '%'); *p; p = strchrnul(p + 1, '%')) {
		put(b, lit, (size_t)(p - lit));
		p++;
		if (fast_conversion(b, &p, &ap)) {
			lit = p + 1;
			continue;
		}
		char flags[8] = "", len[3] = "";
		size_t nf = 0, nl = 0;
		while (*p && strchr("-+ #0", *p) && nf < sizeof flags - 1)
			flags[nf++] = *p++;
		/* As printf: a negative '*' width is the '-' flag and its absolute value
		 * (so -1 is a left-justified width of 1); a negative '*' precision is as if
		 * there were none; a '.' without digits is a precision of 0. -1 below stands
		 * for "none". */
		int width = -1;
		if (number_or_star(&p, &ap, &width) && width < 0) {
			width = width == INT_MIN ? INT_MAX : -width;
			if (nf < sizeof flags - 1)
				flags[nf++] = '-';
		}
		int prec = -1;
		if (*p == '.') {
			p++;
			if (!number_or_star(&p, &ap, &prec))
				prec = 0;
			else if (prec < 0)
				prec = -1;
		}
		while (*p && strchr("hlLzjt", *p) && nl < 2)
			len[nl++] = *p++;
		if (!*p) {
			lit = p;
			break;
		}
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
	html_raw(b, lit);
	va_end(ap);
}
