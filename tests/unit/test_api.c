/* test_api.c - the pieces of the OpenAI-compatible API that need no server
 * (docs/api.md), on a SQLite file (PostgreSQL when LLMMETA_TEST_PG_URL is set):
 *
 * Keys (src/auth/apikey.c, src/model/apikey.c): a new key is "llmk-" and 43
 * base64url characters, stored as its SHA-256 and first 12 characters only; it is
 * found by its hash while live, and not once revoked (by its owner only; another
 * user's revoke finds nothing), expired (at the millisecond) or its user inactive;
 * a second revoke keeps the first time; the list is newest first.
 *
 * Recording (src/model/apicall.c): a batch writes each call's conversation (new,
 * or found or created by X-Conversation-Id, or - when that id is another user's - a
 * new one), question and answer (or no answer), moves the revision for each message,
 * and counts each key's calls once per key; a batch with one bad record writes
 * nothing.
 *
 * The JSON member editor (src/core/jsonedit.c): only the top-level member changes,
 * whatever the spacing, escapes and nesting; text without it is left as it is.
 *
 * Tool calls in the OpenAI adapter (src/llm/openai.c): streamed pieces put together
 * by index, a whole answer of tool calls alone (content null) accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/auth/auth.h"
#include "../../src/core/util.h"
#include "../../src/db/db.h"
#include "../../src/db/migrate.h"
#include "../../src/llm/llm_impl.h"
#include "../../src/model/apicall.h"
#include "../../src/model/apikey.h"
#include "../../src/model/user.h"
#include "../../src/web/api/api.h"
#include "unit_db.h"

static char path[64];
static db *d;
static int64_t ada, bob;

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof path, "/tmp/llmmeta-test-api-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	char url[128];
	snprintf(url, sizeof url, "sqlite://%s", path);
	if (db_thread_init(unit_db_url(url)) < 0 || !(d = db_thread()) || db_migrate(d) < 1)
		return -1;
	if (user_create(d, "ada", "", "", false, &ada) != USER_CREATED ||
	    user_create(d, "bob", "b@x", "", false, &bob) != USER_CREATED)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	db_thread_close();
	unlink(path);
	return 0;
}

static int owner_of(const char *key, int64_t now, int64_t *user)
{
	char hash[65];
	sha256_hex(hash, key, strlen(key));
	int64_t key_id;
	char *name = NULL;
	bool admin;
	int rc = apikey_owner(d, hash, now, &key_id, user, &name, &admin);
	if (rc == 1)
		assert_string_equal(name, *user == ada ? "ada" : "bob");
	free(name);
	return rc;
}

static void test_keys(void **state)
{
	(void)state;
	char key[APIKEY_LEN + 1];
	int64_t id, other, user;
	assert_int_equal(auth_apikey_create(d, ada, "first", -1, key, &id), 0);
	assert_int_equal(strlen(key), APIKEY_LEN);
	assert_memory_equal(key, "llmk-", 5);
	for (const char *p = key + 5; *p; p++)
		assert_true(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
	char hash[65];
	sha256_hex(hash, key, strlen(key));
	char *stored = db_query_text(d, "SELECT key_hash || ' ' || prefix FROM api_keys WHERE id = ?", DB_ARGS(db_v_int(id)));
	char want[100];
	snprintf(want, sizeof want, "%s %.12s", hash, key);
	assert_string_equal(stored, want);
	free(stored);

	assert_int_equal(owner_of(key, now_ms(), &user), 1);
	assert_int_equal(user, ada);
	assert_int_equal(owner_of("llmk-not-a-key", now_ms(), &user), 0);

	/* bob cannot revoke ada's key; ada can, once (the first time is kept) */
	assert_int_equal(apikey_revoke(d, bob, id), 0);
	assert_int_equal(owner_of(key, now_ms(), &user), 1);
	assert_int_equal(apikey_revoke(d, ada, id), 1);
	assert_int_equal(owner_of(key, now_ms(), &user), 0);
	int64_t first;
	assert_int_equal(db_query_int(d, "SELECT revoked_at FROM api_keys WHERE id = ?", DB_ARGS(db_v_int(id)), &first), 1);
	usleep(2000);
	assert_int_equal(apikey_revoke(d, ada, id), 1);
	int64_t again;
	assert_int_equal(db_query_int(d, "SELECT revoked_at FROM api_keys WHERE id = ?", DB_ARGS(db_v_int(id)), &again), 1);
	assert_int_equal(again, first);
	assert_int_equal(apikey_revoke(d, ada, 999999), 0);

	/* expiry, at the millisecond */
	char k2[APIKEY_LEN + 1];
	assert_int_equal(auth_apikey_create(d, bob, "exp", 5000, k2, &other), 0);
	assert_int_equal(owner_of(k2, 4999, &user), 1);
	assert_int_equal(user, bob);
	assert_int_equal(owner_of(k2, 5000, &user), 0);

	/* an inactive user's key */
	char k3[APIKEY_LEN + 1];
	assert_int_equal(auth_apikey_create(d, bob, "inactive", -1, k3, &other), 0);
	assert_int_equal(owner_of(k3, now_ms(), &user), 1);
	assert_int_equal(db_exec(d, "UPDATE users SET is_active = 0 WHERE id = ?", DB_ARGS(db_v_int(bob))), 1);
	assert_int_equal(owner_of(k3, now_ms(), &user), 0);
	assert_int_equal(db_exec(d, "UPDATE users SET is_active = 1 WHERE id = ?", DB_ARGS(db_v_int(bob))), 1);

	struct apikey *list;
	size_t n;
	assert_int_equal(apikey_list(d, bob, &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "inactive");
	assert_string_equal(list[1].name, "exp");
	assert_int_equal(list[1].expires_at, 5000);
	assert_int_equal(list[0].expires_at, -1);
	assert_int_equal(list[0].calls, 0);
	assert_int_equal(list[0].last_used_at, -1);
	assert_int_equal(list[0].revoked_at, -1);
	apikey_list_free(list, n);
}

