/* test_conversation.c - the conversation model (src/model/conversation.c) and answers
 * rendered once, when stored (src/web/answer_html.c), on a SQLite file, or PostgreSQL
 * when LLMMETA_TEST_PG_URL is set (the page stores a fresh rendering through
 * db_thread(), which opens the database by URL).
 *
 * Covers: the list functions (msg_list, conv_list, prompt_list) across their growth
 * step (16 and 17 rows), in order; rendered text and version round-trip, absent stays
 * NULL/-1; setting them on a missing message fails; answer_html_fill renders what
 * markdown_html renders, as the message's own string; message_clear frees every
 * string of a message; a current rendering is shown as kept (no Markdown work), a
 * stale or missing one is rendered afresh and stored back, and a message not yet
 * stored is never written. The revision: each function that changes a
 * conversation's messages (msg_insert, msg_set_status, msg_set_rendered,
 * exchange_question, exchange_answer) moves it, and only that conversation's, a
 * failed one does not, and conv_touch (not a change to the messages) does not;
 * conv_head finds the user's own conversation (any case of its uuid) with its
 * revision and title. msg_list_tail: the last k in order, or all when fewer. */
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
#include "../../src/html/markdown.h"
#include "../../src/model/conversation.h"
#include "../../src/model/delete.h"
#include "../../src/model/exchange.h"
#include "../../src/model/user.h"
#include "../../src/web/answer_html.h"
#include "unit_db.h"

static char path[64];
static db *d;
static int64_t conv_id, user_id;

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof path, "/tmp/llmmeta-test-answer-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	char url[128], uuid[37];
	snprintf(url, sizeof url, "sqlite://%s", path);
	if (db_thread_init(unit_db_url(url)) < 0 || !(d = db_thread()) || db_migrate(d) < 1)
		return -1;
	if (user_create(d, "ada", "", "", false, &user_id) != USER_CREATED)
		return -1;
	return conv_create(d, user_id, "t", "web", uuid, &conv_id);
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

/* Stores an answer with the given rendering; returns its id. */
static int64_t store(const char *content, const char *rendered, int64_t version)
{
	struct message m;
	message_init(&m, "assistant");
	m.content = (char *)content;
	m.rendered = (char *)rendered;
	m.rendered_version = version;
	int64_t id = 0;
	assert_int_equal(msg_insert(d, &m, conv_id, user_id, &id), 0);
	return id;
}

/* The stored message id (the caller clears it). */
static void load(int64_t id, struct message *out)
{
	struct message *all;
	size_t n;
	assert_int_equal(msg_list(d, conv_id, &all, &n), 0);
	size_t i = 0;
	while (i < n && all[i].id != id)
		i++;
	assert_true(i < n);
	*out = all[i];
	all[i] = all[n - 1]; /* out owns its strings now */
	msg_list_free(all, n - 1);
}

static char *markdown(const char *s)
{
	buf b = BUF_INIT;
	markdown_html(&b, s, strlen(s));
	return buf_detach(&b, NULL);
}

/* 16 rows fill the first allocation, the 17th grows it: every row comes back, in order. */
static void test_lists_grow(void **state)
{
	(void)state;
	int64_t uid;
	assert_int_equal(user_create(d, "lists", "", "", false, &uid), USER_CREATED);
	for (int want = 16; want <= 17; want++) {
		char uuid[37];
		int64_t cid;
		assert_int_equal(conv_create(d, uid, "c", "web", uuid, &cid), 0);
		for (int i = 0; i < want; i++) {
			char text[16];
			snprintf(text, sizeof text, "m%d", i);
			struct message m;
			message_init(&m, i % 2 ? "assistant" : "user");
			m.content = text;
			int64_t id;
			assert_int_equal(msg_insert(d, &m, cid, uid, &id), 0);
			snprintf(text, sizeof text, "p%d", i);
			assert_int_equal(prompt_save(d, uid, text, "body"), 0);
		}
		struct message *msgs;
		size_t n;
		assert_int_equal(msg_list(d, cid, &msgs, &n), 0);
		assert_int_equal(n, (size_t)want);
		for (size_t i = 0; i < n; i++) {
			char text[32];
			snprintf(text, sizeof text, "m%zu", i);
			assert_string_equal(msgs[i].content, text);
			assert_string_equal(msgs[i].role, i % 2 ? "assistant" : "user");
		}
		msg_list_free(msgs, n);
	}
	struct prompt *p;
	size_t np;
	assert_int_equal(prompt_list(d, uid, &p, &np), 0);
	assert_int_equal(np, 33); /* 16 + 17 */
	assert_string_equal(p[0].title, "p0");
	assert_string_equal(p[16].title, "p0");
	assert_string_equal(p[32].title, "p16");
	prompt_list_free(p, np);
	for (int i = 0; i < 15; i++) { /* 17 conversations in all */
		char uuid[37];
		int64_t cid;
		assert_int_equal(conv_create(d, uid, "more", "web", uuid, &cid), 0);
	}
	struct conv_summary *c;
	size_t nc;
	assert_int_equal(conv_list(d, uid, 100, 0, &c, &nc), 0);
	assert_int_equal(nc, 17);
	assert_string_equal(c[16].title, "c"); /* the oldest last */
	assert_int_equal(c[16].messages, 16);
	conv_list_free(c, nc);
	assert_int_equal(conv_list(d, uid, 16, 0, &c, &nc), 0);
	assert_int_equal(nc, 16);
	conv_list_free(c, nc);
}

