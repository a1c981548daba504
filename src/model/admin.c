/* admin.c - the admin's list of every message: the sort whitelist, the filters, the
 * search and the counts (see admin.h; a message's edit and deletion are
 * admin_edit.c's, the overview admin_stats.c's, users admin_users.c's, the log
 * admin_log.c's). */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/buf.h"
#include "../core/util.h"
#include "admin_rows.h"
#include "field.h"
#include "search.h"

/* The sort whitelist: the name the page uses, and the SQL it stands for. Only these
 * strings ever reach the ORDER BY; `nullable` columns are told where NULL goes on
 * PostgreSQL (first going up, as on SQLite), matching their indexes (migration 11). */
static const struct {
	const char *name, *expr;
	bool nullable;
} sorts[] = {
	{"id", "m.id", false},
	{"role", "m.role", false},
	{"content", "substr(m.content, 1, 50)", false},
	{"model", "m.model", true},
	{"tokens", "m.total_tokens", true},
	{"elapsed", "m.elapsed_ms", true},
	{"time", "m.created_at", false},
	{"username", "lower(u.username)", false},
	{"conversation", "m.conversation_id", false},
};

/* sorts[]'s indexes, for the code that picks one itself. */
enum { S_ID, S_TIME = 6, S_USERNAME = 7 };

const size_t admin_nsorts = sizeof sorts / sizeof sorts[0];

const char *const admin_roles[] = {"user", "assistant", "system", "tool", NULL};
const char *const admin_statuses[] = {"ok", "error", "cancelled", "interrupted", NULL};
const char *const admin_sources[] = {"web", "api", "api-embeddings", "api-responses", "import", NULL};
const char *const admin_dates[] = {"today", "7d", "month", "year", NULL};

const char *admin_sort_name(size_t i) { return i < admin_nsorts ? sorts[i].name : NULL; }

int admin_sort_parse(const char *s, bool *desc)
{
	*desc = false;
	if (!s)
		return -1;
	if (*s == '-') {
		*desc = true;
		s++;
	}
	for (size_t i = 0; i < admin_nsorts; i++)
		if (strcmp(s, sorts[i].name) == 0)
			return (int)i;
	*desc = false;
	return -1;
}

