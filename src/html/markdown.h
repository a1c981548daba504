/* markdown.h - renders a model's answer (GitHub-flavoured Markdown) as HTML that is
 * safe to show: raw HTML is shown as text, every character is escaped, links go
 * only to http, https and mailto, and images become links (no third-party fetches). */
#ifndef LLMMETA_MARKDOWN_H
#define LLMMETA_MARKDOWN_H

#include <stddef.h>

#include "../core/buf.h"

/* Appends the HTML for text to b. Returns 0, or -1 when the parser gave up (then
 * the text is appended escaped inside <pre>, so nothing is ever lost). */
int markdown_html(buf *b, const char *text, size_t len);

#endif
