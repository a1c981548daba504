/* answer_json.h - the JSON documents in an answer, found as assets/answer.js finds
 * them: each code block whose text starts (after white space) with { or [ and parses
 * as JSON, in order; when no block does, the whole answer if it is such a document.
 * The conversation page offers each in the JSON viewer, which then loads it from
 * the answer (docs/json-viewer.md), with or without JavaScript. */
#ifndef LLMMETA_ANSWER_JSON_H
#define LLMMETA_ANSWER_JSON_H

#include "../core/buf.h"

/* With k < 0: how many JSON documents content holds (at most ANSWER_JSON_MAX).
 * With k >= 0: appends the k-th (from 0) to out and returns 1, or returns 0 when
 * there are not that many. -1 when the Markdown parser failed or memory ran out. */
#define ANSWER_JSON_MAX 20
int answer_json(const char *content, int k, buf *out);

#endif
