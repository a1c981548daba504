/* import.c - the import of the Django app's users and messages (see import.h and
 * docs/import.md). */
#include "import.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "conversation.h"
#include "export.h"
#include "field.h"

bool import_parse_time(const char *s, int64_t *ms)
{
	/* Brought to the ISO 8601 form export_parse_time reads: 'T' between the date and
	 * the time, and an offset of hours alone ("+02", PostgreSQL's) given its minutes. */
	char iso[48]; /* at most 44 characters in, room for ":00" */
	size_t n = s ? strlen(s) : 0;
	if (n < 10 || n > sizeof iso - 4)
		return false;
	memcpy(iso, s, n + 1);
	if (iso[10] == ' ')
		iso[10] = 'T';
	if (n > 19 && (iso[n - 3] == '+' || iso[n - 3] == '-') && isdigit((unsigned char)iso[n - 2]) &&
	    isdigit((unsigned char)iso[n - 1]))
		memcpy(iso + n, ":00", 4);
	return iso[10] == 'T' && export_parse_time(iso, false, ms);
}

bool import_uuid(const char *s, char out[37])
{
	/* 32 hex digits, with the four dashes at their places or none at all. */
	static const int dash[] = {8, 13, 18, 23};
	size_t len = s ? strlen(s) : 0;
	if (len != 32 && len != 36)
		return false;
	size_t o = 0, d = 0;
	for (size_t i = 0; i < len; i++) {
		if (len == 36 && d < 4 && (int)i == dash[d]) {
			if (s[i] != '-')
				return false;
			out[o++] = '-';
			d++;
			continue;
		}
		if (hexval(s[i]) < 0)
			return false;
		if (d < 4 && (int)o == dash[d]) {
			out[o++] = '-'; /* the 32-digit form: the dash goes in */
			d++;
		}
		out[o++] = (char)tolower((unsigned char)s[i]);
	}
	out[o] = '\0';
	return o == 36;
}

db *import_open_source(const char *url, char *err, size_t errlen)
{
	if (str_starts(url, "sqlite://")) {
		/* A URI with the whole path percent-encoded: read-only, and immutable so that
		 * SQLite writes nothing at all (not even the journal mode db_open asks for). */
		const char *path = url + 9;
		char *abs = *path ? realpath(path, NULL) : NULL;
		if (!abs) {
			errf(err, errlen, "%s: %s", *path ? path : "no path", *path ? strerror(errno) : "give sqlite:///path");
			return NULL;
		}
		buf u = BUF_INIT;
		buf_puts(&u, "sqlite://file:");
		url_encode(&u, abs);
		buf_puts(&u, "?mode=ro&immutable=1");
		free(abs);
		db *d = u.oom ? NULL : db_open(u.data, err, errlen);
		if (u.oom)
			errf(err, errlen, "out of memory");
		buf_free(&u);
		return d;
	}
	if (!str_starts(url, "postgres://") && !str_starts(url, "postgresql://")) {
		errf(err, errlen, "give sqlite:///path, sqlite://relative/path or postgres://...");
		return NULL;
	}
	db *d = db_open(url, err, errlen);
	/* Read-only, and times in the one format import_parse_time reads. */
	if (d && db_exec_script(d, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY;"
				   " SET DateStyle = 'ISO'; SET TimeZone = 'UTC'") < 0) {
		errf(err, errlen, "%s", db_errmsg(d));
		db_close(d);
		return NULL;
	}
	return d;
}

struct run {
	db *dst, *src;
	import_file_fn load_file;
	import_note_fn note;
	void *ctx;
	struct import_stats *st;
};