static void test_model_round_trip(void **state)
{
	(void)state;
	int64_t with = store("a", "<p>kept</p>", 7), without = store("b", NULL, 7);
	struct message m;
	load(with, &m);
	assert_string_equal(m.rendered, "<p>kept</p>");
	assert_int_equal(m.rendered_version, 7);
	message_clear(&m);
	load(without, &m);
	assert_null(m.rendered);
	assert_int_equal(m.rendered_version, -1);
	message_clear(&m);
	assert_int_equal(msg_set_rendered(d, without, "<p>b</p>", 8), 0);
	load(without, &m);
	assert_string_equal(m.rendered, "<p>b</p>");
	assert_int_equal(m.rendered_version, 8);
	message_clear(&m);
	assert_int_equal(msg_set_rendered(d, without + 1000, "x", 1), -1);
}

static void test_fill_renders_markdown(void **state)
{
	(void)state;
	struct message m;
	message_init(&m, "assistant");
	m.content = xstrdup("**bold** & `code`\n\n- one\n- two");
	answer_html_fill(&m);
	char *want = markdown(m.content);
	assert_string_equal(m.rendered, want);
	assert_int_equal(m.rendered_version, MARKDOWN_VERSION);
	/* The rendering is the message's own, as its other strings: a second message's
	 * fill leaves it alone, a second fill replaces it, message_clear frees it (the
	 * sanitizer reports a leak or a bad free otherwise). */
	struct message m2;
	message_init(&m2, "assistant");
	m2.content = xstrdup("");
	answer_html_fill(&m2);
	assert_string_equal(m2.rendered, "");
	assert_string_equal(m.rendered, want);
	free(m.content);
	m.content = xstrdup("*x*");
	answer_html_fill(&m);
	assert_string_equal(m.rendered, "<p><em>x</em></p>\n");
	message_clear(&m);
	message_clear(&m2);
	free(want);
}

/* Every string of a message is its own: message_clear frees each one (a field it
 * missed is a leak the sanitizer reports) and leaves the message zeroed. */
static void test_message_clear_frees_every_string(void **state)
{
	(void)state;
	struct message m;
	message_init(&m, "assistant");
	char **strings[] = {&m.content,	 &m.provider,	 &m.model,     &m.model_reported, &m.finish_reason,
			    &m.error,	 &m.file_name,	 &m.file_sha256, &m.file_type,	  &m.rendered,
			    &m.request_json, &m.tool_calls};
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
		*strings[i] = xstrdup("owned");
	message_clear(&m);
	for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
		assert_null(*strings[i]);
	assert_int_equal(m.id, 0);
}

static void test_current_rendering_is_shown_as_kept(void **state)
{
	(void)state;
	int64_t id = store("*x*", "<p>KEPT</p>", MARKDOWN_VERSION);
	struct message m;
	load(id, &m);
	buf b = BUF_INIT;
	answer_html(&b, &m);
	assert_string_equal(b.data, "<p>KEPT</p>"); /* not "<p><em>x</em></p>" */
	buf_free(&b);
	message_clear(&m);
}

