/* export.c - /export/messages.csv and /export/messages.jsonl: the user's own
 * messages (an administrator may add ?user=NAME, or ?user=* for everyone's),
 * filtered by ?since=, ?until= and ?model= (see docs/export.md). The rows are
 * streamed with chunked encoding, a batch read from the database each time the
 * previous one has been sent, so memory stays flat whatever the size. The rows'
 * form is written by src/model/export_format.c, as for `llmmeta export`. */
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../core/util.h"
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
	struct export_stream *s = calloc(1, sizeof *s);
	if (!s || (model && *model && !(s->model = xstrdup(model)))) {
		free(s);
		http_error(r, 500, NULL);
		return;
	}
	f.model = s->model;
	s->filter = f;
	s->fmt = csv ? EXPORT_CSV : EXPORT_JSONL;
	export_header(&s->pending, s->fmt);
	http_add_header(r, "Content-Disposition", csv ? "attachment; filename=\"messages.csv\""
						      : "attachment; filename=\"messages.jsonl\"");
	http_add_header(r, "X-Accel-Buffering", "no");
	http_send_stream(r, 200, csv ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8", stream_read,
			 stream_free, s);
}
