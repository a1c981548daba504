/* html.h - the escaping writer every page writes through (after cgit's html.c).
 *
 * html_printf is printf in which every %s is HTML-escaped: safe output is the easy
 * path, and the compiler still checks the arguments. Markup that is already HTML
 * (literals, the output of another html_ function) goes through html_raw. */
#ifndef LLMMETA_HTML_H
#define LLMMETA_HTML_H

#include "../core/buf.h"

/* Appends s with & < > " ' escaped: safe in text and in quoted attribute values. */
void html_text(buf *b, const char *s);
void html_textn(buf *b, const char *s, size_t n);
/* Appends trusted markup as it is. */
void html_raw(buf *b, const char *markup);
/* printf with every %s escaped. Supports the usual flags, width, precision and
 * length modifiers for d i u x X o c f e g, %s and %%. */
void html_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
