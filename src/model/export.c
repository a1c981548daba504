/* export.c - the export's filters and rows (see export.h). Rows are read by keyset
 * pagination (id > last ORDER BY id LIMIT n), which works alike on SQLite and
 * PostgreSQL and keeps no statement or cursor open between batches. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../core/util.h"
#include "export.h"
#include "field.h"

#define BATCH 1000

/* n digits at *p into *out, advancing p. */
static bool digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return false;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return true;
}

bool export_parse_time(const char *s, bool until, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, frac_ms = 0, off = 0;
	const char *p = s;
	if (!s || !digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' || !digits(&p, 2, &d))
		return false;
	bool date_only = *p == '\0';
	if (!date_only) {
		if (*p++ != 'T' || !digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			return false;
		if (*p == ':' && (p++, !digits(&p, 2, &sec)))
			return false;
		if (*p == '.' || *p == ',') {
			p++;
			int n = 0;
			for (; isdigit((unsigned char)*p); p++, n++)
				if (n < 3)
					frac_ms = frac_ms * 10 + (*p - '0');
			if (!n)
				return false;
			for (; n < 3; n++)
				frac_ms *= 10;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p++ == '-' ? -1 : 1, oh, om;
			if (!digits(&p, 2, &oh))
				return false;
			if (*p == ':')
				p++;
			if (!digits(&p, 2, &om) || oh > 23 || om > 59)
				return false;
			off = sign * (oh * 60 + om);
		}
		if (*p || h > 23 || mi > 59 || sec > 59)
			return false;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1)
		return false;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != d || tm.tm_mon != mo - 1) /* timegm normalised 02-30 */
		return false;
	int64_t v = (int64_t)t * 1000 + frac_ms - (int64_t)off * 60000;
	if (until)
		v += date_only ? 86400000 : 1;
	*ms = v;
	return true;
}

static const char *opt_text(db_rows *r, int col) { return db_null(r, col) ? NULL : db_text(r, col); }
static double opt_real(db_rows *r, int col) { return db_null(r, col) ? NAN : db_real(r, col); }

int export_batch(db *d, const struct export_filter *f, int64_t *after, int limit, export_fn fn, void *ctx)
{
	/* The WHERE clause from fixed fragments: a few statements for the cache. */
	buf sql = BUF_INIT;
	db_val args[6];
	int n = 0;
	buf_puts(&sql, "SELECT m.id, c.uuid, m.created_at, u.username, m.role, m.source, m.provider, m.model, m.status,"
		       " m.content, m.max_tokens, m.temperature, m.top_k, m.top_p, m.prompt_tokens, m.completion_tokens,"
		       " m.total_tokens, m.elapsed_ms, m.ttft_ms, m.finish_reason, up.name, up.sha256, m.error, cmp.uuid"
		       " FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = m.user_id"
		       " LEFT JOIN uploads up ON up.id = m.upload_id"
		       " LEFT JOIN comparison_columns cc ON cc.conversation_id = c.id"
		       " LEFT JOIN comparisons cmp ON cmp.id = cc.comparison_id WHERE m.id > ?");
	args[n++] = db_v_int(*after);
	if (f->user_id) {
		buf_puts(&sql, " AND m.user_id = ?");
		args[n++] = db_v_int(f->user_id);
	}
	if (f->since_ms >= 0) {
		buf_puts(&sql, " AND m.created_at >= ?");
		args[n++] = db_v_int(f->since_ms);
	}
	if (f->until_ms >= 0) {
		buf_puts(&sql, " AND m.created_at < ?");
		args[n++] = db_v_int(f->until_ms);
	}
	if (f->model) {
		buf_puts(&sql, " AND m.model = ?");
		args[n++] = db_v_text(f->model);
	}
	if (f->conv_id) {
		buf_puts(&sql, " AND m.conversation_id = ?");
		args[n++] = db_v_int(f->conv_id);
	}
	buf_puts(&sql, " ORDER BY m.id LIMIT ?");
	db_val all[7];
	memcpy(all, args, (size_t)n * sizeof *args);
	all[n++] = db_v_int(limit);
	db_rows *r = sql.oom ? NULL : db_query(d, sql.data, n, all);
	buf_free(&sql);
	if (!r)
		return -1;
	int rc, count = 0;
	while ((rc = db_step(r)) == 1) {
		struct export_row w = {
			.id = db_int(r, 0), .conversation_id = db_text(r, 1), .created_at = db_int(r, 2),
			.username = db_text(r, 3), .role = db_text(r, 4), .source = db_text(r, 5),
			.provider = opt_text(r, 6), .model = opt_text(r, 7), .status = db_text(r, 8),
			.content = db_text(r, 9), .max_tokens = int_or_none(r, 10), .temperature = opt_real(r, 11),
			.top_k = int_or_none(r, 12), .top_p = opt_real(r, 13), .prompt_tokens = int_or_none(r, 14),
			.completion_tokens = int_or_none(r, 15), .total_tokens = int_or_none(r, 16), .elapsed_ms = int_or_none(r, 17),
			.ttft_ms = int_or_none(r, 18), .finish_reason = opt_text(r, 19), .file_name = opt_text(r, 20),
			.file_sha256 = opt_text(r, 21), .error = opt_text(r, 22), .comparison_id = opt_text(r, 23),
		};
		*after = w.id;
		count++;
		int stop = fn(ctx, &w);
		if (stop < 0) {
			rc = stop;
			break;
		}
	}
	db_done(r);
	return rc < 0 ? rc : count;
}

int export_each(db *d, const struct export_filter *f, export_fn fn, void *ctx)
{
	int64_t after = 0;
	int n;
	while ((n = export_batch(d, f, &after, BATCH, fn, ctx)) > 0)
		;
	return n < 0 ? n : 0;
}

int export_user_id(db *d, const char *username, int64_t *id)
{
	return db_query_int(d, "SELECT id FROM users WHERE lower(username) = lower(?)", DB_ARGS(db_v_text(username)), id);
}