const char *admin_pick(const char *const *list, const char *s)
{
	for (size_t i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return list[i];
	return NULL;
}

int64_t admin_date_start(const char *date, int64_t now)
{
	time_t t = (time_t)(now / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	int64_t midnight = (int64_t)timegm(&tm) * 1000;
	if (!date)
		return -1;
	if (strcmp(date, "today") == 0)
		return midnight;
	if (strcmp(date, "7d") == 0)
		return midnight - 6 * 86400000LL;
	if (strcmp(date, "month") == 0) {
		tm.tm_mday = 1;
		return (int64_t)timegm(&tm) * 1000;
	}
	if (strcmp(date, "year") == 0) {
		tm.tm_mday = 1;
		tm.tm_mon = 0;
		return (int64_t)timegm(&tm) * 1000;
	}
	return -1;
}

/* A LIKE pattern that finds s anywhere, with LIKE's own characters escaped by \. */
char *admin_like_anywhere(const char *s)
{
	buf b = BUF_INIT;
	buf_putc(&b, '%');
	for (; *s; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	buf_putc(&b, '%');
	return buf_detach(&b, NULL);
}

/* SQL being written with its bound values. */
#define MAX_ARGS 48
struct sql {
	buf b;
	db_val v[MAX_ARGS];
	int n;
	bool over;
};

static void arg(struct sql *s, db_val v)
{
	if (s->n < MAX_ARGS)
		s->v[s->n++] = v;
	else
		s->over = true;
}

/* What the filter's text resolves to, once per page. */
struct resolved {
	int64_t user_id;   /* 0: no user filter; -1: an unknown user (matches nothing) */
	char *engine;      /* the search's engine query, NULL: none */
	int64_t name_ids[ADMIN_MAX_NAME_HITS];
	size_t nnames;
	bool search;       /* a search is asked */
	/* SQLite, a search of the content alone: the full-text table drives the query
	 * (FROM messages_fts JOIN messages), so that newest first streams in its rowid
	 * order and stops after a page, where an IN (...) would first read every hit. */
	bool fts_join;
};

/* Appends the FROM clause of the filters' query (users joined when sorting by name). */
static void from(struct sql *s, const struct resolved *x, bool users)
{
	buf_puts(&s->b, x->fts_join ? " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid" : " FROM messages m");
	if (users)
		buf_puts(&s->b, " JOIN users u ON u.id = m.user_id");
}

/* Appends the WHERE clause of f to s. */
static void where(db *d, struct sql *s, const struct admin_filter *f, const struct resolved *x)
{
	bool pg = db_backend(d) == DB_POSTGRES;
	buf_puts(&s->b, " WHERE 1 = 1");
	if (f->role) {
		buf_puts(&s->b, " AND m.role = ?");
		arg(s, db_v_text(f->role));
	}
	if (f->status) {
		buf_puts(&s->b, " AND m.status = ?");
		arg(s, db_v_text(f->status));
	}
	if (f->source) {
		buf_puts(&s->b, " AND m.source = ?");
		arg(s, db_v_text(f->source));
	}
	if (f->model) {
		buf_puts(&s->b, " AND m.model = ?");
		arg(s, db_v_text(f->model));
	}
	if (f->date) {
		buf_puts(&s->b, " AND m.created_at >= ?");
		arg(s, db_v_int(admin_date_start(f->date, f->now)));
	}
	if (x->user_id) {
		buf_puts(&s->b, " AND m.user_id = ?");
		arg(s, db_v_int(x->user_id));
	}
	if (f->comparison) {
		buf_puts(&s->b, " AND m.conversation_id IN (SELECT cc.conversation_id FROM comparison_columns cc"
			       " JOIN comparisons cm ON cm.id = cc.comparison_id WHERE cm.uuid = lower(?))");
		arg(s, db_v_text(f->comparison));
	}
	if (!x->search)
		return;
	/* The content's matches through the full-text index (migration 6), or the
	 * messages of the users whose name holds the text: a fixed number of
	 * placeholders, the unused bound to 0 (no user), so that the statement's text
	 * does not depend on how many matched. */
	if (x->fts_join) {
		buf_puts(&s->b, " AND messages_fts MATCH ?");
		arg(s, db_v_text(x->engine));
		return;
	}
	buf_puts(&s->b, " AND (");
	if (x->engine) {
		buf_puts(&s->b, pg ? "m.search @@ to_tsquery('simple', ?)"
				   : "m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)");
		arg(s, db_v_text(x->engine));
	} else {
		buf_puts(&s->b, "1 = 0");
	}
	if (x->nnames) {
		buf_puts(&s->b, " OR m.user_id IN (");
		for (size_t i = 0; i < ADMIN_MAX_NAME_HITS; i++) {
			buf_puts(&s->b, i ? ", ?" : "?");
			arg(s, db_v_int(i < x->nnames ? x->name_ids[i] : 0));
		}
		buf_putc(&s->b, ')');
	}
	buf_putc(&s->b, ')');
}

/* The number of messages under f, capped at ADMIN_COUNT_CAP + 1: the inner query
 * stops there, so the count reads at most that many index entries. */
static int capped_count(db *d, const struct admin_filter *f, const struct resolved *x, int64_t *n)
{
	struct sql s = {.b = BUF_INIT};
	buf_puts(&s.b, "SELECT count(*) FROM (SELECT 1");
	from(&s, x, false);
	where(d, &s, f, x);
	buf_puts(&s.b, " LIMIT ?) t");
	arg(&s, db_v_int(ADMIN_COUNT_CAP + 1));
	char *text = buf_detach(&s.b, NULL);
	int rc = text && !s.over ? db_query_int(d, text, s.n, s.v, n) : -1;
	free(text);
	return rc < 0 ? -1 : 0;
}

static int read_row(db_rows *r, struct admin_msg_row *x)
{
	memset(x, 0, sizeof *x);
	x->id = db_int(r, 0);
	copy_field(x->role, sizeof x->role, db_text(r, 1));
	x->content = xstrdup(db_text(r, 2));
	x->cut = db_int(r, 3) != 0;
	if (!db_null(r, 4) && !(x->model = xstrdup(db_text(r, 4))))
		return -1;
	x->tokens = int_or_none(r, 5);
	x->elapsed_ms = int_or_none(r, 6);
	x->created_at = db_int(r, 7);
	x->username = xstrdup(db_text(r, 8));
	copy_field(x->uuid, sizeof x->uuid, db_text(r, 9));
	x->title = xstrdup(db_text(r, 10));
	copy_field(x->status, sizeof x->status, db_text(r, 11));
	copy_field(x->source, sizeof x->source, db_text(r, 12));
	x->conv_id = db_int(r, 13);
	x->words = int_or_none(r, 14);
	return x->content && x->username && x->title ? 0 : -1;
}

static int admin_row(db_rows *r, void *elem, void *ctx)
{
	(void)ctx;
	return read_row(r, elem);
}

static void admin_rows_free(void *a, size_t n) { admin_msg_rows_free(a, n); }

int admin_read_rows(db *d, const char *sql, int n, const db_val *v, struct admin_msg_row **out, size_t *nout)
{
	void *a;
	int rc = rows_read(db_query(d, sql, n, v), sizeof **out, admin_row, NULL, admin_rows_free, &a, nout);
	*out = a;
	return rc;
}

void admin_msg_rows_free(struct admin_msg_row *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++) {
		free(r[i].content);
		free(r[i].model);
		free(r[i].username);
		free(r[i].title);
	}
	free(r);
}

/* The user filter's name and the search's text made into what the SQL binds. */
static int resolve(db *d, const struct admin_filter *f, struct resolved *x, struct admin_msg_page *p)
{
	memset(x, 0, sizeof *x);
	if (f->user && *f->user) {
		int rc = db_query_int(d, "SELECT id FROM users WHERE lower(username) = lower(?)",
				      DB_ARGS(db_v_text(f->user)), &x->user_id);
		if (rc < 0)
			return -1;
		if (rc == 0)
			x->user_id = -1;
	}
	if (!f->q || str_blank(f->q))
		return 0;
	x->search = true;
	x->engine = search_engine_query(d, f->q, &p->why);
	if (!x->engine && !p->why)
		return -1;
	char *like = admin_like_anywhere(f->q);
	if (!like)
		return -1;
	db_rows *r = db_query(d,
			      "SELECT id, username FROM users WHERE lower(username) LIKE lower(?) ESCAPE '\\'"
			      " ORDER BY lower(username) LIMIT ?",
			      DB_ARGS(db_v_text(like), db_v_int(ADMIN_MAX_NAME_HITS)));
	if (!r) {
		free(like);
		return -1;
	}
	int rc;
	p->names = calloc(ADMIN_MAX_NAME_HITS, sizeof *p->names);
	while (p->names && (rc = db_step(r)) == 1 && x->nnames < ADMIN_MAX_NAME_HITS) {
		x->name_ids[x->nnames] = db_int(r, 0);
		if (!(p->names[x->nnames++] = xstrdup(db_text(r, 1)))) {
			rc = -1;
			break;
		}
	}
	if (!p->names)
		rc = -1;
	p->nnames = x->nnames;
	x->fts_join = x->engine && !x->nnames && db_backend(d) == DB_SQLITE;
	db_done(r);
	free(like);
	return rc < 0 ? -1 : 0;
}

/* The fixed filters, whose values are shown as links with counts. */
enum facet_kind { F_ROLE, F_STATUS, F_SOURCE, F_DATE, F_MODEL, NFACETS };

/* f without facet k's own filter: what that facet's counts are counted under. */
static struct admin_filter without(const struct admin_filter *f, enum facet_kind k)
{
	struct admin_filter g = *f;
	switch (k) {
	case F_ROLE: g.role = NULL; break;
	case F_STATUS: g.status = NULL; break;
	case F_SOURCE: g.source = NULL; break;
	case F_DATE: g.date = NULL; break;
	case F_MODEL: g.model = NULL; break;
	case NFACETS: break;
	}
	return g;
}

static bool unfiltered(const struct admin_filter *f, const struct resolved *x)
{
	return !f->role && !f->status && !f->source && !f->date && !f->model && !f->comparison && !x->user_id &&
	       !x->search;
}

/* A count from capped_count: exact up to the cap, else "at least the cap". */
static void set_capped(struct admin_count *c, int64_t n)
{
	c->more = n > ADMIN_COUNT_CAP;
	c->n = c->more ? ADMIN_COUNT_CAP : n;
}

/* The counts of one facet's values with no other filter: each a capped count on the
 * facet's own index (at most ADMIN_COUNT_CAP + 1 entries read per value). */
static int count_alone(db *d, const struct admin_filter *f, const struct resolved *x, enum facet_kind k,
		       const char *const *values, size_t nvalues, struct admin_count *out)
{
	struct admin_filter g = without(f, k);
	for (size_t i = 0; i < nvalues && values[i]; i++) {
		switch (k) {
		case F_ROLE: g.role = values[i]; break;
		case F_STATUS: g.status = values[i]; break;
		case F_SOURCE: g.source = values[i]; break;
		case F_DATE: g.date = values[i]; break;
		case F_MODEL: g.model = values[i]; break;
		case NFACETS: break;
		}
		int64_t n;
		out[i].value = values[i];
		if (capped_count(d, &g, x, &n) < 0)
			return -1;
		set_capped(&out[i], n);
	}
	return 0;
}

/* At most ADMIN_SAMPLE messages under a filter, counted by every facet's values at
 * once: one query reading at most that many rows of the filter's own index, however
 * many match. Counting each value with the other filters
 * instead could read most of the table (a rare value within a common one: the
 * database has no index on the pair). */
struct sample {
	int64_t rows;
	bool cut; /* more matched than were read: the counts are lower bounds */
	int64_t role[4], status[4], source[ADMIN_NSOURCES], date[4];
	int64_t *model; /* per p->models */
};

static size_t index_of(const char *const *list, size_t n, const char *s)
{
	size_t i = 0;
	while (i < n && list[i] && strcmp(list[i], s) != 0)
		i++;
	return i;
}

static int take_sample(db *d, const struct admin_filter *g, const struct resolved *x, const struct admin_msg_page *p,
		       struct sample *out)
{
	memset(out, 0, sizeof *out);
	if (p->nmodels && !(out->model = calloc(p->nmodels, sizeof *out->model)))
		return -1;
	struct sql s = {.b = BUF_INIT};
	buf_puts(&s.b, "SELECT m.role, m.status, m.source, m.model, m.created_at");
	from(&s, x, false);
	where(d, &s, g, x);
	/* In no order: whichever index the filter has reads its first rows (ordered by
	 * id, a period's filter would walk the table back from its end). */
	buf_puts(&s.b, " LIMIT ?");
	arg(&s, db_v_int(ADMIN_SAMPLE + 1));
	char *text = buf_detach(&s.b, NULL);
	db_rows *r = text && !s.over ? db_query(d, text, s.n, s.v) : NULL;
	free(text);
	if (!r)
		return -1;
	int64_t starts[4];
	for (int i = 0; i < 4; i++)
		starts[i] = admin_date_start(admin_dates[i], g->now);
	int rc;
	while ((rc = db_step(r)) == 1) {
		if (out->rows == ADMIN_SAMPLE) {
			out->cut = true;
			break;
		}
		out->rows++;
		size_t k;
		if ((k = index_of(admin_roles, 4, db_text(r, 0))) < 4)
			out->role[k]++;
		if ((k = index_of(admin_statuses, 4, db_text(r, 1))) < 4)
			out->status[k]++;
		if ((k = index_of(admin_sources, ADMIN_NSOURCES, db_text(r, 2))) < ADMIN_NSOURCES)
			out->source[k]++;
		if (!db_null(r, 3) && (k = index_of((const char *const *)p->models, p->nmodels, db_text(r, 3))) < p->nmodels)
			out->model[k]++;
		for (int i = 0; i < 4; i++)
			out->date[i] += db_int(r, 4) >= starts[i];
	}
	db_done(r);
	return rc < 0 ? -1 : 0;
}

static void from_sample(struct admin_count *c, const char *const *values, size_t n, const int64_t *counts,
			const struct sample *s)
{
	for (size_t i = 0; i < n; i++) {
		c[i].value = values[i];
		c[i].n = counts[i];
		c[i].more = s->cut;
	}
}

/* The counts of facet k's values: alone on its index when no other filter applies,
 * else from the sample of the other filters (the page's own sample when k is not
 * one of them). */
static int facet_counts(db *d, const struct admin_filter *f, const struct resolved *x, enum facet_kind k,
			struct admin_msg_page *p, const struct sample *own)
{
	static const char *const *const lists[] = {admin_roles, admin_statuses, admin_sources, admin_dates};
	static const size_t sizes[] = {4, 4, ADMIN_NSOURCES, 4};
	struct admin_count *out[] = {p->roles, p->statuses, p->sources, p->dates, p->model_counts};
	const char *const *values = k == F_MODEL ? (const char *const *)p->models : lists[k];
	size_t n = k == F_MODEL ? p->nmodels : sizes[k];
	struct admin_filter g = without(f, k);
	if (unfiltered(&g, x))
		return count_alone(d, f, x, k, values, n, out[k]);
	struct sample other;
	const struct sample *s = own;
	bool active = k == F_ROLE ? f->role : k == F_STATUS ? f->status : k == F_SOURCE ? f->source
		      : k == F_DATE ? f->date : f->model;
	if (active) {
		if (take_sample(d, &g, x, p, &other) < 0) {
			free(other.model);
			return -1;
		}
		s = &other;
	}
	const int64_t *counts[] = {s->role, s->status, s->source, s->date, s->model};
	from_sample(out[k], values, n, counts[k], s);
	if (active)
		free(other.model);
	return 0;
}

#define MAX_MODELS 30

/* Every model used, each once, in order: a loose index scan (each the least model
 * above the last, one index probe each) instead of reading every row. */
static int models_used(db *d, struct admin_msg_page *p)
{
	db_rows *r = db_query(d,
			      "WITH RECURSIVE t(m) AS (SELECT min(model) FROM messages UNION ALL"
			      " SELECT (SELECT min(model) FROM messages WHERE model > t.m) FROM t WHERE t.m IS NOT NULL)"
			      " SELECT m FROM t WHERE m IS NOT NULL LIMIT ?",
			      DB_ARGS(db_v_int(MAX_MODELS)));
	if (!r)
		return -1;
	p->models = calloc(MAX_MODELS, sizeof *p->models);
	int rc = p->models ? 0 : -1;
	while (rc == 0 && (rc = db_step(r)) == 1 && p->nmodels < MAX_MODELS) {
		if (!(p->models[p->nmodels++] = xstrdup(db_text(r, 0))))
			rc = -1;
		else
			rc = 0;
	}
	db_done(r);
	return rc < 0 ? -1 : 0;
}

static int list(db *d, const struct admin_filter *f, struct admin_msg_page *p);

/* On PostgreSQL the page's reads run in one transaction (one snapshot: the rows and
 * the counts agree), planned for their values every time: a prepared statement run a
 * few times otherwise gets a generic plan, made without its parameters, which for a
 * search or a model is a guess (for a word in half the messages, reading all of
 * them). SQLite plans every statement for its values already, and a transaction
 * there would take the write lock (BEGIN IMMEDIATE). */
int admin_messages(db *d, const struct admin_filter *f, struct admin_msg_page *p)
{
	if (db_backend(d) != DB_POSTGRES)
		return list(d, f, p);
	memset(p, 0, sizeof *p);
	if (db_begin(d) < 0)
		return -1;
	if (db_exec_script(d, "SET LOCAL plan_cache_mode = force_custom_plan") < 0 || list(d, f, p) < 0) {
		db_rollback(d);
		return -1;
	}
	if (db_commit(d) < 0) {
		admin_msg_page_free(p);
		return -1;
	}
	return 0;
}

static int list(db *d, const struct admin_filter *f, struct admin_msg_page *p)
{
	memset(p, 0, sizeof *p);
	struct resolved x;
	if (resolve(d, f, &x, p) < 0)
		goto fail;
	bool pg = db_backend(d) == DB_POSTGRES;
	int sort = f->sort >= 0 && (size_t)f->sort < admin_nsorts ? f->sort : 0;
	bool desc = f->sort >= 0 ? f->desc : true; /* the default: newest first */
	const char *dir = desc ? " DESC" : "";
	const char *nulls = pg && sorts[sort].nullable ? (desc ? " NULLS LAST" : " NULLS FIRST") : "";
	int64_t page = f->page < 1 ? 1 : f->page > ADMIN_MAX_PAGE ? ADMIN_MAX_PAGE : f->page;

	/* The page's ids in the index's order (joining users only to sort by their
	 * name), then their rows: the joins run for the page's rows only. */
	struct sql s = {.b = BUF_INIT};
	buf_puts(&s.b, ADMIN_ROW_COLUMNS " WHERE m.id IN (SELECT m.id");
	from(&s, &x, sort == S_USERNAME);
	where(d, &s, f, &x);
	/* Newest first is by id, or by time under a date filter, which its index then
	 * serves for the range and the order (by id, SQLite would walk the whole table
	 * back for a period holding no message). By id over the full-text table: its
	 * rowid, the order it reads in. Ties are broken by id (by nothing when sorting
	 * by id: a second key would make FTS5 sort every hit). */
	if (f->sort < 0 && f->date)
		sort = S_TIME;
	const char *inner = sort == S_ID && x.fts_join ? "messages_fts.rowid" : sorts[sort].expr;
	buf_printf(&s.b, " ORDER BY %s%s%s", inner, dir, nulls);
	if (sort != S_ID)
		buf_printf(&s.b, ", m.id%s", dir);
	buf_printf(&s.b, " LIMIT ? OFFSET ?) ORDER BY %s%s%s, m.id%s", sorts[sort].expr, dir, nulls, dir);
	arg(&s, db_v_int(ADMIN_PAGE + 1));
	arg(&s, db_v_int((page - 1) * ADMIN_PAGE));
	char *text = buf_detach(&s.b, NULL);
	int rc = text && !s.over ? admin_read_rows(d, text, s.n, s.v, &p->rows, &p->n) : -1;
	free(text);
	if (rc < 0)
		goto fail;
	if (p->n > ADMIN_PAGE) {
		p->more = true;
		struct admin_msg_row *last = &p->rows[ADMIN_PAGE];
		free(last->content);
		free(last->model);
		free(last->username);
		free(last->title);
		p->n = ADMIN_PAGE;
	}
	if (models_used(d, p) < 0 || (p->nmodels && !(p->model_counts = calloc(p->nmodels, sizeof *p->model_counts))))
		goto fail;
	/* The total: a capped count of everything, or the sample of the filters. */
	struct sample own = {0};
	if (unfiltered(f, &x)) {
		int64_t n;
		if (capped_count(d, f, &x, &n) < 0)
			goto fail;
		set_capped(&p->total, n);
	} else {
		if (take_sample(d, f, &x, p, &own) < 0) {
			free(own.model);
			goto fail;
		}
		p->total.n = own.rows;
		p->total.more = own.cut;
	}
	for (int k = 0; k < NFACETS; k++)
		if (facet_counts(d, f, &x, (enum facet_kind)k, p, &own) < 0) {
			free(own.model);
			goto fail;
		}
	free(own.model);
	free(x.engine);
	return 0;
fail:
	free(x.engine);
	admin_msg_page_free(p);
	return -1;
}

void admin_msg_page_free(struct admin_msg_page *p)
{
	admin_msg_rows_free(p->rows, p->n);
	admin_strings_free(p->names, p->nnames);
	admin_strings_free(p->models, p->nmodels);
	free(p->model_counts);
	memset(p, 0, sizeof *p);
}

void admin_strings_free(char **s, size_t n)
{
	for (size_t i = 0; s && i < n; i++)
		free(s[i]);
	free(s);
}