static void test_stale_or_missing_rendering_is_redone_and_stored(void **state)
{
	(void)state;
	int64_t stale = store("*new*", "<p>OLD</p>", MARKDOWN_VERSION - 1);
	int64_t missing = store("*none yet*", NULL, -1);
	int64_t ids[] = {stale, missing};
	for (size_t i = 0; i < 2; i++) {
		struct message m;
		load(ids[i], &m);
		char *want = markdown(m.content);
		buf b = BUF_INIT;
		answer_html(&b, &m);
		assert_string_equal(b.data, want);
		buf_free(&b);
		message_clear(&m);
		load(ids[i], &m);
		assert_string_equal(m.rendered, want);
		assert_int_equal(m.rendered_version, MARKDOWN_VERSION);
		message_clear(&m);
		free(want);
	}
}

static void test_unstored_message_is_not_written(void **state)
{
	(void)state;
	int64_t before = -1, after = -1;
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM messages WHERE rendered IS NOT NULL", DB_NOARGS, &before), 1);
	struct message m;
	message_init(&m, "assistant");
	m.content = "plain";
	m.id = 0;
	buf b = BUF_INIT;
	answer_html(&b, &m);
	assert_string_equal(b.data, "<p>plain</p>\n");
	buf_free(&b);
	assert_int_equal(db_query_int(d, "SELECT count(*) FROM messages WHERE rendered IS NOT NULL", DB_NOARGS, &after), 1);
	assert_int_equal(after, before);
}

static int64_t revision(int64_t id)
{
	int64_t rev = -1;
	assert_int_equal(db_query_int(d, "SELECT revision FROM conversations WHERE id = ?", DB_ARGS(db_v_int(id)), &rev), 1);
	return rev;
}

static void test_revision_moves_with_the_messages(void **state)
{
	(void)state;
	char uuid[37], other_uuid[37];
	int64_t cid, other;
	assert_int_equal(conv_create(d, user_id, "rev", "web", uuid, &cid), 0);
	assert_int_equal(conv_create(d, user_id, "other", "web", other_uuid, &other), 0);
	assert_int_equal(revision(cid), 0);
	int64_t r = 0, id, answer_id;

	struct message q;
	message_init(&q, "user");
	q.content = "question";
	assert_int_equal(msg_insert(d, &q, cid, user_id, &id), 0);
	assert_true(revision(cid) > r);
	r = revision(cid);
	assert_int_equal(msg_set_status(d, id, "error", "why", 5), 0);
	assert_true(revision(cid) > r);
	r = revision(cid);
	assert_int_equal(msg_set_rendered(d, id, "<p>q</p>", 1), 0);
	assert_true(revision(cid) > r);
	r = revision(cid);
	assert_int_equal(conv_touch(d, cid), 0);
	assert_int_equal(revision(cid), r);
	/* A failure changes nothing. */
	assert_int_equal(msg_set_status(d, id + 1000, "error", "why", 5), -1);
	assert_int_equal(msg_set_rendered(d, id + 1000, "x", 1), -1);
	assert_int_equal(revision(cid), r);

	struct new_question nq = {.user_id = user_id, .conv_id = cid, .source = "web", .msg = &q};
	memcpy(nq.uuid, uuid, sizeof uuid);
	assert_int_equal(exchange_question(d, &nq, &id), 0);
	assert_true(revision(cid) > r);
	r = revision(cid);
	struct message a;
	message_init(&a, "assistant");
	a.content = "answer";
	assert_int_equal(exchange_answer(d, cid, user_id, id, "ok", NULL, 10, &a, &answer_id), 0);
	assert_true(revision(cid) > r);
	r = revision(cid);
	assert_int_equal(exchange_answer(d, cid, user_id, id, "cancelled", "stopped", 10, NULL, NULL), 0);
	assert_true(revision(cid) > r);
	assert_int_equal(revision(other), 0); /* the other conversation did not move */

	struct conv_head h;
	char upper[37];
	for (size_t i = 0; i < sizeof uuid; i++)
		upper[i] = (char)(uuid[i] >= 'a' && uuid[i] <= 'f' ? uuid[i] - 32 : uuid[i]);
	assert_int_equal(conv_head(d, upper, user_id, &h), 1);
	assert_int_equal(h.id, cid);
	assert_int_equal(h.revision, revision(cid));
	assert_string_equal(h.title, "rev");
	free(h.title);
	assert_int_equal(conv_head(d, uuid, user_id + 1000, &h), 0);
	assert_null(h.title);
}

