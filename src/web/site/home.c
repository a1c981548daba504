/* home.c - the home page: what llmmeta is for and how to start. */
#include "../../auth/auth.h"
#include "../../html/html.h"
#include "../page.h"
#include "site.h"

void page_home(http_req *r)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "Metadata schema builder", "home");
	html_raw(&b,
		 "<h1>Ask language models, keep every answer with its metadata</h1>\n"
		 "<p class=\"lead\">llmmeta puts your questions to large language models and records each "
		 "exchange: the model, the sampling parameters, token counts, timings and the files you "
		 "attached, so that you can compare models on real tasks and analyse the results later.</p>\n"
		 "<h2>A typical task: a metadata schema from a data file</h2>\n"
		 "<ol>\n<li>Upload a data file from a lab machine, a tensile-test CSV for instance.</li>\n"
		 "<li>Ask: <q>Create a non-populated metadata schema for a tensile test using the uploaded raw "
		 "data, following JSON Schema standards.</q></li>\n"
		 "<li>Compare models and settings (temperature, top-k, top-p, max tokens) on the same question.</li>\n"
		 "<li>Open the JSON that comes back in the JSON viewer, edit it, download it.</li>\n</ol>\n");
	if (visitor(r)->user_id)
		html_printf(&b, "<p><a class=\"button\" href=\"/ask/\">Ask a question</a></p>\n");
	else
		html_raw(&b, "<p><a class=\"button\" href=\"/accounts/signup/\">Create an account</a> or "
			     "<a href=\"/accounts/login/\">log in</a> to start.</p>\n");
	page_end(&b);
	page_send(r, 200, &b);
}
