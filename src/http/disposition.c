/* disposition.c - the Content-Disposition of a download (see http.h). */
#include "../core/util.h"
#include "http.h"

void http_disposition(buf *b, const char *name)
{
	buf_puts(b, "attachment; filename=\"");
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;
		buf_putc(b, c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '/' ? '_' : (char)c);
	}
	buf_puts(b, "\"; filename*=UTF-8''");
	url_encode(b, name);
}