static void test_tail(void **state)
{
	(void)state;
	char uuid[37];
	int64_t cid, id;
	assert_int_equal(conv_create(d, user_id, "tail", "web", uuid, &cid), 0);
	struct message *t;
	size_t n;
	assert_int_equal(msg_list_tail(d, cid, 2, &t, &n), 0);
	assert_int_equal(n, 0);
	msg_list_free(t, n);
	const char *texts[] = {"one", "two", "three"};
	for (size_t i = 0; i < 3; i++) {
		struct message m;
		message_init(&m, i % 2 ? "assistant" : "user");
		m.content = (char *)texts[i];
		assert_int_equal(msg_insert(d, &m, cid, user_id, &id), 0);
	}
	assert_int_equal(msg_list_tail(d, cid, 2, &t, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].content, "two");
	assert_string_equal(t[1].content, "three");
	assert_int_equal(t[1].id, id);
	msg_list_free(t, n);
	assert_int_equal(msg_list_tail(d, cid, 5, &t, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(t[0].content, "one");
	assert_string_equal(t[2].content, "three");
	msg_list_free(t, n);
}

/* A message of role and status in conversation cid; its id. */
static int64_t put(int64_t cid, const char *role, const char *status, const char *content)
{
	struct message m;
	message_init(&m, role);
	m.content = (char *)content;
	int64_t id;
	assert_int_equal(msg_insert(d, &m, cid, user_id, &id), 0);
	assert_int_equal(msg_set_status(d, id, status, NULL, 1), 0);
	return id;
}

static void test_rename_and_dismiss(void **state)
{
	(void)state;
	char uuid[37];
	int64_t cid;
	assert_int_equal(conv_create(d, user_id, "before", "web", uuid, &cid), 0);
	assert_int_equal(conv_rename(d, uuid, user_id, "after"), 1);
	assert_int_equal(conv_rename(d, uuid, user_id + 1000, "theirs"), 0);
	char *t = conv_title(d, cid, user_id);
	assert_string_equal(t, "after");
	free(t);

	int64_t q1 = put(cid, "user", "ok", "fine"), a1 = put(cid, "assistant", "ok", "fine answer");
	int64_t q2 = put(cid, "user", "error", "failed"), a2 = put(cid, "assistant", "error", "partial");
	int64_t q3 = put(cid, "user", "cancelled", "stopped, no answer");
	int64_t q4 = put(cid, "user", "ok", "last");
	(void)q4;
	/* Not a failed question, or not theirs: nothing. */
	assert_int_equal(conv_dismiss(d, uuid, user_id, q1), 0);
	assert_int_equal(conv_dismiss(d, uuid, user_id, a1), 0);
	assert_int_equal(conv_dismiss(d, uuid, user_id, a2), 0);
	assert_int_equal(conv_dismiss(d, uuid, user_id + 1000, q2), 0);
	int64_t r = revision(cid);
	assert_int_equal(conv_dismiss(d, uuid, user_id, q2), 1); /* with its partial answer */
	assert_true(revision(cid) > r);
	assert_int_equal(conv_dismiss(d, uuid, user_id, q3), 1); /* the next is a question: it stays */
	struct message *m;
	size_t n;
	assert_int_equal(msg_list(d, cid, &m, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(m[0].content, "fine");
	assert_string_equal(m[1].content, "fine answer");
	assert_string_equal(m[2].content, "last");
	msg_list_free(m, n);
	assert_int_equal(conv_dismiss(d, uuid, user_id, q2), 0); /* gone already */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists_grow),
		cmocka_unit_test(test_model_round_trip),
		cmocka_unit_test(test_fill_renders_markdown),
		cmocka_unit_test(test_message_clear_frees_every_string),
		cmocka_unit_test(test_current_rendering_is_shown_as_kept),
		cmocka_unit_test(test_stale_or_missing_rendering_is_redone_and_stored),
		cmocka_unit_test(test_unstored_message_is_not_written),
		cmocka_unit_test(test_revision_moves_with_the_messages),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_rename_and_dismiss),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
