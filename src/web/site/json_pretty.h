/* json_pretty.h - the JSON viewer's 4-space indentation, written piece by piece from
 * the document's text instead of from its parsed tree, so that a streamed page holds
 * only the text and its place in it. The text must be valid JSON (checked first by
 * jansson); each value is written as jansson's own writer would (numbers and strings
 * through jansson and core/jsonw), so the result is that of pretty-printing the tree,
 * except that a key repeated in one object is shown each time. */
#ifndef LLMMETA_JSON_PRETTY_H
#define LLMMETA_JSON_PRETTY_H

#include <stdbool.h>
#include <stddef.h>

#include "../../core/buf.h"

struct json_pretty {
	const char *s;
	size_t len, pos;
	int depth;
};

/* Appends the next pieces of the indented text to b until b holds at least `want`
 * bytes or the text ends. Returns false once the text has ended (b may have got its
 * last piece). */
bool json_pretty_step(struct json_pretty *p, buf *b, size_t want);
/* The length of the indented text, or (size_t)-1 once it passes cap. */
size_t json_pretty_length(const char *s, size_t len, size_t cap);

#endif
