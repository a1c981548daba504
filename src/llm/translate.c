/* translate.c - the refusal and the member reading the translations share
 * (translate.h). */
#include "translate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/util.h"

void *llm_refuse_at(struct llm_refusal *q, const char *msg, const char *pathfmt, ...)
{
	if (q->failed)
		return NULL;
	q->failed = true;
	va_list ap;
	va_start(ap, pathfmt);
	if (q->paramlen) {
		int n = vsnprintf(q->param, q->paramlen, pathfmt, ap);
		/* A path cut short (a very long key) must not end inside a UTF-8
		 * character: the caller puts it in a JSON string. */
		if (n > 0 && (size_t)n >= q->paramlen)
			q->param[utf8_cut(q->param, (size_t)n, q->paramlen - 1)] = '\0';
	}
	va_end(ap);
	if (q->errlen)
		snprintf(q->err, q->errlen, "%s", msg);
	return NULL;
}

json_t *llm_get(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_null(v) ? NULL : v;
}

const char *llm_unknown_key(const json_t *o, const char *const *allowed)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		if (json_is_null(v))
			continue;
		size_t i = 0;
		while (allowed[i] && strcmp(allowed[i], k) != 0)
			i++;
		if (!allowed[i])
			return k;
	}
	return NULL;
}