static void notef(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void notef(struct run *r, const char *fmt, ...)
{
	buf b = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	r->note(r->ctx, b.oom ? "(out of memory)" : b.data);
	buf_free(&b);
}

/* One row of auth_user, as the import needs it. */
struct src_user {
	int64_t id;
	char *username, *email, *password;
	bool admin, active;
	int64_t joined, last_login; /* -1: unknown */
};

/* One row of conversations. */
struct src_msg {
	int64_t id;
	char role[16];
	char *content, *model, *file, *time;
	int64_t at, words, top_k, elapsed_ms;
	double temperature, top_p;
};

/* What one user's transaction added, counted into the run's totals on commit. */
struct user_count {
	int64_t conversations, messages, skipped, files, files_missing;
};

static void src_msg_free(struct src_msg *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].content);
		free(m[i].model);
		free(m[i].file);
		free(m[i].time);
	}
	free(m);
}

static int by_time(const void *a, const void *b)
{
	const struct src_msg *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static db_val opt_real(double v) { return isnan(v) ? db_v_null() : db_v_real(v); }

/* The file of message m, stored as an upload of the local user user_id: its id, 0
 * when it could not be had (noted), -1 on error. */
static int64_t import_file(struct run *r, const struct src_user *u, int64_t user_id, const struct src_msg *m,
			   struct user_count *c)
{
	buf data = BUF_INIT, why = BUF_INIT;
	const char *name = NULL, *type = NULL;
	int64_t id = 0;
	int got = r->load_file(r->ctx, m->file, &data, &name, &type, &why);
	if (got == 1) {
		if (upload_insert(r->dst, user_id, name, type, data.data ? data.data : "", data.len, &id) < 0)
			id = -1;
		else
			c->files++;
	} else if (got == 0) {
		notef(r, "  %s: message %lld: file %s not imported: %s", u->username, (long long)m->id, m->file,
		      why.oom ? "out of memory" : why.data ? why.data : "");
		c->files_missing++;
	} else {
		id = -1;
	}
	buf_free(&data);
	buf_free(&why);
	return id;
}

/* Writes one Django conversation (the messages msgs[0..n), raw_uuid as Django stored
 * it) as a new conversation of user_id. 0 or -1. */
static int import_conversation(struct run *r, const struct src_user *u, int64_t user_id, const char *raw_uuid,
			       struct src_msg *msgs, size_t n, struct user_count *c)
{
	/* Messages whose time or role this application cannot hold are left out, said. */
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		struct src_msg *m = &msgs[i];
		const char *why = !import_parse_time(m->time, &m->at) ? "its timestamp is not a time"
				  : strcmp(m->role, "user") != 0 && strcmp(m->role, "assistant") != 0 &&
						    strcmp(m->role, "system") != 0
					  ? "its role is neither user nor assistant"
					  : NULL;
		if (why) {
			notef(r, "  %s: message %lld skipped: %s", u->username, (long long)m->id, why);
			c->skipped++;
			continue;
		}
		if (kept != i) {
			struct src_msg t = msgs[kept];
			msgs[kept] = *m;
			*m = t;
		}
		kept++;
	}
	if (!kept)
		return 0;
	qsort(msgs, kept, sizeof *msgs, by_time);

	/* The title the application gives: the first line of the first question. */
	const struct src_msg *first_q = &msgs[0];
	for (size_t i = 0; i < kept; i++)
		if (strcmp(msgs[i].role, "user") == 0) {
			first_q = &msgs[i];
			break;
		}
	char title[81], uuid[37];
	utf8_title(title, sizeof title, first_q->content);

	/* The conversation keeps its UUID (and so its URL) unless it is not one, or one
	 * that is already taken here: then it gets a fresh one, said. */
	int64_t taken = 0;
	bool valid = import_uuid(raw_uuid, uuid);
	if (valid && db_query_int(r->dst, "SELECT count(*) FROM conversations WHERE uuid = ?", DB_ARGS(db_v_text(uuid)),
				  &taken) < 0)
		return -1;
	if (!valid || taken) {
		char fresh[37];
		uuid_v4(fresh);
		notef(r, "  %s: conversation %s %s: imported as %s", u->username, *raw_uuid ? raw_uuid : "(none)",
		      valid ? "already exists here" : "is not a UUID", fresh);
		memcpy(uuid, fresh, sizeof uuid);
	}
	/* A new conversation, written in the same transaction as all its messages: no view
	 * has seen it before they are all there, so its revision stays 0 (conv_bump's rule
	 * is about changes to messages a view may have seen). */
	int64_t conv_id;
	if (db_query_int(r->dst,
			 "INSERT INTO conversations (uuid, user_id, title, source, created_at, updated_at)"
			 " VALUES (?, ?, ?, 'import', ?, ?) RETURNING id",
			 DB_ARGS(db_v_text(uuid), db_v_int(user_id), db_v_text(title), db_v_int(msgs[0].at),
				 db_v_int(msgs[kept - 1].at)),
			 &conv_id) != 1)
		return -1;
	c->conversations++;
	for (size_t i = 0; i < kept; i++) {
		const struct src_msg *m = &msgs[i];
		int64_t upload_id = 0;
		if (m->file && *m->file && (upload_id = import_file(r, u, user_id, m, c)) < 0)
			return -1;
		if (db_exec(r->dst,
			    "INSERT INTO messages (conversation_id, user_id, role, content, created_at, model, temperature,"
			    " top_k, top_p, elapsed_ms, words, status, source, upload_id, import_id)"
			    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', 'import', ?, ?)",
			    DB_ARGS(db_v_int(conv_id), db_v_int(user_id), db_v_text(m->role),
				    db_v_text(m->content ? m->content : ""), db_v_int(m->at), db_v_text(m->model),
				    opt_real(m->temperature), none_or_int(m->top_k), opt_real(m->top_p), none_or_int(m->elapsed_ms),
				    none_or_int(m->words), upload_id > 0 ? db_v_int(upload_id) : db_v_null(), db_v_int(m->id))) != 1)
			return -1;
		c->messages++;
	}
	return 0;
}

