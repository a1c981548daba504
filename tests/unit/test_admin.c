/* test_admin.c - the admin panel's model (src/model/admin*.c) on SQLite, or on PostgreSQL
 * when LLMMETA_TEST_PG_URL is set (tests/unit/unit_db.h).
 *
 * Covers: the sort whitelist (every column by name, '-' for descending, anything
 * else - SQL, a column of the table not in the list, an empty name, a double '-',
 * another case - refused); the fixed filters' values; the date filter's periods
 * (Django's: midnight, six days before it, the 1st, 1 January); the list under each
 * filter, the search (content through the full-text index, and usernames), sorting
 * and the capped counts; an edit logged field by field, re-rendered and moving the
 * revision; deletion taking empty conversations and unused files with it; the user
 * actions with the self rule and the last-admin rule (whoever asks, an inactive
 * administrator not counting), deactivation ending sessions, deletion keeping the
 * name in the log; an administrator's revocation of a user's API key and the API
 * columns of a message (admin_keys.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/core/util.h"
#include "../../src/db/db.h"
#include "../../src/db/migrate.h"
#include "../../src/model/admin.h"
#include "../../src/model/apikey.h"
#include "../../src/model/conversation.h"
#include "../../src/model/user.h"
#include "unit_db.h"

static char path[64];
static db *d;
static int64_t ada, bob, root;

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof path, "/tmp/llmmeta-test-admin-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	char url[128];
	snprintf(url, sizeof url, "sqlite://%s", path);
	if (db_thread_init(unit_db_url(url)) < 0 || !(d = db_thread()) || db_migrate(d) < 1)
		return -1;
	if (user_create(d, "ada", "", "", false, &ada) != USER_CREATED ||
	    user_create(d, "bob_smith", "", "", false, &bob) != USER_CREATED ||
	    user_create(d, "root", "", "", true, &root) != USER_CREATED)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db_thread_close();
	unlink(path);
	char side[80];
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	return 0;
}

static int64_t count(const char *sql)
{
	int64_t n = -1;
	assert_int_equal(db_query_int(d, sql, DB_NOARGS, &n), 1);
	return n;
}

/* A message in conversation conv of user; its id. */
static int64_t add(int64_t user, int64_t conv, const char *role, const char *content, const char *model,
		   int64_t tokens, const char *status, int64_t at)
{
	struct message m;
	message_init(&m, role);
	m.content = (char *)content;
	m.model = (char *)model;
	m.total_tokens = tokens;
	snprintf(m.status, sizeof m.status, "%s", status);
	int64_t id;
	assert_int_equal(msg_insert(d, &m, conv, user, &id), 0);
	assert_true(db_exec(d, "UPDATE messages SET created_at = ? WHERE id = ?", DB_ARGS(db_v_int(at), db_v_int(id))) ==
		    1);
	return id;
}

/* The names admin_users lists for q, comma-joined, into out. */
static const char *user_names(const struct admin_user_query *q, char *out, size_t size)
{
	struct admin_user_row *u;
	size_t n;
	bool more;
	assert_int_equal(admin_users(d, q, 1, &u, &n, &more), 0);
	assert_false(more);
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "", u[i].username);
	assert_true(len < size);
	admin_user_rows_free(u, n);
	return out;
}

