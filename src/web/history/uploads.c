/* uploads.c - /uploads/<id>/: the owner downloads a file they attached, as an
 * attachment with the type it was stored with (one of the few text types the ask
 * form accepts, decided from the extension; anything else goes as
 * application/octet-stream). With the disposition attachment and the global
 * X-Content-Type-Options: nosniff, no browser renders a file as a page. The stored
 * name is only ever a suggestion in Content-Disposition, never a path. */
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../model/conversation.h"
#include "../context.h"
#include "history.h"

/* The Content-Type for a stored type: only the types the ask form stores, as
 * UTF-8 text (the form checked that it is). */
static const char *served_type(const char *stored)
{
	static const char *const types[][2] = {
		{"text/plain", "text/plain; charset=utf-8"},
		{"text/csv", "text/csv; charset=utf-8"},
		{"application/json", "application/json"},
		{"text/markdown", "text/markdown; charset=utf-8"},
	};
	for (size_t i = 0; stored && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(stored, types[i][0]) == 0)
			return types[i][1];
	return "application/octet-stream";
}

void page_upload(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	int64_t id;
	char *name = NULL, *type = NULL;
	buf data = BUF_INIT;
	int rc = parse_int64(r->params[0], 1, INT64_MAX, &id)
			 ? upload_fetch(d, id, visitor(r)->user_id, &name, &type, &data)
			 : 0;
	if (rc <= 0) {
		http_error(r, rc < 0 ? 500 : 404, NULL);
	} else {
		buf cd = BUF_INIT;
		http_disposition(&cd, name);
		if (!cd.oom)
			http_add_header(r, "Content-Disposition", cd.data);
		buf_free(&cd);
		http_add_header(r, "Cache-Control", "private, no-store");
		http_send(r, 200, served_type(type), &data);
	}
	free(name);
	free(type);
	buf_free(&data);
}