static char *opt_text(db_rows *rows, int col) { return db_null(rows, col) ? NULL : xstrdup(db_text(rows, col)); }

/* Reads the user's messages from the source, a conversation at a time (they come
 * ordered by conversation), and writes each. 0 or -1 (the reason in dst's or src's
 * error). */
static int import_messages(struct run *r, const struct src_user *u, int64_t user_id, struct user_count *c)
{
	db_rows *rows = db_query(r->src,
				 "SELECT id, role, content, model_name, token_usage, elapsed_time, \"timestamp\","
				 " conversation_id, temperature, top_k, top_p, file_upload"
				 " FROM conversations WHERE username = ? ORDER BY conversation_id, id",
				 DB_ARGS(db_v_text(u->username)));
	if (!rows) {
		db_set_err(r->dst, "reading its messages: %s", db_errmsg(r->src));
		return -1;
	}
	struct src_msg *group = NULL;
	size_t n = 0, cap = 0;
	char *uuid = NULL;
	int rc = 0, step = 0;
	while (rc == 0 && (step = db_step(rows)) >= 0) {
		const char *this_uuid = step == 1 ? db_text(rows, 7) : NULL;
		/* The end of a conversation (or of them all): write it. */
		if (n && (step == 0 || strcmp(this_uuid, uuid) != 0)) {
			rc = import_conversation(r, u, user_id, uuid, group, n, c);
			src_msg_free(group, n);
			group = NULL;
			n = cap = 0;
		}
		if (step == 0 || rc < 0)
			break;
		if (!n) {
			free(uuid);
			uuid = xstrdup(this_uuid);
		}
		struct src_msg *g = uuid ? room_for_one(group, n, &cap, sizeof *g) : NULL;
		if (!g) {
			rc = -1;
			db_set_err(r->dst, "out of memory");
			break;
		}
		group = g;
		struct src_msg *m = &group[n++];
		*m = (struct src_msg){.id = db_int(rows, 0), .at = -1};
		snprintf(m->role, sizeof m->role, "%s", db_text(rows, 1));
		m->content = xstrdup(db_text(rows, 2));
		m->model = opt_text(rows, 3);
		m->words = int_or_none(rows, 4);
		double secs = db_null(rows, 5) ? NAN : db_real(rows, 5);
		m->elapsed_ms = isfinite(secs) && secs >= 0 ? (int64_t)(secs * 1000 + 0.5) : -1;
		m->time = xstrdup(db_text(rows, 6));
		m->temperature = db_null(rows, 8) ? NAN : db_real(rows, 8);
		m->top_k = int_or_none(rows, 9);
		m->top_p = db_null(rows, 10) ? NAN : db_real(rows, 10);
		m->file = opt_text(rows, 11);
		if (!m->content || !m->time) {
			rc = -1;
			db_set_err(r->dst, "out of memory");
		}
	}
	if (rc == 0 && step < 0) {
		db_set_err(r->dst, "reading its messages: %s", db_errmsg(r->src));
		rc = -1;
	}
	db_done(rows);
	src_msg_free(group, n);
	free(uuid);
	return rc;
}