static void test_users_filter_sort(void **state)
{
	(void)state;
	char got[256];
	int64_t now = now_ms(), ada_joined = count("SELECT created_at FROM users WHERE username = 'ada'");
	assert_true(db_exec(d, "UPDATE users SET created_at = ? WHERE id = ?", DB_ARGS(db_v_int(now - 40 * 86400000LL),
										 db_v_int(ada))) == 1);
	assert_true(db_exec(d, "UPDATE users SET is_active = 0 WHERE id = ?", DB_ARGS(db_v_int(bob))) == 1);
	assert_true(db_exec(d,
			    "INSERT INTO identities (provider, subject, user_id, created_at, last_used)"
			    " VALUES ('github', 's1', ?, 0, 0)",
			    DB_ARGS(db_v_int(bob))) == 1);
	assert_string_equal(user_names(&(struct admin_user_query){0}, got, sizeof got), "ada,bob_smith,root");
	assert_string_equal(user_names(&(struct admin_user_query){.desc = true}, got, sizeof got), "root,bob_smith,ada");
	assert_string_equal(user_names(&(struct admin_user_query){.admin = 1}, got, sizeof got), "root");
	assert_string_equal(user_names(&(struct admin_user_query){.admin = -1}, got, sizeof got), "ada,bob_smith");
	assert_string_equal(user_names(&(struct admin_user_query){.active = -1}, got, sizeof got), "bob_smith");
	assert_string_equal(user_names(&(struct admin_user_query){.active = 1, .admin = -1}, got, sizeof got), "ada");
	assert_string_equal(user_names(&(struct admin_user_query){.provider = "github"}, got, sizeof got), "bob_smith");
	assert_string_equal(user_names(&(struct admin_user_query){.provider = "google"}, got, sizeof got), "");
	assert_string_equal(user_names(&(struct admin_user_query){.joined_since = now - 86400000}, got, sizeof got),
			    "bob_smith,root");
	assert_string_equal(user_names(&(struct admin_user_query){.sort = USERS_BY_JOINED}, got, sizeof got),
			    "ada,bob_smith,root");
	assert_string_equal(user_names(&(struct admin_user_query){.sort = USERS_BY_ADMIN, .desc = true}, got, sizeof got),
			    "root,ada,bob_smith");
	assert_string_equal(user_names(&(struct admin_user_query){.sort = USERS_BY_ACTIVE}, got, sizeof got),
			    "bob_smith,ada,root");
	/* Nobody has logged in: every last login is "never", so the names decide. */
	assert_string_equal(user_names(&(struct admin_user_query){.sort = USERS_BY_LAST_LOGIN, .desc = true}, got,
				       sizeof got),
			    "ada,bob_smith,root");
	assert_string_equal(user_names(&(struct admin_user_query){.q = "SMITH", .active = -1}, got, sizeof got),
			    "bob_smith");
	assert_string_equal(user_names(&(struct admin_user_query){.q = "_"}, got, sizeof got), "bob_smith");
	for (int i = 0; i < USERS_NSORTS; i++) /* every order is valid SQL */
		assert_int_not_equal(strlen(user_names(&(struct admin_user_query){.sort = (enum admin_user_sort)i}, got,
						       sizeof got)),
				     0);
	assert_null(admin_user_sorts[USERS_NSORTS]);
	assert_true(db_exec(d, "UPDATE users SET is_active = 1 WHERE id = ?", DB_ARGS(db_v_int(bob))) == 1);
	assert_true(db_exec(d, "DELETE FROM identities", DB_NOARGS) >= 0);
	assert_true(db_exec(d, "UPDATE users SET created_at = ? WHERE id = ?", DB_ARGS(db_v_int(ada_joined), db_v_int(ada))) ==
		    1);
}

static void test_set_email(void **state)
{
	(void)state;
	struct admin_actor a = {.id = root, .name = "root"};
	assert_true(db_exec(d, "UPDATE users SET email = 'bob@example.org', email_verified = 1 WHERE id = ?",
			    DB_ARGS(db_v_int(bob))) == 1);
	assert_int_equal(admin_user_set_email(d, &a, ada, "ada@example.org"), ADMIN_DONE);
	assert_int_equal(admin_user_set_email(d, &a, ada, "ada@example.org"), ADMIN_UNCHANGED);
	assert_int_equal(admin_user_set_email(d, &a, ada, "BOB@example.org"), ADMIN_TAKEN);
	assert_int_equal(admin_user_set_email(d, &a, 999999, "x@example.org"), ADMIN_NOT_FOUND);
	assert_int_equal(admin_user_set_email(d, &a, bob, "bob2@example.org"), ADMIN_DONE);
	assert_int_equal(count("SELECT email_verified FROM users WHERE email = 'bob2@example.org'"), 0);
	assert_int_equal(count("SELECT count(*) FROM admin_log WHERE action = 'user_edit' AND field = 'email'"
			       " AND old_value = 'bob@example.org' AND new_value = 'bob2@example.org'"),
			 1);
	assert_int_equal(count("SELECT count(*) FROM admin_log WHERE action = 'user_edit'"), 2);
	assert_true(db_exec(d, "UPDATE users SET email = '' WHERE id IN (?, ?)", DB_ARGS(db_v_int(ada), db_v_int(bob))) ==
		    2);
}

