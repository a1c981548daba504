/* sse.c - the event-stream parser (see sse.h). */
#include "sse.h"

#include <string.h>

void sse_init(struct sse *p, size_t max, sse_event_fn fn, void *ctx)
{
	memset(p, 0, sizeof *p);
	p->max = max;
	p->fn = fn;
	p->ctx = ctx;
}

void sse_free(struct sse *p)
{
	buf_free(&p->line);
	buf_free(&p->event);
	buf_free(&p->data);
}

static int dispatch(struct sse *p)
{
	int rc = 0;
	if (p->has_data)
		rc = p->fn(p->ctx, p->event.len ? p->event.data : "message", p->data.data ? p->data.data : "",
			   p->data.len);
	buf_reset(&p->event);
	buf_reset(&p->data);
	p->has_data = false;
	return rc ? -1 : 0;
}

static int field(struct sse *p, const char *line, size_t len)
{
	if (len == 0)
		return dispatch(p);
	if (line[0] == ':')
		return 0; /* a comment: keep-alive */
	const char *colon = memchr(line, ':', len);
	size_t nlen = colon ? (size_t)(colon - line) : len;
	const char *val = colon ? colon + 1 : line + len;
	size_t vlen = len - (size_t)(val - line);
	if (vlen && *val == ' ')
		val++, vlen--;
	if (nlen == 4 && memcmp(line, "data", 4) == 0) {
		if (p->has_data)
			buf_putc(&p->data, '\n');
		buf_append(&p->data, val, vlen);
		p->has_data = true;
		if (p->data.len > p->max)
			return -1;
	} else if (nlen == 5 && memcmp(line, "event", 5) == 0) {
		buf_reset(&p->event);
		buf_append(&p->event, val, vlen);
	}
	return p->data.oom || p->event.oom ? -1 : 0;
}

int sse_feed(struct sse *p, const char *data, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (c != '\n' && c != '\r') {
			p->after_cr = false;
			continue;
		}
		if (c == '\n' && p->after_cr && i == start && p->line.len == 0) {
			/* the LF of a CRLF whose CR ended the previous line */
			p->after_cr = false;
			start = i + 1;
			continue;
		}
		p->after_cr = c == '\r';
		if (p->line.len + (i - start) > p->max)
			return -1; /* the same limit however the bytes were split */
		buf_append(&p->line, data + start, i - start);
		if (p->line.oom)
			return -1;
		int rc = field(p, p->line.data ? p->line.data : "", p->line.len);
		buf_reset(&p->line);
		start = i + 1;
		if (rc < 0)
			return -1;
	}
	buf_append(&p->line, data + start, len - start);
	if (len > start)
		p->after_cr = false;
	return p->line.oom || p->line.len > p->max ? -1 : 0;
}

void sse_put_event(buf *to, const char *data, size_t len)
{
	for (;;) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		if (n && data[n - 1] == '\r')
			n--;
		buf_puts(to, "data: ");
		for (size_t i = 0; i < n; i++)
			buf_putc(to, data[i] == '\r' ? ' ' : data[i]);
		buf_putc(to, '\n');
		if (!nl)
			break;
		len -= (size_t)(nl - data) + 1;
		data = nl + 1;
	}
	buf_putc(to, '\n');
}
