/* health.c - /health/ (README, "Deployment"): GET proves the database answers
 * reads, POST that it takes a write (a keep-alive row inserted and deleted in one
 * transaction). Monitoring reads the JSON. A database failure is a 500 that says
 * only "database unavailable": the page is public, and the driver's text names
 * hosts and ports; the reason goes to the log. The page being public, an anonymous
 * visitor learns only the status: the database's figures (how many conversations,
 * the latest one's date, the backend) are for whoever may read /metrics. */
#include <jansson.h>
#include <stdlib.h>

#include "../../core/log.h"
#include "../../core/util.h"
#include "../../model/health.h"
#include "site.h"

static void send_json(http_req *r, int status, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text) {
		http_send_text(r, 500, "application/json", "{\"status\":\"error\",\"error\":\"out of memory\"}");
		return;
	}
	http_send_text(r, status, "application/json", text);
	free(text);
}

static json_t *iso_or_null(bool found, int64_t ms)
{
	char ts[32];
	if (!found)
		return json_null();
	fmt_iso8601(ts, ms);
	return json_string(ts);
}

void page_health(http_req *r)
{
	bool writing = r->method == HTTP_POST;
	char ts[32];
	fmt_iso8601(ts, now_ms());
	db *d = db_thread();
	struct health h;
	const char *why = NULL;
	if (!d)
		why = db_thread_error();
	else if (health_read(d, &h) < 0 || (writing && health_write(d) < 0))
		why = db_errmsg(d);

	bool detail = web_metrics_reader(r);
	json_t *dbj = json_object();
	json_object_set_new(dbj, "backend", json_string(d ? db_backend_name(d) : "unknown"));
	if (why) {
		log_error("health: %s", why);
		json_object_set_new(dbj, "activity_type", json_string(writing ? "write_operation" : "read_operation"));
		json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "status", "error", "timestamp", ts, "error",
				      "database unavailable", "message", "The database check failed.");
		if (j && detail)
			json_object_set(j, "database", dbj);
		json_decref(dbj);
		send_json(r, 500, j);
		return;
	}
	json_object_set_new(dbj, "total_conversations", json_integer(h.conversations));
	json_object_set_new(dbj, "latest_conversation_date", iso_or_null(h.has_latest, h.latest_message));
	json_object_set_new(dbj, "activity_type", json_string(writing ? "write_operation" : "read_operation"));
	json_t *j = json_pack("{s:s, s:s, s:s}", "status", "healthy", "timestamp", ts, "message",
			      writing ? "Database read and write operations succeeded."
				      : "Database read operations succeeded.");
	if (j && detail)
		json_object_set(j, "database", dbj);
	json_decref(dbj);
	send_json(r, 200, j);
}
