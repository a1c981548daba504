/* export.c - /export/messages.csv and /export/messages.jsonl: the user's own
 * messages (an administrator may add ?user=NAME, or ?user=* for everyone's),
 * filtered by ?since=, ?until= and ?model= (see docs/export.md); and one
 * conversation alone, /conversation/<uuid>/export.csv, .jsonl (the same rows) and
 * .md (a transcript to read or paste). The rows are streamed with chunked
 * encoding, a batch read from the database each time the previous one has been
 * sent, so memory stays flat whatever the size. The rows' form is written by
 * src/model/export_format.c, as for `llmmeta export`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
#include "../../model/conversation.h"
#include "../../model/export.h"
#include "../context.h"
#include "history.h"

#define STREAM_BATCH 500

struct export_stream {
	struct export_filter filter;
	char *model;
	enum export_format fmt;
	int64_t after; /* the last message id sent */
	buf pending;
	size_t off;
	bool done;
};

static int add_row(void *ctx, const struct export_row *row)
{
	struct export_stream *s = ctx;
	export_row_write(&s->pending, s->fmt, row);
	return s->pending.oom ? -1 : 0;
}

static long stream_read(void *cls, char *out, size_t max)
{
	struct export_stream *s = cls;
	if (s->off == s->pending.len) {
		buf_reset(&s->pending);
		s->off = 0;
		if (s->done)
			return HTTP_STREAM_END;
		/* The reader runs on the connection's worker thread, which has its own
		 * connection; no statement stays open between two reads. */
		db *d = db_thread();
		int n = d ? export_batch(d, &s->filter, &s->after, STREAM_BATCH, add_row, s) : -1;
		if (n < 0)
			return HTTP_STREAM_ERROR; /* the client sees a cut response, not a short file */
		if (n < STREAM_BATCH)
			s->done = true;
		if (!s->pending.len)
			return HTTP_STREAM_END;
	}
	size_t n = s->pending.len - s->off < max ? s->pending.len - s->off : max;
	memcpy(out, s->pending.data + s->off, n);
	s->off += n;
	return (long)n;
}

static void stream_free(void *cls)
{
	struct export_stream *s = cls;
	buf_free(&s->pending);
	free(s->model);
	free(s);
}

/* Content-Disposition: a download named filename (a name made here: no quote in it). */
static void attachment(http_req *r, const char *filename)
{
	char disposition[128];
	snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", filename);
	http_add_header(r, "Content-Disposition", disposition);
}

/* Sends the rows f selects (and model, copied) as a download named filename. */
static void stream(http_req *r, const struct export_filter *f, const char *model, bool csv, const char *filename)
{
	struct export_stream *s = calloc(1, sizeof *s);
	if (!s || (model && *model && !(s->model = xstrdup(model)))) {
		free(s);
		http_error(r, 500, NULL);
		return;
	}
	s->filter = *f;
	s->filter.model = s->model;
	s->fmt = csv ? EXPORT_CSV : EXPORT_JSONL;
	export_header(&s->pending, s->fmt);
	attachment(r, filename);
	http_add_header(r, "X-Accel-Buffering", "no");
	http_send_stream(r, 200, csv ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8", stream_read,
			 stream_free, s);
}

void page_export(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	bool csv = str_starts(r->path + strlen("/export/messages"), ".csv");
	struct export_filter f = {.user_id = visitor(r)->user_id, .since_ms = -1, .until_ms = -1};
	const char *since = http_query(r, "since"), *until = http_query(r, "until"), *user = http_query(r, "user");
	const char *model = http_query(r, "model");
	if (since && *since && !export_parse_time(since, false, &f.since_ms)) {
		http_error(r, 400, "since must be a date (YYYY-MM-DD) or an ISO 8601 time (YYYY-MM-DDTHH:MM:SSZ).");
		return;
	}
	if (until && *until && !export_parse_time(until, true, &f.until_ms)) {
		http_error(r, 400, "until must be a date (YYYY-MM-DD) or an ISO 8601 time (YYYY-MM-DDTHH:MM:SSZ).");
		return;
	}
	if (user && *user && !str_eq_ci(user, visitor(r)->name)) {
		/* Someone else's messages: for administrators only. Anyone else gets the
		 * answer a user that does not exist gets. */
		int64_t id = 0;
		int rc = !visitor(r)->admin ? 0 : strcmp(user, "*") == 0 ? 1 : export_user_id(d, user, &id);
		if (rc <= 0) {
			http_error(r, rc < 0 ? 500 : 404, rc < 0 ? NULL : "There is no such user.");
			return;
		}
		f.user_id = id; /* 0 for "*": everyone */
	}
	stream(r, &f, model, csv, csv ? "messages.csv" : "messages.jsonl");
}

