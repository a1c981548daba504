/* ask.c - /ask/, where a logged-in user puts a question to a model. This first
 * version only greets the user: the form, providers and streaming are the next
 * piece of work (issue "Ask"). */
#include "../html/html.h"
#include "../html/layout.h"
#include "web.h"

void page_ask(http_req *r)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "Ask", "ask");
	html_printf(&b,
		    "<h1>Ask a question</h1>\n"
		    "<p>Signed in as <strong>%s</strong>. Asking models is not available in this version "
		    "yet: no model provider is wired in.</p>\n",
		    r->user.name);
	page_end(&b);
	page_send(r, 200, &b);
}