static int64_t count(const char *sql, int64_t arg)
{
	int64_t n = -1;
	assert_int_equal(db_query_int(d, sql, DB_ARGS(db_v_int(arg)), &n), 1);
	return n;
}

/* A call as api_chat.c fills it. */
static void rec_init(struct apicall *c, struct message *q, struct message *a, int64_t user, int64_t key,
		      const char *uuid, const char *text)
{
	memset(c, 0, sizeof *c);
	message_init(q, "user");
	snprintf(q->source, sizeof q->source, "api");
	q->content = (char *)text;
	q->request_json = (char *)"{\"model\":\"m\"}";
	q->api_key_id = key;
	message_init(a, "assistant");
	snprintf(a->source, sizeof a->source, "api");
	a->content = (char *)"answer";
	a->tool_calls = (char *)"[{\"id\":\"c1\"}]";
	a->api_key_id = key;
	c->user_id = user;
	c->key_id = key;
	snprintf(c->uuid, sizeof c->uuid, "%s", uuid ? uuid : "");
	c->title = text;
	c->question = q;
	c->answer = a;
}

static void test_record_batch(void **state)
{
	(void)state;
	char key[APIKEY_LEN + 1];
	int64_t k1, k2;
	assert_int_equal(auth_apikey_create(d, ada, "k1", -1, key, &k1), 0);
	assert_int_equal(auth_apikey_create(d, ada, "k2", -1, key, &k2), 0);
	char bobs[37];
	int64_t bobs_id;
	assert_int_equal(conv_create(d, bob, "bob's", "web", bobs, &bobs_id), 0);

	const char *group = "0b7c6c9e-1111-4222-8333-444455556666";
	struct apicall c[4];
	struct message q[4], a[4];
	rec_init(&c[0], &q[0], &a[0], ada, k1, group, "one");
	rec_init(&c[1], &q[1], &a[1], ada, k1, group, "two");
	rec_init(&c[2], &q[2], &a[2], ada, k2, NULL, "three");
	rec_init(&c[3], &q[3], &a[3], ada, k2, bobs, "four"); /* bob's id: a conversation of its own */
	c[2].answer = NULL; /* failed before any answer */
	snprintf(q[2].status, sizeof q[2].status, "error");
	struct apicall *batch[] = {&c[0], &c[1], &c[2], &c[3]};
	assert_int_equal(apicall_record(d, batch, 4), 0);

	assert_int_equal(c[0].conv_id, c[1].conv_id);
	assert_true(c[2].conv_id != c[0].conv_id && c[3].conv_id != bobs_id && c[3].conv_id != c[2].conv_id);
	assert_int_equal(count("SELECT count(*) FROM messages WHERE conversation_id = ?", c[0].conv_id), 4);
	assert_int_equal(count("SELECT revision FROM conversations WHERE id = ?", c[0].conv_id), 4);
	assert_int_equal(count("SELECT count(*) FROM messages WHERE conversation_id = ?", c[2].conv_id), 1);
	assert_int_equal(count("SELECT count(*) FROM messages WHERE conversation_id = ?", bobs_id), 0);
	assert_int_equal(count("SELECT user_id FROM conversations WHERE id = ?", c[3].conv_id), ada);
	assert_int_equal(count("SELECT count(*) FROM conversations WHERE source = 'api' AND user_id = ?", ada), 3);
	char *title = conv_title(d, c[0].conv_id, ada);
	assert_string_equal(title, "one");
	free(title);
	char *tools = db_query_text(d, "SELECT tool_calls FROM messages WHERE id = ?", DB_ARGS(db_v_int(c[0].answer_id)));
	assert_string_equal(tools, "[{\"id\":\"c1\"}]");
	free(tools);
	char *req = db_query_text(d, "SELECT request_json FROM messages WHERE id = ?", DB_ARGS(db_v_int(c[0].question_id)));
	assert_string_equal(req, "{\"model\":\"m\"}");
	free(req);
	assert_int_equal(count("SELECT calls FROM api_keys WHERE id = ?", k1), 2);
	assert_int_equal(count("SELECT calls FROM api_keys WHERE id = ?", k2), 2);
	assert_int_equal(count("SELECT api_key_id FROM messages WHERE id = ?", c[2].question_id), k2);

	/* One bad record (a key that does not exist): nothing of the batch is written. */
	int64_t before = count("SELECT count(*) FROM messages WHERE user_id = ?", ada);
	struct apicall e[2];
	struct message eq[2], ea[2];
	rec_init(&e[0], &eq[0], &ea[0], ada, k1, NULL, "fine");
	rec_init(&e[1], &eq[1], &ea[1], ada, 424242, NULL, "bad");
	struct apicall *bad[] = {&e[0], &e[1]};
	assert_int_equal(apicall_record(d, bad, 2), -1);
	assert_int_equal(count("SELECT count(*) FROM messages WHERE user_id = ?", ada), before);
	assert_int_equal(count("SELECT calls FROM api_keys WHERE id = ?", k1), 2);
	/* ... and the good one alone is */
	struct apicall *good[] = {&e[0]};
	assert_int_equal(apicall_record(d, good, 1), 0);
	assert_int_equal(count("SELECT count(*) FROM messages WHERE user_id = ?", ada), before + 2);
}

