/* fuzz_html_printf.c - html_printf (src/html/html.c) against the C library's printf:
 * html_printf writes the common conversions itself and hands the rest to vsnprintf
 * with a format it rebuilds, so each path can drift from printf's meaning of a
 * flag, a width, a precision or a '*' argument.
 *
 * The input chooses one conversion of those html_printf accepts (d i u x X o c s f
 * F e E g G a A %), its flags, a width and a precision (absent, digits, or '*' with
 * an argument that may be negative), a length modifier, and the value; the format
 * is "[%<conversion>|%d]" with a sentinel after the value, so a conversion that
 * takes the wrong number of arguments shows too. Only combinations whose meaning the
 * C standard defines are made, and strings and characters hold no byte HTML escapes
 * (nor a NUL), so the property is plain equality: html_printf writes exactly what
 * asprintf does. */
#include "fuzz.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/core/buf.h"
#include "../../src/html/html.h"

/* A conversion, the flags C defines for it, and whether it takes a precision and
 * the integer length modifiers. */
static const struct {
	char conv;
	const char *flags;
	bool prec, int_len, float_len;
} convs[] = {
	{'d', "-+ 0", true, true, false}, {'i', "-+ 0", true, true, false}, {'u', "-0", true, true, false},
	{'x', "-#0", true, true, false},  {'X', "-#0", true, true, false},  {'o', "-#0", true, true, false},
	{'c', "-", false, false, false},  {'s', "-", true, false, false},   {'f', "-+ #0", true, false, true},
	{'F', "-+ #0", true, false, true}, {'e', "-+ #0", true, false, true}, {'E', "-+ #0", true, false, true},
	{'g', "-+ #0", true, false, true}, {'G', "-+ #0", true, false, true}, {'a', "-+ #0", true, false, true},
	{'A', "-+ #0", true, false, true}, {'%', "", false, false, false},
};
static const char *const int_lens[] = {"", "hh", "h", "l", "ll", "z", "j", "t"};

static uint64_t take(const uint8_t **d, size_t *n, size_t bytes)
{
	uint64_t v = 0;
	for (size_t i = 0; i < bytes && *n; i++, (*d)++, (*n)--)
		v |= (uint64_t)**d << (8 * i);
	return v;
}