static void test_sort_whitelist(void **state)
{
	(void)state;
	bool desc;
	for (size_t i = 0; i < admin_nsorts; i++) {
		char minus[32];
		assert_int_equal(admin_sort_parse(admin_sort_name(i), &desc), (int)i);
		assert_false(desc);
		snprintf(minus, sizeof minus, "-%s", admin_sort_name(i));
		assert_int_equal(admin_sort_parse(minus, &desc), (int)i);
		assert_true(desc);
	}
	const char *bad[] = {"",	  "-",	   "--time", "TIME",	 "time ", "created_at", "content; DROP TABLE users",
			     "m.id", "1",	   "status", "password_hash", "-username,id", "time DESC"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(admin_sort_parse(bad[i], &desc), -1);
		assert_false(desc);
	}
	assert_int_equal(admin_sort_parse(NULL, &desc), -1);
	/* The page's columns, in its order. */
	const char *cols[] = {"id", "role", "content", "model", "tokens", "elapsed", "time", "username", "conversation"};
	assert_int_equal(admin_nsorts, 9);
	for (size_t i = 0; i < 9; i++)
		assert_string_equal(admin_sort_name(i), cols[i]);
	assert_null(admin_sort_name(9));
}

static void test_fixed_values(void **state)
{
	(void)state;
	assert_ptr_equal(admin_pick(admin_roles, "assistant"), admin_roles[1]);
	assert_null(admin_pick(admin_roles, "Assistant"));
	assert_null(admin_pick(admin_roles, "user' OR 1=1 --"));
	assert_null(admin_pick(admin_statuses, ""));
	assert_null(admin_pick(admin_sources, NULL));
	assert_non_null(admin_pick(admin_statuses, "interrupted"));
	assert_non_null(admin_pick(admin_sources, "import"));
	assert_null(admin_pick(admin_dates, "week"));
}

static void test_date_periods(void **state)
{
	(void)state;
	/* Thursday 2026-11-26 15:30:00 UTC */
	int64_t now = 1795707000000LL;
	assert_int_equal(admin_date_start("today", now), 1795651200000LL);	    /* 2026-11-26 00:00 */
	assert_int_equal(admin_date_start("7d", now), 1795651200000LL - 6 * 86400000LL); /* 2026-11-20 00:00 */
	assert_int_equal(admin_date_start("month", now), 1793491200000LL);	    /* 2026-11-01 */
	assert_int_equal(admin_date_start("year", now), 1767225600000LL);	    /* 2026-01-01 */
	assert_int_equal(admin_date_start("week", now), -1);
	assert_int_equal(admin_date_start(NULL, now), -1);
	/* At midnight itself, today starts now. */
	assert_int_equal(admin_date_start("today", 1795651200000LL), 1795651200000LL);
}

/* The ids of the page, in order. */
static size_t ids_of(const struct admin_filter *f, int64_t *ids, size_t max, int64_t *total)
{
	struct admin_msg_page p;
	assert_int_equal(admin_messages(d, f, &p), 0);
	size_t n = p.n < max ? p.n : max;
	for (size_t i = 0; i < n; i++)
		ids[i] = p.rows[i].id;
	if (total)
		*total = p.total.n;
	admin_msg_page_free(&p);
	return n;
}

