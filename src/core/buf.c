/* buf.c - growable byte buffers (see buf.h). */
#include "buf.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What every writer relies on: a buffer with data has room for its bytes and the
 * terminating NUL (len < cap); one without has nothing (len and cap 0). The checks
 * that keep writes in bounds (the overflow test below) are real code, not asserts:
 * they stay in the release build. */
static inline void buf_check(const buf *b)
{
	assert(b->data ? b->len < b->cap : b->len == 0 && b->cap == 0);
	(void)b;
}

bool buf_reserve(buf *b, size_t extra)
{
	buf_check(b);
	if (b->oom)
		return false;
	if (extra >= (size_t)-1 - b->len) {
		b->oom = true;
		return false;
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
	char *p = realloc(b->data, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	assert(b->len + extra < b->cap);
	return true;
}

void buf_append(buf *b, const void *p, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	buf_check(b);
}

void buf_puts(buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_vprintf(buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char small[256];
	int n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof small) {
		buf_append(b, small, (size_t)n);
		return;
	}
	if (!buf_reserve(b, (size_t)n))
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	buf_check(b);
	assert(b->data[b->len] == '\0');
}

void buf_printf(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_reset(buf *b)
{
	buf_check(b);
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *buf_detach(buf *b, size_t *len)
{
	if (!b->data && !b->oom)
		buf_reserve(b, 0);
	if (b->data)
		b->data[b->len] = '\0';
	char *p = b->oom ? NULL : b->data;
	if (len)
		*len = p ? b->len : 0;
	if (!p)
		free(b->data);
	*b = BUF_INIT;
	return p;
}

void buf_free(buf *b)
{
	free(b->data);
	*b = BUF_INIT;
}
