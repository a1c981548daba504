/* ask_stream.c - the streamed answer, for the page's script (assets/ask.js): one
 * JSON object per line (NDJSON), sent as it is produced -
 *   {"type":"start","conversation":UUID,"url":...[,"title":...]}  once
 *   {"type":"delta","text":...}                                     as text arrives
 *   {"type":"wait"}                                                 after silence
 *   {"type":"done","html":...} or {"type":"error","message":...,"html":...}
 * The last line is written after the record is, so "done" means saved; a
 * "warning" field says when it is not: not saved yet (the database is down and the
 * answer waits to be written, call/recorder.c) or not saved at all. */
#include <stdlib.h>
#include <string.h>

#include "../../core/util.h"
#include "ask_job.h"

void job_last(struct call *c)
{
	struct ask_job *j = (struct ask_job *)c;
	if (!c->recorded)
		return;
	int rc = c->record_rc;
	bool ok = c->state == CALL_COMPLETE;
	buf html = BUF_INIT;
	if (j->has_answer)
		conv_render_message(&html, &j->m);
	json_t *line = json_pack("{s:s, s:s}", "type", ok ? "done" : "error", "html", html.data ? html.data : "");
	if (line && !ok)
		json_object_set_new(line, "message",
				    json_string(j->call.res.error ? j->call.res.error : "The provider failed."));
	if (line && rc < 0)
		json_object_set_new(line, "warning", json_string("The answer could not be saved."));
	else if (line && rc > 0)
		json_object_set_new(line, "warning", json_string("The answer is complete but not saved yet: the database "
								 "is unavailable. It will be saved when it is back."));
	buf_free(&html);
	call_queue_json(&j->call, line, false);
	c->out_end = true;
}

static long stream_read(void *cls, char *out, size_t max)
{
	long n = call_stream_read(cls, out, max);
	if (n == 0)
		job_record(cls); /* an ended call's, when no one claimed it: its answer wakes the stream */
	return n;
}

void job_stream(http_req *r, struct ask_job *j)
{
	char url[80];
	snprintf(url, sizeof url, "/conversation/%s/", j->uuid);
	call_lock(&j->call);
	json_t *start = json_pack("{s:s, s:s, s:s}", "type", "start", "conversation", j->uuid, "url", url);
	if (start && j->title)
		json_object_set_new(start, "title", json_string(j->title));
	call_queue_json(&j->call, start, false);
	call_unlock(&j->call);
	call_heartbeat_add(&j->call);
	http_add_header(r, "X-Accel-Buffering", "no");
	http_send_stream(r, 200, "application/x-ndjson", stream_read, NULL, j);
}
