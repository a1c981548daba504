/* delete.c - /delete_conversation/<uuid>/: GET shows what would be deleted (the
 * title and the number of messages) with the form that confirms it; POST (with the
 * CSRF token, checked by the app) deletes the conversation, its messages and the
 * files no other message uses, then sends the user to their history. With
 * JavaScript, assets/delete.js asks in a dialog and posts directly. Another user's
 * conversation is 404, like one that does not exist. Also POST
 * /conversation/<uuid>/dismiss/<id>/: a failed attempt taken out of the
 * conversation (docs/history.md). */
#include <stdio.h>
#include <stdlib.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../html/html.h"
#include "../page.h"
#include "../../model/delete.h"
#include "../context.h"
#include "history.h"

static void confirm_page(http_req *r, db *d, const char *uuid)
{
	char *title = NULL;
	int64_t messages = 0;
	int rc = conv_delete_summary(d, uuid, visitor(r)->user_id, &title, &messages);
	if (rc <= 0) {
		http_error(r, rc < 0 ? 500 : 404, NULL);
		return;
	}
	const char *shown = *title ? title : "(untitled)";
	buf b = BUF_INIT;
	page_begin(&b, r, "Delete conversation", "history");
	html_printf(&b,
		    "<h1>Delete this conversation?</h1>\n<p>“<a href=\"/conversation/%s/\">%s</a>” and its %lld "
		    "message%s will be deleted, with the files attached to them. This cannot be undone.</p>\n"
		    "<form method=\"post\" action=\"/delete_conversation/%s/\" class=\"delete-confirm\">\n"
		    "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">\n"
		    "<div class=\"actions\"><button type=\"submit\" class=\"danger\">Delete</button>\n"
		    "<a href=\"/conversation/%s/\">Cancel</a></div>\n</form>\n",
		    uuid, shown, (long long)messages, messages == 1 ? "" : "s", uuid, auth_csrf_token(r), uuid);
	page_end(&b);
	page_send(r, 200, &b);
	free(title);
}

void page_delete_conversation(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	const char *uuid = r->params[0];
	if (r->method != HTTP_POST) {
		confirm_page(r, d, uuid);
		return;
	}
	int rc = conv_delete(d, uuid, visitor(r)->user_id);
	if (rc < 0)
		http_error(r, 500, "The conversation could not be deleted.");
	else if (rc == 0)
		http_error(r, 404, NULL);
	else
		http_redirect(r, 303, "/conversation/?deleted=1");
}

void page_conversation_dismiss(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	int64_t id;
	int rc = parse_int64(r->params[1], 1, INT64_MAX, &id) ? conv_dismiss(d, r->params[0], visitor(r)->user_id, id) : 0;
	if (rc <= 0) {
		http_error(r, rc < 0 ? 500 : 404, rc < 0 ? "The attempt could not be dismissed." : NULL);
		return;
	}
	char to[64];
	snprintf(to, sizeof to, "/conversation/%s/", r->params[0]);
	http_redirect(r, 303, to);
}
