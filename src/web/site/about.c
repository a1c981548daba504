/* about.c - the about page: purpose, what is recorded, version. */
#include "../../html/html.h"
#include "../page.h"
#include "site.h"

void page_about(http_req *r)
{
	buf b = BUF_INIT;
	page_begin(&b, r, "About", "about");
	html_printf(&b,
		    "<h1>About llmmeta</h1>\n"
		    "<p>llmmeta is a self-hosted tool for researchers and engineers who compare large language "
		    "models on real tasks, such as building a JSON metadata schema from a laboratory data file.</p>\n"
		    "<p>For every exchange it keeps what was asked, with which model and settings, what came "
		    "back, how many tokens it took and how long, so that the record is faithful and can be "
		    "analysed and exported.</p>\n"
		    "<dl class=\"facts\"><dt>Version</dt><dd>%s</dd></dl>\n",
		    LLMMETA_VERSION);
	page_end(&b);
	page_send(r, 200, &b);
}
