/* uploads.c - /uploads/<id>/: the owner downloads a file they attached. Always as
 * an attachment of type application/octet-stream, so a file that holds HTML is
 * never rendered by the browser; the stored name is only ever a suggestion in
 * Content-Disposition, never a path. */
#include <stdlib.h>

#include "../core/util.h"
#include "../model/conversation.h"
#include "web.h"

/* filename="ascii fallback"; filename*=UTF-8''percent-encoded (RFC 6266). */
static void disposition(buf *b, const char *name)
{
	buf_puts(b, "attachment; filename=\"");
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		buf_putc(b, c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '/' ? '_' : (char)c);
	}
	buf_puts(b, "\"; filename*=UTF-8''");
	url_encode(b, name);
}

void page_upload(http_req *r)
{
	db *d = app_db(r);
	if (!d)
		return;
	int64_t id;
	char *name = NULL, *type = NULL;
	buf data = BUF_INIT;
	int rc = parse_int64(r->params[0], 1, INT64_MAX, &id) ? upload_fetch(d, id, r->user.id, &name, &type, &data) : 0;
	if (rc <= 0) {
		http_error(r, rc < 0 ? 500 : 404, NULL);
	} else {
		buf cd = BUF_INIT;
		disposition(&cd, name);
		if (!cd.oom)
			http_add_header(r, "Content-Disposition", cd.data);
		buf_free(&cd);
		http_add_header(r, "Cache-Control", "private, no-store");
		http_send(r, 200, "application/octet-stream", &data);
	}
	free(name);
	free(type);
	buf_free(&data);
}
