/* rename.c - POST /conversation/<uuid>/rename/: gives a conversation the title its
 * owner typed (the form is on the conversation page). A title is one line of 1 to
 * CONV_TITLE_MAX characters, trimmed; anything else is a 400 that says so. Another
 * user's conversation is 404, like one that does not exist. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../model/conversation.h"
#include "../context.h"
#include "history.h"

/* One line: no control character (a tab, a line break, DEL, ...). */
static bool one_line(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

void page_conversation_rename(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	const char *uuid = r->params[0];
	const char *raw = http_form(r, "title");
	char *title = xstrdup(raw ? raw : "");
	if (!title) {
		http_error(r, 500, NULL);
		return;
	}
	const char *t = str_trim(title);
	size_t chars = utf8_chars(t, strlen(t));
	int rc = 0;
	if (!*t || chars > CONV_TITLE_MAX || !one_line(t)) {
		char why[128];
		snprintf(why, sizeof why, "A title is one line of 1 to %d characters.", CONV_TITLE_MAX);
		http_error(r, 400, why);
	} else if ((rc = conv_rename(d, uuid, visitor(r)->user_id, t)) <= 0) {
		http_error(r, rc < 0 ? 500 : 404, rc < 0 ? "The conversation could not be renamed." : NULL);
	} else {
		char to[64];
		snprintf(to, sizeof to, "/conversation/%s/", uuid);
		http_redirect(r, 303, to);
	}
	free(title);
}
