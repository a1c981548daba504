/* vote.c - POST /compare/<uuid>/vote/: the user's vote on their comparison, once -
 * a column's label, "tie" or "all_bad"; a second vote is refused (409), another
 * user's comparison is not found (404). Then the page shows the names. */
#include <stdio.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../context.h"
#include "compare.h"

void page_compare_vote(http_req *r)
{
	db *d = web_db(r);
	struct comparison c;
	if (!d || !compare_load(r, d, &c))
		return;
	const char *w = http_form(r, "winner");
	bool ok = w && (strcmp(w, "tie") == 0 || strcmp(w, "all_bad") == 0);
	for (size_t i = 0; w && i < c.ncols; i++)
		ok |= strcmp(w, c.cols[i].label) == 0;
	char loc[80];
	snprintf(loc, sizeof loc, "/compare/%s/", c.uuid);
	compare_free(&c);
	if (!ok) {
		http_error(r, 400, "Vote for a column's label, \"tie\" or \"all_bad\".");
		return;
	}
	int rc = compare_vote(d, r->params[0], visitor(r)->user_id, w);
	if (rc < 0)
		http_error(r, 500, "The vote could not be saved.");
	else if (rc == 0)
		http_error(r, 404, NULL);
	else if (rc == 2)
		http_error(r, 409, "This comparison has its vote already.");
	else
		http_redirect(r, 303, loc);
}
