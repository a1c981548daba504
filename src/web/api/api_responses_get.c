/* api_responses_get.c - a stored response (docs/api.md, "Responses"): GET
 * /v1/responses/{id} returns it as its client got it, DELETE deletes it with its
 * question and answer, GET /v1/responses/{id}/input_items lists its input items.
 * Only its owner's key finds it: another user's id is 404, as an unknown one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../context.h"
#include "../errors.h"
#include "api_responses.h"

static void not_found(http_req *r, const char *id)
{
	char msg[200];
	snprintf(msg, sizeof msg, "No stored response of yours has the id '%.80s'.", id);
	error_api(r, 404, "invalid_request_error", "response_not_found", NULL, msg);
}

/* The user's stored response r->params[0] into row; answered when there is none. */
static bool find(http_req *r, db *d, struct apiresponse *row)
{
	int rc = apiresponse_find(d, r->params[0], visitor(r)->user_id, row);
	if (rc < 0)
		http_error(r, 500, "The database cannot be reached.");
	else if (rc == 0)
		not_found(r, r->params[0]);
	return rc == 1;
}

void page_api_response(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	if (r->method == HTTP_DELETE) {
		int rc = apiresponse_delete(d, r->params[0], visitor(r)->user_id);
		if (rc < 0) {
			http_error(r, 500, "The database cannot be reached.");
		} else if (rc == 0) {
			not_found(r, r->params[0]);
		} else {
			api_send_json(r, json_pack("{s:s, s:s, s:b}", "id", r->params[0], "object", "response.deleted", "deleted", 1));
		}
		return;
	}
	struct apiresponse row;
	if (!find(r, d, &row))
		return;
	http_send_text(r, 200, "application/json", row.response);
	apiresponse_clear(&row);
}

void page_api_response_items(http_req *r)
{
	db *d = web_db(r);
	struct apiresponse row;
	if (!d || !find(r, d, &row))
		return;
	/* All of them in one page (has_more false), newest first unless order=asc, as
	 * OpenAI lists them. */
	json_t *items = json_loads(row.input_items, 0, NULL);
	apiresponse_clear(&row);
	const char *order = http_query(r, "order");
	if (json_is_array(items) && !(order && strcmp(order, "asc") == 0))
		for (size_t i = 0, n = json_array_size(items); i < n / 2; i++) {
			json_t *a = json_incref(json_array_get(items, i));
			json_array_set(items, i, json_array_get(items, n - 1 - i));
			json_array_set_new(items, n - 1 - i, a);
		}
	size_t n = json_array_size(items);
	json_t *j = json_is_array(items)
			    ? json_pack("{s:s, s:O, s:O?, s:O?, s:b}", "object", "list", "data", items, "first_id",
					json_object_get(json_array_get(items, 0), "id"), "last_id",
					n ? json_object_get(json_array_get(items, n - 1), "id") : NULL, "has_more", 0)
			    : NULL;
	json_decref(items);
	api_send_json(r, j);
}
