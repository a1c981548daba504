/* buf.h - growable byte buffers, the one way this program builds strings.
 *
 * A buf is always NUL-terminated once anything has been appended, so b.data can be
 * passed where a C string is wanted. Appends report allocation failure through
 * b.oom, checked once at the end (like ferror) instead of after every call: a
 * buffer that failed to grow keeps what it had and ignores further appends. */
#ifndef LLMMETA_BUF_H
#define LLMMETA_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct buf {
	char *data;
	size_t len;
	size_t cap;
	bool oom;
} buf;

#define BUF_INIT ((buf){0})

bool buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *p, size_t n);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_reset(buf *b);
/* Hands the data over to the caller (who frees it) and leaves b empty. Never NULL
 * unless allocation failed. */
char *buf_detach(buf *b, size_t *len);
void buf_free(buf *b);

#endif