/* A width or precision in -300..300 (only a '*' one may be negative). */
static int small(uint64_t v, bool negative_ok)
{
	int x = (int)(v % 601) - 300;
	return negative_ok ? x : (x < 0 ? -x : x);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

/* Formats with both and compares; nstars '*' arguments come before the value. */
#define BOTH(...)                                                                                                      \
	do {                                                                                                           \
		buf h = BUF_INIT;                                                                                      \
		html_printf(&h, fmt, __VA_ARGS__);                                                                     \
		char *ref = NULL;                                                                                      \
		int rn = asprintf(&ref, fmt, __VA_ARGS__);                                                             \
		FUZZ_CHECK(rn >= 0 && !h.oom, "out of memory");                                                        \
		FUZZ_CHECK(h.len == (size_t)rn && memcmp(h.data, ref, h.len) == 0,                                     \
			   "format \"%s\" (stars %d %d): html_printf wrote \"%.*s\", printf \"%s\"", fmt, s1, s2,       \
			   (int)h.len, h.data ? h.data : "", ref);                                                    \
		free(ref);                                                                                             \
		buf_free(&h);                                                                                          \
	} while (0)
#define WITH(v)                                                                                                        \
	do {                                                                                                           \
		if (nstars == 0)                                                                                       \
			BOTH(v, 12345);                                                                                \
		else if (nstars == 1)                                                                                  \
			BOTH(s1, v, 12345);                                                                            \
		else                                                                                                   \
			BOTH(s1, s2, v, 12345);                                                                        \
	} while (0)

#define SIGNED_OR_NOT(u, i)                                                                                            \
	do {                                                                                                           \
		if (is_unsigned)                                                                                       \
			WITH(u);                                                                                       \
		else                                                                                                   \
			WITH(i);                                                                                       \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *d = data;
	size_t n = size;
	size_t ci = (size_t)take(&d, &n, 1) % (sizeof convs / sizeof convs[0]);
	unsigned flag_bits = (unsigned)take(&d, &n, 1);
	unsigned modes = (unsigned)take(&d, &n, 1);
	uint64_t wv = take(&d, &n, 2), pv = take(&d, &n, 2);
	unsigned li = (unsigned)take(&d, &n, 1);
	char conv = convs[ci].conv;

	char fmt[64];
	size_t f = 0;
	fmt[f++] = '[';
	fmt[f++] = '%';
	int nstars = 0, s1 = 0, s2 = 0;
	if (conv != '%') {
		for (size_t i = 0; convs[ci].flags[i]; i++)
			if (flag_bits & (1u << i))
				fmt[f++] = convs[ci].flags[i];
		switch (modes % 3) { /* width: none, digits, '*' */
		case 1: f += (size_t)snprintf(fmt + f, sizeof fmt - f, "%d", small(wv, false)); break;
		case 2:
			fmt[f++] = '*';
			s1 = small(wv, true);
			nstars++;
			break;
		}
		switch (convs[ci].prec ? modes / 3 % 3 : 0) { /* precision: none, digits, '*' */
		case 1: f += (size_t)snprintf(fmt + f, sizeof fmt - f, ".%d", small(pv, false)); break;
		case 2:
			fmt[f++] = '.';
			fmt[f++] = '*';
			*(nstars ? &s2 : &s1) = small(pv, true);
			nstars++;
			break;
		}
	}
	const char *len = "";
	if (convs[ci].int_len)
		len = int_lens[li % (sizeof int_lens / sizeof int_lens[0])];
	else if (convs[ci].float_len && li & 1)
		len = "L";
	f += (size_t)snprintf(fmt + f, sizeof fmt - f, "%s%c|%%d]", len, conv);

	uint64_t raw = take(&d, &n, 8);
	bool is_unsigned = strchr("uxXo", conv) != NULL;
	switch (conv) {
	case '%': BOTH(12345, 0); break; /* no argument: the sentinel is the first */
	case 'c': {
		char c = (char)(0x20 + raw % 95); /* printable ASCII */
		if (strchr("&<>\"'", c))
			c = '.';
		WITH((int)c);
		break;
	}
	case 's': {
		/* The rest of the input, as printable ASCII that HTML leaves as it is. */
		char *s = malloc(n + 1);
		if (!s)
			abort();
		for (size_t i = 0; i < n; i++) {
			s[i] = (char)(0x20 + d[i] % 95);
			if (strchr("&<>\"'", s[i]))
				s[i] = '.';
		}
		s[n] = '\0';
		WITH((const char *)s);
		free(s);
		break;
	}
	case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
		if (!strcmp(len, "l"))
			SIGNED_OR_NOT((unsigned long)raw, (long)raw);
		else if (!strcmp(len, "ll"))
			SIGNED_OR_NOT((unsigned long long)raw, (long long)raw);
		else if (!strcmp(len, "z"))
			SIGNED_OR_NOT((size_t)raw, (ptrdiff_t)raw);
		else if (!strcmp(len, "j"))
			SIGNED_OR_NOT((uintmax_t)raw, (intmax_t)raw);
		else if (!strcmp(len, "t"))
			WITH((ptrdiff_t)raw);
		else
			SIGNED_OR_NOT((unsigned)raw, (int)raw);
		break;
	default: { /* the floating conversions, on any bit pattern (NaN, infinities too) */
		double v;
		memcpy(&v, &raw, sizeof v);
		if (*len)
			WITH((long double)v);
		else
			WITH(v);
		break;
	}
	}
	return 0;
}
#pragma GCC diagnostic pop