static void set_model(const char *in, const char *want)
{
	buf b = BUF_INIT;
	jsonedit_set_string(&b, in, strlen(in), "model", "new\"m");
	assert_string_equal(b.data ? b.data : "", want);
	buf_free(&b);
}

static void test_json_member(void **state)
{
	(void)state;
	set_model("{\"model\":\"a\"}", "{\"model\":\"new\\\"m\"}");
	set_model(" { \"x\" : {\"model\":\"inner\"}, \"model\" : \"a\" , \"y\":[1,{\"model\":2}] }",
		  " { \"x\" : {\"model\":\"inner\"}, \"model\" : \"new\\\"m\" , \"y\":[1,{\"model\":2}] }");
	set_model("{\"s\":\"has \\\"model\\\": \\\"q\\\" in it\",\"model\":\"a\"}",
		  "{\"s\":\"has \\\"model\\\": \\\"q\\\" in it\",\"model\":\"new\\\"m\"}");
	set_model("{\"models\":\"a\",\"n\":1.0e0}", "{\"models\":\"a\",\"n\":1.0e0}"); /* no member: as it was */
	set_model("[\"model\",\"a\"]", "[\"model\",\"a\"]");
	size_t a, b;
	const char *s = "{\"choices\": [] ,\"usage\":{\"x\":1}}";
	assert_true(jsonedit_member(s, strlen(s), "choices", &a, &b));
	assert_int_equal(b - a, 2);
	assert_true(jsonedit_member(s, strlen(s), "usage", &a, &b));
	assert_memory_equal(s + a, "{\"x\":1}", b - a);
	assert_false(jsonedit_member("{\"a\":", 5, "a", &a, &b));
	assert_false(jsonedit_member("{\"a\":\"unterminated", 18, "a", &a, &b));
}

