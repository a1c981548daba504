/* translate.h - what the pure translations between the APIs share (Chat Completions
 * <-> Anthropic Messages, Responses -> Chat Completions): the first refusal of a
 * request, with the path of the field refused, and reading members as OpenAI's API
 * does (a member set to null counts as absent). */
#ifndef LLMMETA_TRANSLATE_H
#define LLMMETA_TRANSLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Where a translation writes why it refuses a request: err (one line for the
 * client) and param (the field's path); only the first refusal is kept. */
struct llm_refusal {
	char *err, *param;
	size_t errlen, paramlen;
	bool failed;
};

/* Records the first refusal: the path (a printf format) and the message. Returns NULL
 * so that a caller can write `return llm_refuse_at(...)`. */
__attribute__((format(printf, 3, 4))) void *llm_refuse_at(struct llm_refusal *q, const char *msg, const char *pathfmt,
							   ...);
/* A member that is present and not null. */
json_t *llm_get(const json_t *o, const char *key);
/* The first member of o, not null, whose name is not in allowed (NULL-terminated). */
const char *llm_unknown_key(const json_t *o, const char *const *allowed);

#endif
