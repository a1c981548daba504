/* markdown.h - renders a model's answer (GitHub-flavoured Markdown) as HTML that is
 * safe to show: raw HTML is shown as text, every character is escaped, links go
 * only to http, https and mailto, and images become links (no third-party fetches). */
#ifndef LLMMETA_MARKDOWN_H
#define LLMMETA_MARKDOWN_H

#include <stddef.h>

#include "../core/buf.h"

/* The version of the HTML this renderer makes. Answers are rendered once, when they
 * are stored, and kept with this number; one kept with another number is rendered
 * again when next shown. So bump it in every change that changes the output of
 * markdown_html (or of the escaping writer it writes through), or old answers keep
 * their old HTML. */
#define MARKDOWN_VERSION 3 /* 2: every HTML5 named character reference; 3: spans always balanced */

/* Appends the HTML for text to b. Returns 0, or -1 when the parser gave up (then
 * the text is appended escaped inside <pre>, so nothing is ever lost). */
int markdown_html(buf *b, const char *text, size_t len);

/* Calls fn with the text of each code block of text (fenced or indented), in order,
 * as it appears inside the block's <pre><code> (what a reader copies); fn returns 0
 * to go on, a positive number to stop. Returns 0, or -1 when the parser gave up or
 * memory ran out. */
int markdown_code_blocks(const char *text, size_t len, int (*fn)(const char *code, size_t n, void *arg), void *arg);

#endif