/* "12 + 345 tokens", "2.4 s", ...: the figures of an answer, those known. */
static void md_figures(buf *b, const struct message *m)
{
	if (m->prompt_tokens >= 0 && m->completion_tokens >= 0)
		buf_printf(b, " · %lld + %lld tokens", (long long)m->prompt_tokens, (long long)m->completion_tokens);
	if (m->elapsed_ms >= 0)
		buf_printf(b, " · %.1f s", (double)m->elapsed_ms / 1000.0);
	if (m->finish_reason)
		buf_printf(b, " · finish: %s", m->finish_reason);
}

/* The conversation as Markdown: a heading per message with its time (UTC) and,
 * for an answer, its model and figures; the text as it was written. */
static void transcript(buf *b, const char *uuid, const char *title, const struct message *m, size_t n)
{
	char ts[32];
	fmt_iso8601(ts, now_ms());
	buf_printf(b, "# %s\n\nConversation %s, exported from llmmeta at %s.\n", *title ? title : "(untitled)", uuid,
		   ts);
	for (size_t i = 0; i < n; i++, m++) {
		bool answer = strcmp(m->role, "assistant") == 0;
		fmt_iso8601(ts, m->created_at);
		buf_printf(b, "\n## %s · %s", answer ? "Answer" : "Question", ts);
		if (answer && (m->model_reported || m->model))
			buf_printf(b, " · %s", m->model_reported ? m->model_reported : m->model);
		if (answer)
			md_figures(b, m);
		buf_puts(b, "\n\n");
		if (m->file_name)
			buf_printf(b, "Attached file: %s (SHA-256 %s)\n\n", m->file_name, m->file_sha256 ? m->file_sha256 : "?");
		buf_puts(b, m->content ? m->content : "");
		buf_puts(b, "\n");
		if (strcmp(m->status, "ok") != 0)
			buf_printf(b, "\n*(%s%s%s)*\n", m->status, m->error ? ": " : "", m->error ? m->error : "");
	}
}

void page_conversation_export(http_req *r)
{
	db *d = web_db(r);
	if (!d)
		return;
	const char *uuid = r->params[0];
	const char *ext = strrchr(r->path, '.') + 1; /* the routes end in .csv, .jsonl or .md */
	struct conv_head h;
	int rc = conv_head(d, uuid, visitor(r)->user_id, &h);
	if (rc <= 0) {
		http_error(r, rc < 0 ? 500 : 404, NULL);
		return;
	}
	char filename[64];
	snprintf(filename, sizeof filename, "conversation-%s.%s", uuid, ext);
	if (strcmp(ext, "md") != 0) {
		struct export_filter f = {.user_id = visitor(r)->user_id, .since_ms = -1, .until_ms = -1, .conv_id = h.id};
		stream(r, &f, NULL, strcmp(ext, "csv") == 0, filename);
		free(h.title);
		return;
	}
	struct message *msgs;
	size_t n;
	if (msg_list(d, h.id, &msgs, &n) < 0) {
		free(h.title);
		http_error(r, 500, "The conversation could not be read.");
		return;
	}
	buf b = BUF_INIT;
	transcript(&b, uuid, h.title, msgs, n);
	msg_list_free(msgs, n);
	free(h.title);
	if (b.oom) {
		buf_free(&b);
		http_error(r, 500, NULL);
		return;
	}
	attachment(r, filename);
	http_send_text(r, 200, "text/markdown; charset=utf-8", b.data);
	buf_free(&b);
}