/* Whether the user can be imported (*skip false) and as what: a username taken here
 * is never merged into (*skip true, said); an e-mail address taken here is left out
 * (the user can still log in with their username), and said. 0, or -1 on error. */
static int check_user(struct run *r, struct src_user *u, bool *skip)
{
	*skip = false;
	db_rows *rows = db_query(r->dst, "SELECT id, import_id FROM users WHERE lower(username) = lower(?)",
				 DB_ARGS(db_v_text(u->username)));
	if (!rows)
		return -1;
	int found = db_step(rows);
	int64_t id = found == 1 ? db_int(rows, 0) : 0;
	int64_t from = found == 1 && !db_null(rows, 1) ? db_int(rows, 1) : -1;
	db_done(rows);
	if (found < 0)
		return -1;
	if (found) {
		*skip = true;
		if (from == u->id)
			notef(r, "skipped %s: imported before (user id %lld here)", u->username, (long long)id);
		else
			notef(r, "skipped %s: a user of that name already exists here (id %lld), and is not merged with the "
				 "Django user %lld",
			      u->username, (long long)id, (long long)u->id);
		return 0;
	}
	if (*u->email) {
		char *owner = db_query_text(r->dst,
					    "SELECT username FROM users WHERE email <> '' AND lower(email) = lower(?)",
					    DB_ARGS(db_v_text(u->email)));
		if (owner) {
			notef(r, "  %s: imported without the e-mail address %s, which %s has here", u->username, u->email,
			      owner);
			u->email[0] = '\0';
			free(owner);
		}
	}
	if (!str_starts(u->password, "pbkdf2_sha256$")) {
		/* Django marks an account without a password with '!' and random letters. */
		bool unusable = !*u->password || *u->password == '!';
		notef(r, "  %s: %s: they need a new one to log in", u->username,
		      unusable ? "no usable password" : "the password's hash is of a kind not checked here");
	}
	return 0;
}

/* Imports one user and all their messages in one transaction. 1 imported, 0
 * skipped, -1 failed (rolled back, noted). */
static int import_user(struct run *r, struct src_user *u)
{
	struct user_count c = {0};
	bool skip;
	int64_t id = 0;
	int rc = db_begin(r->dst);
	if (rc == 0)
		rc = check_user(r, u, &skip);
	if (rc == 0 && skip) {
		db_rollback(r->dst);
		return 0;
	}
	if (rc == 0)
		rc = db_query_int(r->dst,
				  "INSERT INTO users (username, email, password_hash, is_admin, is_active, created_at,"
				  " last_login, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
				  DB_ARGS(db_v_text(u->username), db_v_text(u->email), db_v_text(u->password),
					  db_v_int(u->admin), db_v_int(u->active), db_v_int(u->joined >= 0 ? u->joined : 0),
					  none_or_int(u->last_login), db_v_int(u->id)),
				  &id) == 1 ? 0 : -1;
	if (rc == 0)
		rc = import_messages(r, u, id, &c);
	if (rc == 0)
		rc = db_commit(r->dst);
	if (rc < 0) {
		notef(r, "FAILED %s: nothing of theirs imported: %s", u->username, db_errmsg(r->dst));
		db_rollback(r->dst);
		r->st->users_failed++;
		return -1;
	}
	notef(r, "imported %s%s%s (id %lld here): %lld conversations, %lld messages, %lld files", u->username,
	      u->admin ? ", administrator" : "", u->active ? "" : ", inactive", (long long)id, (long long)c.conversations,
	      (long long)c.messages, (long long)c.files);
	r->st->users++;
	r->st->conversations += c.conversations;
	r->st->messages += c.messages;
	r->st->messages_skipped += c.skipped;
	r->st->files += c.files;
	r->st->files_missing += c.files_missing;
	return 1;
}