static void test_list(void **state)
{
	(void)state;
	int64_t now = now_ms(), old = now - 400LL * 86400000;
	char uuid[37];
	int64_t c1, c2;
	assert_int_equal(conv_create(d, ada, "first", "web", uuid, &c1), 0);
	assert_int_equal(conv_create(d, bob, "second", "web", uuid, &c2), 0);
	int64_t q1 = add(ada, c1, "user", "tides and moons", "gpt-a", -1, "ok", now);
	int64_t a1 = add(ada, c1, "assistant", "the moon pulls the sea", "gpt-a", 30, "ok", now);
	int64_t q2 = add(bob, c2, "user", "zebra crossing", "gpt-b", -1, "error", old);
	int64_t a2 = add(bob, c2, "assistant", "a crossing", "gpt-b", 10, "ok", old);

	struct admin_filter f = {.sort = -1, .page = 1, .now = now};
	int64_t ids[10], total;
	/* No filter: newest first (by id). */
	assert_int_equal(ids_of(&f, ids, 10, &total), 4);
	assert_int_equal(total, 4);
	assert_int_equal(ids[0], a2);
	assert_int_equal(ids[3], q1);

	f.role = "assistant";
	assert_int_equal(ids_of(&f, ids, 10, &total), 2);
	assert_int_equal(ids[0], a2);
	assert_int_equal(ids[1], a1);
	f.role = NULL;
	f.status = "error";
	assert_int_equal(ids_of(&f, ids, 10, NULL), 1);
	assert_int_equal(ids[0], q2);
	f.status = NULL;
	f.model = "gpt-a";
	assert_int_equal(ids_of(&f, ids, 10, NULL), 2);
	f.model = NULL;
	f.date = "today";
	assert_int_equal(ids_of(&f, ids, 10, NULL), 2);
	assert_int_equal(ids[1], q1);
	f.date = NULL;
	f.user = "BOB_SMITH"; /* any case */
	assert_int_equal(ids_of(&f, ids, 10, NULL), 2);
	f.user = "nobody";
	assert_int_equal(ids_of(&f, ids, 10, &total), 0);
	assert_int_equal(total, 0);
	f.user = NULL;

	/* The search: content through the index, and usernames. */
	f.q = "moon*";
	assert_int_equal(ids_of(&f, ids, 10, NULL), 2);
	f.q = "smith"; /* in no content: bob_smith's messages */
	assert_int_equal(ids_of(&f, ids, 10, NULL), 2);
	assert_int_equal(ids[0], a2);
	f.q = "%"; /* LIKE's wildcard is a character here, and no word */
	struct admin_msg_page p;
	assert_int_equal(admin_messages(d, &f, &p), 0);
	assert_int_equal(p.n, 0);
	assert_non_null(p.why);
	admin_msg_page_free(&p);
	f.q = NULL;

	/* Sorts. */
	bool desc;
	f.sort = admin_sort_parse("-tokens", &desc);
	f.desc = desc;
	assert_int_equal(ids_of(&f, ids, 10, NULL), 4);
	assert_int_equal(ids[0], a1); /* 30, then 10, then the unknown */
	assert_int_equal(ids[1], a2);
	f.sort = admin_sort_parse("content", &desc);
	f.desc = desc;
	ids_of(&f, ids, 10, NULL);
	assert_int_equal(ids[0], a2); /* "a crossing" */
	assert_int_equal(ids[3], q2); /* "zebra crossing" */
	f.sort = admin_sort_parse("username", &desc);
	f.desc = desc;
	ids_of(&f, ids, 10, NULL);
	assert_int_equal(ids[0], q1); /* ada's, by id */
	assert_int_equal(ids[3], a2);
	f.sort = admin_sort_parse("-time", &desc);
	f.desc = desc;
	ids_of(&f, ids, 10, NULL);
	assert_int_equal(ids[0], a1);
	assert_int_equal(ids[3], q2);

	/* The counts of the filters' values, the other filters applied. */
	f = (struct admin_filter){.sort = -1, .page = 1, .now = now, .role = "user"};
	assert_int_equal(admin_messages(d, &f, &p), 0);
	assert_string_equal(p.statuses[1].value, "error");
	assert_int_equal(p.statuses[1].n, 1);
	assert_int_equal(p.statuses[0].n, 1);
	assert_int_equal(p.roles[1].n, 2); /* the role's own counts ignore the role */
	assert_int_equal(p.nmodels, 2);
	assert_string_equal(p.models[0], "gpt-a");
	assert_int_equal(p.model_counts[0].n, 1);
	assert_int_equal(p.dates[0].n, 1);
	assert_int_equal(p.dates[3].n, 1);
	admin_msg_page_free(&p);
}

