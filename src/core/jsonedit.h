/* jsonedit.h - one member of a JSON object's text read or edited in place, the rest
 * left byte for byte as it was: the API rewrites only "model" in what passes between
 * a client and an OpenAI-compatible provider, so numbers, key order and spacing
 * arrive as they were sent (a parse and a dump would rewrite every number and
 * escape: 0.1 as 0.10000000000000001). The text must be valid JSON (parsed once
 * already, by whoever checked it). */
#ifndef LLMMETA_JSONEDIT_H
#define LLMMETA_JSONEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* The span [*start, *end) of the value of the top-level member key of the JSON
 * object text s; false when there is none (or s is not an object). */
bool jsonedit_member(const char *s, size_t len, const char *key, size_t *start, size_t *end);
/* Appends s to out with the top-level member key's value replaced by the string
 * val (s as it is when it has no such member). */
void jsonedit_set_string(buf *out, const char *s, size_t len, const char *key, const char *val);

#endif
