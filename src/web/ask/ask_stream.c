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

void job_line(struct ask_job *j, json_t *line)
{
	CALL_LOCKED(&j->call);
	char *s = line ? json_dumps(line, JSON_COMPACT) : NULL;
	json_decref(line);
	if (s) {
		buf_puts(&j->call.out, s);
		buf_putc(&j->call.out, '\n');
	}
	free(s);
	j->call.last_out = mono_ms();
}

/* The last line, once the record is written (or waits, or is lost). Under the lock. */
static void final_line(struct ask_job *j)
{
	int rc = j->record_rc;
	bool ok = j->call.state == CALL_COMPLETE;
	buf html = BUF_INIT;
	if (ok || j->call.answer.len)
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
	job_line(j, line);
	j->final_queued = true;
}

/* Copies what is pending; 0 with the connection suspended when nothing is. */
static long stream_read(void *cls, char *out, size_t max)
{
	struct ask_job *j = cls;
	for (;;) {
		job_lock(j);
		size_t n = call_out_take(&j->call, out, max);
		if (n) {
			job_unlock(j);
			return (long)n;
		}
		if (j->final_queued) {
			job_unlock(j);
			return HTTP_STREAM_END;
		}
		bool ended = call_ended(&j->call), record = ended && !j->recorded;
		if (ended && j->told) {
			final_line(j);
			job_unlock(j);
			continue;
		}
		j->call.waiting = true;
		http_stream_wait(j->call.conn);
		job_unlock(j);
		if (record)
			job_record(j); /* its answer wakes the stream */
		return 0;
	}
}

void job_stream(http_req *r, struct ask_job *j)
{
	char url[80];
	snprintf(url, sizeof url, "/conversation/%s/", j->uuid);
	job_lock(j);
	json_t *start = json_pack("{s:s, s:s, s:s}", "type", "start", "conversation", j->uuid, "url", url);
	if (start && j->title)
		json_object_set_new(start, "title", json_string(j->title));
	job_line(j, start);
	job_unlock(j);
	call_heartbeat_add(&j->call);
	http_add_header(r, "X-Accel-Buffering", "no");
	http_send_stream(r, 200, "application/x-ndjson", stream_read, NULL, j);
}