static void test_count_cap(void **state)
{
	(void)state;
	char uuid[37];
	int64_t c;
	assert_int_equal(conv_create(d, ada, "many", "web", uuid, &c), 0);
	assert_int_equal(db_begin(d), 0);
	for (int i = 0; i < ADMIN_COUNT_CAP + 5; i++)
		add(ada, c, "system", "filler", NULL, -1, "ok", now_ms());
	assert_int_equal(db_commit(d), 0);
	struct admin_filter f = {.sort = -1, .page = 1, .now = now_ms(), .role = "system"};
	struct admin_msg_page p;
	assert_int_equal(admin_messages(d, &f, &p), 0);
	assert_int_equal(p.total.n, ADMIN_COUNT_CAP + 5); /* under a filter: from the sample, exact */
	assert_false(p.total.more);
	assert_int_equal(p.roles[2].n, ADMIN_COUNT_CAP); /* the role alone: capped, "1000+" */
	assert_true(p.roles[2].more);
	assert_int_equal(p.n, ADMIN_PAGE);
	assert_true(p.more);
	admin_msg_page_free(&p);
	/* The last page: 1005 rows are 21 pages of 50 and 5. */
	f.page = 21;
	assert_int_equal(admin_messages(d, &f, &p), 0);
	assert_int_equal(p.n, 5);
	assert_false(p.more);
	admin_msg_page_free(&p);
	/* Past the sample: the total and the other filters' counts are lower bounds. */
	assert_int_equal(db_begin(d), 0);
	for (int i = ADMIN_COUNT_CAP + 5; i < ADMIN_SAMPLE + 1; i++)
		add(ada, c, "system", "filler", NULL, -1, "ok", now_ms());
	assert_int_equal(db_commit(d), 0);
	f.page = 1;
	assert_int_equal(admin_messages(d, &f, &p), 0);
	assert_int_equal(p.total.n, ADMIN_SAMPLE);
	assert_true(p.total.more);
	assert_int_equal(p.statuses[0].n, ADMIN_SAMPLE);
	assert_true(p.statuses[0].more);
	assert_int_equal(p.statuses[1].n, 0); /* none in the sample: "0+" */
	assert_true(p.statuses[1].more);
	admin_msg_page_free(&p);
	/* At the sample exactly: exact. */
	int64_t last;
	assert_int_equal(db_query_int(d, "SELECT max(id) FROM messages", DB_NOARGS, &last), 1);
	assert_true(db_exec(d, "DELETE FROM messages WHERE id = ?", DB_ARGS(db_v_int(last))) == 1);
	assert_int_equal(admin_messages(d, &f, &p), 0);
	assert_int_equal(p.total.n, ADMIN_SAMPLE);
	assert_false(p.total.more);
	admin_msg_page_free(&p);
	assert_true(db_exec(d, "DELETE FROM conversations WHERE id = ?", DB_ARGS(db_v_int(c))) == 1);
}

/* How many rows of the full-text index have `word` for message id: SQLite's FTS5
 * table, PostgreSQL's generated tsvector column. */
static int64_t indexed(const char *word, int64_t id)
{
	char sql[160];
	if (unit_db_is_pg())
		snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE search @@ to_tsquery('simple', '%s') AND id = %lld",
			 word, (long long)id);
	else
		snprintf(sql, sizeof sql, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '%s' AND rowid = %lld",
			 word, (long long)id);
	return count(sql);
}

static void test_edit(void **state)
{
	(void)state;
	char uuid[37];
	int64_t c, rev0, rev1;
	assert_int_equal(conv_create(d, ada, "edit", "web", uuid, &c), 0);
	int64_t id = add(ada, c, "assistant", "old *text*", "m1", 5, "ok", now_ms());
	assert_int_equal(db_query_int(d, "SELECT revision FROM conversations WHERE id = ?", DB_ARGS(db_v_int(c)), &rev0),
			 1);
	struct admin_actor a = {root, "root"};
	int64_t logs = count("SELECT count(*) FROM admin_log");
	struct admin_edit e = {.content = "new **text**", .role = "assistant", .model = "m1", .rendered = "<p>x</p>",
			       .rendered_version = 7};
	assert_int_equal(admin_message_edit(d, &a, id, &e), 1);
	assert_int_equal(count("SELECT count(*) FROM admin_log"), logs + 1); /* content only */
	char *old = db_query_text(d, "SELECT old_value FROM admin_log WHERE field = 'content' ORDER BY id DESC", DB_NOARGS);
	assert_string_equal(old, "old *text*");
	free(old);
	assert_int_equal(db_query_int(d, "SELECT revision FROM conversations WHERE id = ?", DB_ARGS(db_v_int(c)), &rev1),
			 1);
	assert_true(rev1 > rev0);
	char *r = db_query_text(d, "SELECT rendered || rendered_version FROM messages WHERE id = ?", DB_ARGS(db_v_int(id)));
	assert_string_equal(r, "<p>x</p>7");
	free(r);
	/* The same again: nothing changed, nothing logged. */
	assert_int_equal(admin_message_edit(d, &a, id, &e), 0);
	assert_int_equal(count("SELECT count(*) FROM admin_log"), logs + 1);
	/* Role and model: two entries; the model emptied is NULL. */
	e = (struct admin_edit){.content = "new **text**", .role = "user", .model = ""};
	assert_int_equal(admin_message_edit(d, &a, id, &e), 1);
	assert_int_equal(count("SELECT count(*) FROM admin_log"), logs + 3);
	assert_int_equal(count("SELECT count(*) FROM admin_log WHERE field = 'model' AND old_value = 'm1'"
			       " AND new_value IS NULL"),
			 1);
	assert_int_equal(admin_message_edit(d, &a, 999999, &e), -2);
	/* The full-text index follows the edit. */
	assert_int_equal(indexed("old", id), 0);
	assert_int_equal(indexed("new", id), 1);
}