static void src_users_free(struct src_user *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(u[i].username);
		free(u[i].email);
		free(u[i].password);
	}
	free(u);
}

static int user_row(db_rows *rows, void *elem, void *ctx)
{
	struct run *r = ctx;
	struct src_user *u = elem;
	*u = (struct src_user){.id = db_int(rows, 0), .admin = db_int(rows, 4) != 0, .active = db_int(rows, 5) != 0,
			       .joined = -1, .last_login = -1};
	u->username = xstrdup(db_text(rows, 1));
	u->email = xstrdup(db_text(rows, 2));
	u->password = xstrdup(db_text(rows, 3));
	if (!import_parse_time(db_text(rows, 6), &u->joined))
		u->joined = -1;
	if (db_null(rows, 7) || !import_parse_time(db_text(rows, 7), &u->last_login))
		u->last_login = -1;
	if (!u->username || !u->email || !u->password) {
		db_set_err(r->src, "out of memory");
		return -1;
	}
	return 0;
}

static void user_rows_free(void *a, size_t n) { src_users_free(a, n); }

/* Every Django user, read before any is written (the source's statement is not kept
 * open across the users' transactions). NULL with *n 0 and -1 returned on error. */
static int read_users(struct run *r, struct src_user **out, size_t *n)
{
	db_rows *rows = db_query(r->src,
				 "SELECT id, username, email, password, CASE WHEN is_staff OR is_superuser THEN 1 ELSE 0 END,"
				 " CASE WHEN is_active THEN 1 ELSE 0 END, date_joined, last_login FROM auth_user ORDER BY id",
				 DB_NOARGS);
	void *a;
	int rc = rows_read(rows, sizeof **out, user_row, r, user_rows_free, &a, n);
	*out = a;
	return rc;
}

/* Messages whose username is no user's: said, and counted as skipped. */
static int note_orphans(struct run *r)
{
	db_rows *rows = db_query(r->src,
				 "SELECT username, count(*) FROM conversations"
				 " WHERE username NOT IN (SELECT username FROM auth_user) GROUP BY username ORDER BY username",
				 DB_NOARGS);
	if (!rows)
		return -1;
	int rc;
	while ((rc = db_step(rows)) == 1) {
		notef(r, "skipped %lld messages of %s: no such user in auth_user", (long long)db_int(rows, 1),
		      db_text(rows, 0));
		r->st->messages_skipped += db_int(rows, 1);
	}
	db_done(rows);
	return rc;
}

int import_django(db *dst, db *src, import_file_fn load_file, import_note_fn note, void *ctx, struct import_stats *st)
{
	struct run r = {.dst = dst, .src = src, .load_file = load_file, .note = note, .ctx = ctx, .st = st};
	*st = (struct import_stats){0};
	struct src_user *users;
	size_t n;
	if (read_users(&r, &users, &n) < 0 || note_orphans(&r) < 0) {
		db_set_err(dst, "reading the Django database: %s", db_errmsg(src));
		src_users_free(users, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (import_user(&r, &users[i]) == 0)
			st->users_skipped++;
	src_users_free(users, n);
	return 0;
}
