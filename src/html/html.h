/* html.h - the escaping writer every page writes through (after cgit's html.c).
 *
 * html_printf is printf in which every %s is HTML-escaped: safe output is the easy
 * path, and the compiler still checks the arguments. Markup that is already HTML
 * (literals, the output of another html_ function) goes through html_raw.
 *
 * Pages are large and written in many small pieces, so this is on the hot path of
 * every page: escaping copies the runs between special bytes, and html_printf writes
 * its literals, %s, %c, decimal integers and the %g of short decimals (0.7, 12.25)
 * itself, leaving only the rarer conversions (other floats, hex, width and
 * precision) to the C library. */
#ifndef LLMMETA_HTML_H
#define LLMMETA_HTML_H

#include <string.h>

#include "../core/buf.h"

/* Appends s with & < > " ' escaped: safe in text and in quoted attribute values.
 * A NULL s appends nothing. */
void html_text(buf *b, const char *s);
void html_textn(buf *b, const char *s, size_t n);
/* Appends trusted markup as it is. Inline so that a literal's length is known when
 * compiling: pages are mostly literals. */
void html_rawn(buf *b, const char *markup, size_t n);
static inline void html_raw(buf *b, const char *markup)
{
	html_rawn(b, markup, strlen(markup));
}
/* Appends v in decimal (what "%lld" gives). */
void html_int(buf *b, long long v);
/* printf with every %s escaped. Supports the usual flags, width, precision and
 * length modifiers for d i u x X o c f F e E g G a A, %s and %%, with printf's
 * meaning ('*' included: a negative '*' width is left-justified, a negative '*'
 * precision is none), except two: a precision never splits a UTF-8 character, and
 * a NULL %s is the empty string (padded to its width) in every form, where printf's
 * behaviour is undefined. */
void html_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