static void test_delete(void **state)
{
	(void)state;
	char uuid[37];
	int64_t c1, c2, up;
	assert_int_equal(conv_create(d, ada, "del1", "web", uuid, &c1), 0);
	assert_int_equal(conv_create(d, ada, "del2", "web", uuid, &c2), 0);
	int64_t x = add(ada, c1, "user", "only one", NULL, -1, "ok", now_ms());
	int64_t y = add(ada, c2, "user", "stays", NULL, -1, "ok", now_ms());
	int64_t z = add(ada, c2, "assistant", "goes", NULL, -1, "ok", now_ms());
	assert_int_equal(upload_insert(d, ada, "f.txt", "text/plain", "abc", 3, &up), 0);
	assert_true(db_exec(d, "UPDATE messages SET upload_id = ? WHERE id = ?", DB_ARGS(db_v_int(up), db_v_int(x))) == 1);
	int64_t rev0, rev1;
	db_query_int(d, "SELECT revision FROM conversations WHERE id = ?", DB_ARGS(db_v_int(c2)), &rev0);
	struct admin_actor a = {root, "root"};
	int64_t ids[] = {x, z, 987654321};
	assert_int_equal(admin_messages_delete(d, &a, ids, 3), 2);
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM conversations WHERE id = %lld", (long long)c1);
	assert_int_equal(count(sql), 0); /* left empty: gone */
	snprintf(sql, sizeof sql, "SELECT count(*) FROM uploads WHERE id = %lld", (long long)up);
	assert_int_equal(count(sql), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE id = %lld", (long long)y);
	assert_int_equal(count(sql), 1);
	db_query_int(d, "SELECT revision FROM conversations WHERE id = ?", DB_ARGS(db_v_int(c2)), &rev1);
	assert_true(rev1 > rev0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM admin_log WHERE action = 'message_delete' AND object_id IN (%lld, %lld)"
				  " AND object_label = 'ada' AND admin_name = 'root'",
		 (long long)x, (long long)z);
	assert_int_equal(count(sql), 2);
	/* More than the bulk limit is refused whole. */
	int64_t many[ADMIN_MAX_BULK + 1] = {0};
	assert_int_equal(admin_messages_delete(d, &a, many, ADMIN_MAX_BULK + 1), -1);
}

static void test_user_rules(void **state)
{
	(void)state;
	struct admin_actor self = {root, "root"}, other = {ada, "ada"};
	/* Their own right, activity, account: refused. */
	assert_int_equal(admin_user_action(d, &self, root, ADMIN_REVOKE), ADMIN_SELF);
	assert_int_equal(admin_user_action(d, &self, root, ADMIN_DEACTIVATE), ADMIN_SELF);
	assert_int_equal(admin_user_action(d, &self, root, ADMIN_DELETE), ADMIN_SELF);
	assert_int_equal(admin_user_action(d, &self, root, ADMIN_GRANT), ADMIN_UNCHANGED);
	/* Whoever is not an active administrator (any more: demoted or deactivated since
	 * their request began) changes nothing, whatever the action. */
	assert_int_equal(admin_user_action(d, &other, root, ADMIN_REVOKE), ADMIN_NOT_ADMIN);
	assert_int_equal(admin_user_action(d, &other, root, ADMIN_DEACTIVATE), ADMIN_NOT_ADMIN);
	assert_int_equal(admin_user_action(d, &other, root, ADMIN_DELETE), ADMIN_NOT_ADMIN);
	assert_int_equal(admin_user_action(d, &other, ada, ADMIN_GRANT), ADMIN_NOT_ADMIN);
	assert_int_equal(count("SELECT is_admin FROM users WHERE username = 'ada'"), 0);
	/* An inactive administrator neither counts nor acts. */
	int64_t sleepy;
	assert_int_equal(user_create(d, "sleepy", "", "", true, &sleepy), USER_CREATED);
	assert_true(db_exec(d, "UPDATE users SET is_active = 0 WHERE id = ?", DB_ARGS(db_v_int(sleepy))) == 1);
	struct admin_actor asleep = {sleepy, "sleepy"};
	assert_int_equal(admin_user_action(d, &asleep, root, ADMIN_REVOKE), ADMIN_NOT_ADMIN);
	/* A second active one: now root may lose the right (to someone else's hand), and
	 * then acts no more. */
	assert_int_equal(admin_user_action(d, &self, sleepy, ADMIN_ACTIVATE), ADMIN_DONE);
	assert_int_equal(admin_user_action(d, &asleep, root, ADMIN_REVOKE), ADMIN_DONE);
	assert_int_equal(admin_user_action(d, &self, sleepy, ADMIN_REVOKE), ADMIN_NOT_ADMIN);
	assert_int_equal(admin_user_action(d, &self, root, ADMIN_GRANT), ADMIN_NOT_ADMIN);
	assert_int_equal(admin_user_action(d, &asleep, root, ADMIN_GRANT), ADMIN_DONE);
	assert_int_equal(admin_user_action(d, &self, 424242, ADMIN_ACTIVATE), ADMIN_NOT_FOUND);
	assert_int_equal(admin_action_parse("grant_admin"), ADMIN_GRANT);
	assert_int_equal(admin_action_parse("grant"), -1);
	assert_int_equal(admin_action_parse(NULL), -1);

	/* Deactivation ends the sessions in the same transaction. */
	assert_true(db_exec(d, "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('h', ?, 0, ?)",
			    DB_ARGS(db_v_int(ada), db_v_int(now_ms() + 100000))) == 1);
	assert_int_equal(admin_user_action(d, &self, ada, ADMIN_DEACTIVATE), ADMIN_DONE);
	assert_int_equal(count("SELECT count(*) FROM sessions WHERE token_hash = 'h'"), 0);
	assert_int_equal(admin_user_action(d, &self, ada, ADMIN_DEACTIVATE), ADMIN_UNCHANGED);
	assert_int_equal(count("SELECT count(*) FROM admin_log WHERE action = 'user_deactivate' AND object_label = 'ada'"
			       " AND old_value = '1' AND new_value = '0'"),
			 1);

	/* Deleting: the user's data goes, the log keeps both names. */
	int64_t c;
	char uuid[37];
	assert_int_equal(conv_create(d, sleepy, "s", "web", uuid, &c), 0);
	add(sleepy, c, "user", "bye", NULL, -1, "ok", now_ms());
	struct admin_actor by_sleepy = {sleepy, "sleepy"};
	assert_int_equal(admin_log_add(d, &by_sleepy, "user_activate", "user", ada, "ada", "is_active", "0", "1"), 0);
	assert_int_equal(admin_user_action(d, &self, sleepy, ADMIN_DELETE), ADMIN_DONE);
	assert_int_equal(count("SELECT count(*) FROM users WHERE username = 'sleepy'"), 0);
	assert_int_equal(count("SELECT count(*) FROM conversations WHERE title = 's'"), 0);
	assert_int_equal(count("SELECT count(*) FROM admin_log WHERE action = 'user_delete' AND object_label = 'sleepy'"
			       " AND old_value = '1 conversations, 1 messages'"),
			 1);
	/* the two changes of root above, the activation of ada */
	assert_int_equal(count("SELECT count(*) FROM admin_log WHERE admin_name = 'sleepy' AND admin_id IS NULL"), 3);
}

static void test_log_list(void **state)
{
	(void)state;
	struct admin_log_row *e;
	size_t n;
	bool more;
	assert_int_equal(admin_log_list(d, NULL, NULL, 1, &e, &n, &more), 0);
	assert_true(n > 3);
	for (size_t i = 1; i < n; i++)
		assert_true(e[i - 1].id > e[i].id); /* newest first */
	admin_log_rows_free(e, n);
	assert_int_equal(admin_log_list(d, "sleepy", NULL, 1, &e, &n, &more), 0);
	assert_int_equal(n, 3);
	admin_log_rows_free(e, n);
	assert_int_equal(admin_log_list(d, "root", "user_delete", 1, &e, &n, &more), 0);
	assert_int_equal(n, 1);
	assert_string_equal(e[0].object_label, "sleepy");
	admin_log_rows_free(e, n);
}

/* An administrator's revocation of a user's key (admin_keys.c): only through the
 * key's own user, logged once with the time, the first time kept; and the API
 * columns of a message, with the key's name and state. */
static void test_key_revoke(void **state)
{
	(void)state;
	struct admin_actor a = {root, "root"};
	int64_t k, other;
	assert_int_equal(apikey_insert(d, ada, "note<b>book", "llmk-AbCdEfG", "h1", -1, &k), 0);
	assert_int_equal(apikey_insert(d, bob, "bobs", "llmk-ZyXwVuT", "h2", -1, &other), 0);
	int64_t logged = count("SELECT count(*) FROM admin_log WHERE action = 'key_revoke'");
	assert_int_equal(admin_key_revoke(d, &a, bob, k), ADMIN_NOT_FOUND); /* ada's key through bob */
	assert_int_equal(admin_key_revoke(d, &a, ada, 987654), ADMIN_NOT_FOUND);
	assert_int_equal(count("SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL"), 0);
	assert_int_equal(admin_key_revoke(d, &a, ada, k), ADMIN_DONE);
	int64_t at = count("SELECT revoked_at FROM api_keys WHERE key_hash = 'h1'");
	assert_true(at > 0);
	assert_int_equal(count("SELECT count(*) FROM admin_log WHERE action = 'key_revoke' AND admin_name = 'root'"
			       " AND object_type = 'api_key' AND field = 'revoked_at' AND old_value IS NULL"),
			 1);
	char *label = db_query_text(d, "SELECT object_label FROM admin_log WHERE action = 'key_revoke'", DB_NOARGS);
	assert_non_null(label);
	assert_string_equal(label, "note<b>book (llmk-AbCdEfG\xe2\x80\xa6) of ada");
	free(label);
	char when[32];
	fmt_iso8601(when, at);
	char *logged_at = db_query_text(d, "SELECT new_value FROM admin_log WHERE action = 'key_revoke'", DB_NOARGS);
	assert_non_null(logged_at);
	assert_string_equal(logged_at, when);
	free(logged_at);
	assert_int_equal(admin_key_revoke(d, &a, ada, k), ADMIN_UNCHANGED);
	assert_int_equal(count("SELECT count(*) FROM admin_log WHERE action = 'key_revoke'"), logged + 1);
	assert_int_equal(count("SELECT revoked_at FROM api_keys WHERE key_hash = 'h1'"), at);
	assert_int_equal(count("SELECT count(*) FROM api_keys WHERE key_hash = 'h2' AND revoked_at IS NULL"), 1);

	/* The API columns of a message: with the key, and of a message without one. */
	char uuid[37];
	int64_t conv, q, plain;
	assert_int_equal(conv_create(d, ada, "api", "api", uuid, &conv), 0);
	struct message m;
	message_init(&m, "user");
	m.content = "hi";
	m.request_json = "{\"messages\":[{\"role\":\"user\",\"content\":\"<script>\"}]}";
	m.api_key_id = k;
	snprintf(m.source, sizeof m.source, "api");
	assert_int_equal(msg_insert(d, &m, conv, ada, &q), 0);
	message_init(&m, "user");
	m.content = "plain";
	assert_int_equal(msg_insert(d, &m, conv, ada, &plain), 0);
	struct admin_msg_api x;
	assert_int_equal(admin_message_api(d, q, &x), 1);
	assert_string_equal(x.request_json, "{\"messages\":[{\"role\":\"user\",\"content\":\"<script>\"}]}");
	assert_null(x.tool_calls);
	assert_int_equal(x.key_id, k);
	assert_string_equal(x.key_name, "note<b>book");
	assert_string_equal(x.key_prefix, "llmk-AbCdEfG");
	assert_true(x.key_revoked);
	admin_msg_api_free(&x);
	assert_int_equal(admin_message_api(d, plain, &x), 1);
	assert_null(x.request_json);
	assert_int_equal(x.key_id, -1);
	assert_null(x.key_name);
	admin_msg_api_free(&x);
	assert_int_equal(admin_message_api(d, 987654, &x), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users_filter_sort), cmocka_unit_test(test_set_email),
		cmocka_unit_test(test_sort_whitelist),
		cmocka_unit_test(test_fixed_values),
		cmocka_unit_test(test_date_periods),   cmocka_unit_test(test_list),
		cmocka_unit_test(test_count_cap),      cmocka_unit_test(test_edit),
		cmocka_unit_test(test_delete),	       cmocka_unit_test(test_user_rules),
		cmocka_unit_test(test_log_list),       cmocka_unit_test(test_key_revoke),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