static buf text;
static int tokens;
static void on_text(struct llm_acc *acc, const char *t, size_t len)
{
	(void)acc;
	buf_append(&text, t, len);
}
static void on_token(struct llm_acc *acc)
{
	(void)acc;
	tokens++;
}

static void test_tool_calls(void **state)
{
	(void)state;
	struct llm_acc acc = {.delta = on_text, .token = on_token};
	const char *ev[] = {
		"{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
		"\"type\":\"function\",\"function\":{\"name\":\"get\",\"arguments\":\"\"}}]}}]}",
		"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ci\"}}]}}]}",
		"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"put\",\"arguments\":\"{}\"}}]}}]}",
		"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ty\\\":1}\"}}]}}]}",
		"{\"choices\":[{\"delta\":{},\"finish_reason\":\"tool_calls\"}]}",
	};
	for (size_t i = 0; i < sizeof ev / sizeof ev[0]; i++)
		assert_int_equal(llm_openai.event(&acc, NULL, ev[i], strlen(ev[i])), 0);
	char *got = json_dumps(acc.tool_calls, JSON_COMPACT);
	assert_string_equal(got, "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get\",\"arguments\":\"{\\\"city\\\":1}\"}},"
				 "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"put\",\"arguments\":\"{}\"}}]");
	free(got);
	assert_string_equal(acc.res.finish_reason, "tool_calls");
	assert_int_equal(tokens, 4);
	assert_int_equal(text.len, 0);
	json_decref(acc.tool_calls);
	llm_result_free(&acc.res);

	struct llm_acc whole = {.delta = on_text, .token = on_token};
	const char *body = "{\"model\":\"m\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
			   "[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
			   "\"finish_reason\":\"tool_calls\"}]}";
	assert_int_equal(llm_openai.whole(&whole, body, strlen(body)), 0);
	assert_true(whole.complete);
	assert_int_equal(json_array_size(whole.tool_calls), 1);
	json_decref(whole.tool_calls);
	llm_result_free(&whole.res);
	/* neither content nor tool calls: not an answer */
	struct llm_acc none = {.delta = on_text, .token = on_token};
	const char *empty = "{\"choices\":[{\"message\":{\"role\":\"assistant\"}}]}";
	assert_int_equal(llm_openai.whole(&none, empty, strlen(empty)), -1);
	llm_result_free(&none.res);
	buf_free(&text);
}

/* The record's summary of an embeddings answer: the provider's text, so a base64
 * string shorter than its own padding is 0 dimensions, not a wrapped-around count. */
static void test_embeddings_summary(void **state)
{
	(void)state;
	const char *floats = "{\"data\":[{\"embedding\":[0.1,0.2,0.3]},{\"embedding\":[1,2,3]}]}";
	char *s = api_embeddings_summary(floats, strlen(floats));
	assert_string_equal(s, "2 vectors of 3 dimensions");
	free(s);
	const char *b64 = "{\"data\":[{\"embedding\":\"AAAAAAAAgD8=\"}]}"; /* 2 float32s: 8 bytes */
	s = api_embeddings_summary(b64, strlen(b64));
	assert_string_equal(s, "1 vector of 2 dimensions");
	free(s);
	const char *shortpad[] = {"{\"data\":[{\"embedding\":\"a=\"}]}", "{\"data\":[{\"embedding\":\"==\"}]}"};
	for (size_t i = 0; i < 2; i++) {
		s = api_embeddings_summary(shortpad[i], strlen(shortpad[i]));
		assert_string_equal(s, "1 vector of 0 dimensions");
		free(s);
	}
	assert_null(api_embeddings_summary("not json", 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_record_batch),
		cmocka_unit_test(test_json_member),
		cmocka_unit_test(test_tool_calls),
		cmocka_unit_test(test_embeddings_summary),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
