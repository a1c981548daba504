/* sse.h - an incremental parser for server-sent events (the WHATWG text/event-stream
 * format), as both OpenAI and Anthropic stream their answers.
 *
 * Feed it bytes as they arrive, split anywhere; it calls back once per complete
 * event with its type ("message" when none was given) and data (multi-line data
 * joined with '\n'). Comments (": keep-alive") and unknown fields are skipped; CR,
 * LF and CRLF all end lines, even when CR and LF arrive in different chunks. */
#ifndef LLMMETA_SSE_H
#define LLMMETA_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"

typedef int (*sse_event_fn)(void *ctx, const char *event, const char *data, size_t len);

struct sse {
	buf line;   /* the line being read */
	buf event;  /* the event type of the event being read */
	buf data;   /* its data */
	bool has_data;
	bool after_cr; /* the last byte was CR: a following LF is part of the same break */
	size_t max; /* the largest event accepted */
	sse_event_fn fn;
	void *ctx;
};

/* max: the largest line or event in bytes; beyond it sse_feed fails. */
void sse_init(struct sse *p, size_t max, sse_event_fn fn, void *ctx);
/* Returns 0, or -1 when an event is too large, memory runs out, or fn returned
 * non-zero (which stops parsing). */
int sse_feed(struct sse *p, const char *data, size_t len);
void sse_free(struct sse *p);

/* Writes data[0..len) into to as one event of this format: each of its lines a
 * "data: " line of its own, so that what a provider sent with line breaks cannot
 * become events, comments or fields of their own in a client's stream. A CR that
 * ends a line (CRLF) is dropped; any other CR, which would end a line for a
 * parser, becomes a space. */
void sse_put_event(buf *to, const char *data, size_t len);

#endif
