/* multipart.h - a streaming multipart/form-data parser (RFC 7578, RFC 2046), fed
 * the body as it arrives. Each part is announced with its name, file name and type,
 * then its bytes, then its end; nothing is buffered beyond a part's headers and the
 * few bytes that might begin a boundary. File names are decoded from filename*
 * (RFC 5987: UTF-8 or ISO-8859-1, percent-encoded; it wins) or filename (quoted or
 * bare), and must be valid UTF-8 without control characters. Anything malformed - no
 * boundary, a part without form-data or a name, a name that cannot be read, a body
 * cut short - stops the parse with a reason: no part is ever dropped in silence. */
#ifndef LLMMETA_MULTIPART_H
#define LLMMETA_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/buf.h"

struct multipart_cb {
	/* A part begins: filename is NULL for a plain field, "" for a file input left
	 * empty. Return 0 to go on, -1 to stop (the reason in *why, static text). */
	int (*begin)(void *ctx, const char *name, const char *filename, const char *content_type, const char **why);
	int (*data)(void *ctx, const char *bytes, size_t len, const char **why);
	int (*end)(void *ctx, const char **why);
};

struct multipart {
	struct multipart_cb cb;
	void *ctx;
	char delim[80]; /* "\r\n--" and the boundary */
	size_t dlen;
	int state;
	buf hold; /* bytes not yet decided */
	char error[160];
};

/* Starts a parse for the Content-Type header's boundary. 0, or -1 with the reason
 * in m->error. */
int multipart_init(struct multipart *m, const char *content_type, const struct multipart_cb *cb, void *ctx);
/* 0, or -1 with the reason in m->error (the parse is over). */
int multipart_feed(struct multipart *m, const char *data, size_t len);
/* The body is complete: 0 when it ended with its closing boundary, else -1. */
int multipart_finish(struct multipart *m);
void multipart_free(struct multipart *m);

/* Decodes an RFC 5987 ext-value ("UTF-8''na%C3%AFve.txt") into out as UTF-8. 0 or -1. */
int multipart_ext_value(const char *v, buf *out);

#endif
