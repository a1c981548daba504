/* test_llm.c - the provider adapters (src/llm/openai.c, anthropic.c), the helpers
 * they share (src/llm/engine.c) and the provider configuration (src/llm/provider.c).
 *
 * Covers: the request bodies (message order and roles, stream options, sampling
 * parameters with exact values, parameters left out when unsupported, Anthropic's
 * separate system prompt and mandatory max_tokens); streamed events and whole
 * answers for both APIs (text, model, finish reason, token counts, completion,
 * errors inside the stream, malformed input); llm_error_message; llm_config_load
 * from the environment and from an INI file (in a fresh mkdtemp directory). Every
 * configuration names its models, so no provider is ever asked over the network.
 * And the engine's cancellation (src/llm/engine.c), against a local socket that
 * accepts and never answers: a cancel ends the call as cancelled, before or after
 * the engine picked it up, even when the engine's allocations fail
 * (llm_engine_alloc_fails); a cancel of a finished call does nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/core/buf.h"
#include "../../src/llm/llm_impl.h"

static char name_p[] = "p", url_p[] = "http://127.0.0.1:9/v1", key_p[] = "k";

static const struct llm_msg msgs[] = {
	{"system", "Be brief."}, {"user", "Hi \"there\""}, {"assistant", "Hello \xE2\x86\x92"},
	{"system", "Use French."}, {"user", "Caf\xC3\xA9?"},
};

static json_t *body_of(const struct llm_adapter *ad, unsigned unsupported, char **text)
{
	struct llm_provider prov = {.name = name_p, .type = ad == &llm_openai ? LLM_OPENAI : LLM_ANTHROPIC,
				    .url = url_p, .key = key_p, .unsupported = unsupported};
	struct llm_request req = {.provider = &prov, .model = "m-1", .msgs = msgs, .nmsgs = 5,
				  .max_tokens = 256, .temperature = 0.7, .top_k = 40, .top_p = 0.9};
	*text = ad->body(&req);
	assert_non_null(*text);
	json_t *j = json_loads(*text, 0, NULL);
	assert_true(json_is_object(j));
	return j;
}

static void check_msg(json_t *arr, size_t i, const char *role, const char *content)
{
	json_t *m = json_array_get(arr, i);
	assert_string_equal(json_string_value(json_object_get(m, "role")), role);
	assert_string_equal(json_string_value(json_object_get(m, "content")), content);
}

/* text holds exactly "key":value, the value neither rounded nor extended. */
static bool has_member(const char *text, const char *member)
{
	const char *at = strstr(text, member);
	return at && (at[strlen(member)] == ',' || at[strlen(member)] == '}');
}

static void check_params(json_t *j, const char *text, unsigned absent)
{
	json_t *mt = json_object_get(j, "max_tokens"), *t = json_object_get(j, "temperature"),
	       *k = json_object_get(j, "top_k"), *p = json_object_get(j, "top_p");
	if (absent & LLM_MAX_TOKENS) assert_null(mt);
	else assert_int_equal(json_integer_value(mt), 256);
	if (absent & LLM_TEMPERATURE) assert_null(t);
	else assert_true(json_is_real(t) && json_real_value(t) == 0.7 && has_member(text, "\"temperature\":0.7"));
	if (absent & LLM_TOP_K) assert_null(k);
	else assert_int_equal(json_integer_value(k), 40);
	if (absent & LLM_TOP_P) assert_null(p);
	else assert_true(json_is_real(p) && json_real_value(p) == 0.9 && has_member(text, "\"top_p\":0.9"));
}

static void test_openai_body(void **state)
{
	(void)state;
	static const unsigned cases[] = {0, LLM_TEMPERATURE | LLM_TOP_K, LLM_MAX_TOKENS | LLM_TOP_P, 15};
	for (size_t c = 0; c < 4; c++) {
		char *text;
		json_t *j = body_of(&llm_openai, cases[c], &text);
		assert_string_equal(json_string_value(json_object_get(j, "model")), "m-1");
		json_t *arr = json_object_get(j, "messages");
		assert_int_equal(json_array_size(arr), 5);
		for (size_t i = 0; i < 5; i++)
			check_msg(arr, i, msgs[i].role, msgs[i].content);
		assert_true(json_is_true(json_object_get(j, "stream")));
		assert_true(json_is_true(json_object_get(json_object_get(j, "stream_options"), "include_usage")));
		check_params(j, text, cases[c]);
		json_decref(j);
		free(text);
	}
}

static void test_anthropic_body(void **state)
{
	(void)state;
	static const unsigned cases[] = {0, LLM_TOP_K, LLM_MAX_TOKENS | LLM_TEMPERATURE | LLM_TOP_P};
	for (size_t c = 0; c < 3; c++) {
		char *text;
		json_t *j = body_of(&llm_anthropic, cases[c], &text);
		assert_string_equal(json_string_value(json_object_get(j, "model")), "m-1");
		assert_string_equal(json_string_value(json_object_get(j, "system")), "Be brief.\n\nUse French.");
		json_t *arr = json_object_get(j, "messages");
		assert_int_equal(json_array_size(arr), 3);
		check_msg(arr, 0, "user", "Hi \"there\"");
		check_msg(arr, 1, "assistant", "Hello \xE2\x86\x92");
		check_msg(arr, 2, "user", "Caf\xC3\xA9?");
		assert_true(json_is_true(json_object_get(j, "stream")));
		assert_null(json_object_get(j, "stream_options"));
		check_params(j, text, cases[c] & ~(unsigned)LLM_MAX_TOKENS); /* max_tokens always */
		json_decref(j);
		free(text);
	}
}

/* ---- answers ---- */

static buf answer; /* what the delta callback received */

static void on_delta(struct llm_acc *a, const char *s, size_t len)
{
	(void)a;
	buf_append(&answer, s, len);
}

static struct llm_acc new_acc(void)
{
	buf_free(&answer);
	buf_putc(&answer, '\0');
	answer.len = 0;
	return (struct llm_acc){.res = {.prompt_tokens = -1, .completion_tokens = -1, .total_tokens = -1},
				.delta = on_delta};
}

static void free_acc(struct llm_acc *a)
{
	llm_result_free(&a->res);
	free(a->stream_error);
	buf_free(&answer);
}

/* The answer so far: its text, and what the provider reported. */
static void check_result(const struct llm_acc *a, const char *text, const char *model, const char *finish,
			 int64_t prompt, int64_t completion, int64_t total)
{
	assert_string_equal(answer.data, text);
	assert_string_equal(a->res.model, model);
	if (finish)
		assert_string_equal(a->res.finish_reason, finish);
	else
		assert_null(a->res.finish_reason);
	assert_int_equal(a->res.prompt_tokens, prompt);
	assert_int_equal(a->res.completion_tokens, completion);
	assert_int_equal(a->res.total_tokens, total);
}

static int feed(const struct llm_adapter *ad, struct llm_acc *a, const char *ev, const char *data)
{
	return ad->event(a, ev, data, strlen(data));
}

static void test_openai_events(void **state)
{
	(void)state;
	struct llm_acc a = new_acc();
	static const char *const chunks[] = {
		"{\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}",
		"{\"model\":\"gpt-4o-mini\",\"choices\":[{\"delta\":{\"content\":\"Hello\"}}]}",
		"{\"choices\":[{\"delta\":{\"content\":\" caf\xC3\xA9 \xE2\x86\x92 \"}}]}",
		"{\"choices\":[{\"delta\":{\"content\":\"\\\"q\\\"\"},\"finish_reason\":null}]}",
		"{\"choices\":[{\"delta\":{\"content\":\"!\"}}]}",
		"{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}",
		"{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17}}",
	};
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(feed(&llm_openai, &a, "message", chunks[i]), 0);
	assert_false(a.complete);
	assert_int_equal(feed(&llm_openai, &a, "message", "[DONE]"), 0);
	assert_true(a.complete);
	check_result(&a, "Hello caf\xC3\xA9 \xE2\x86\x92 \"q\"!", "gpt-4o-mini", "stop", 12, 5, 17);
	assert_null(a.stream_error);
	assert_int_equal(feed(&llm_openai, &a, "message", "not json"), -1);
	assert_int_equal(feed(&llm_openai, &a, "message", "[1,2]"), -1);
	assert_int_equal(feed(&llm_openai, &a, "message", "{\"error\":{\"message\":\"boom\",\"code\":500}}"), 0);
	assert_string_equal(a.stream_error, "boom");
	free_acc(&a);
}

/* Once a bug, now fixed: an OpenAI-style chunk whose error is a plain string, {"error":"boom"}, sets
 * stream_error to "error" instead of "boom": openai.c common() serialises the error
 * value with json_dumps(err, JSON_COMPACT), which returns NULL for a string (no
 * JSON_ENCODE_ANY), and falls back to "error". llm_error_message reads the same
 * shape in an HTTP error body correctly. */
static void test_openai_string_error(void **state)
{
	(void)state;
	struct llm_acc a = new_acc();
	assert_int_equal(feed(&llm_openai, &a, "message", "{\"error\":\"boom\"}"), 0);
	assert_non_null(a.stream_error);
	char got[64];
	snprintf(got, sizeof got, "%s", a.stream_error);
	free_acc(&a);
	assert_string_equal(got, "boom");
}

static void test_anthropic_events(void **state)
{
	(void)state;
	struct llm_acc a = new_acc();
	assert_int_equal(feed(&llm_anthropic, &a, "message_start",
			      "{\"type\":\"message_start\",\"message\":{\"model\":\"claude-x\",\"content\":[],"
			      "\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}"), 0);
	check_result(&a, "", "claude-x", NULL, 25, 1, 26);
	assert_int_equal(feed(&llm_anthropic, &a, "ping", "{\"type\":\"ping\"}"), 0);
	static const char *const pieces[] = {"Bon", "jour \xE2\x86\x92", " \\\"x\\\""};
	for (size_t i = 0; i < 3; i++) {
		char ev[200];
		snprintf(ev, sizeof ev, "{\"type\":\"content_block_delta\",\"index\":0,"
			 "\"delta\":{\"type\":\"text_delta\",\"text\":\"%s\"}}", pieces[i]);
		assert_int_equal(feed(&llm_anthropic, &a, "content_block_delta", ev), 0);
	}
	assert_int_equal(feed(&llm_anthropic, &a, "message_delta",
			      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
			      "\"usage\":{\"output_tokens\":9}}"), 0);
	check_result(&a, "Bonjour \xE2\x86\x92 \"x\"", "claude-x", "end_turn", 25, 9, 34);
	assert_false(a.complete);
	assert_int_equal(feed(&llm_anthropic, &a, "message_stop", "{\"type\":\"message_stop\"}"), 0);
	assert_true(a.complete);
	assert_null(a.stream_error);
	assert_int_equal(feed(&llm_anthropic, &a, "content_block_delta", "{\"type\":"), -1);
	assert_int_equal(feed(&llm_anthropic, &a, "error", "{\"type\":\"error\",\"error\":"
			      "{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"), 0);
	assert_string_equal(a.stream_error, "Overloaded");
	free_acc(&a);
	/* Without "type" in the data, the event name decides. */
	a = new_acc();
	assert_int_equal(feed(&llm_anthropic, &a, "message_stop", "{}"), 0);
	assert_true(a.complete);
	free_acc(&a);
}

/* Token counts are provider numbers: within 0..LLM_COUNT_MAX they are believed, the
 * last accepted value included; beyond it (the first refused), negative or not an
 * integer they are garbage, read as not reported - and Anthropic's total, a sum of
 * two, never overflows. */
static void test_token_counts_bounded(void **state)
{
	(void)state;
	static const struct {
		const char *n;
		int64_t want;
	} cases[] = {
		{"1099511627776", LLM_COUNT_MAX}, {"1099511627777", -1}, {"9223372036854775807", -1}, {"0", 0},
		{"-1", -1}, {"-7", -1}, {"3.5", -1}, {"\"12\"", -1}, {"12", 12},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char o[256], an[256];
		snprintf(o, sizeof o, "{\"choices\":[],\"usage\":{\"prompt_tokens\":%s,\"completion_tokens\":%s,"
			 "\"total_tokens\":%s}}", cases[i].n, cases[i].n, cases[i].n);
		struct llm_acc a = new_acc();
		assert_int_equal(feed(&llm_openai, &a, "message", o), 0);
		int64_t p = a.res.prompt_tokens, c = a.res.completion_tokens, t = a.res.total_tokens;
		free_acc(&a);
		if (p != cases[i].want)
			print_message("openai, %s: %lld\n", cases[i].n, (long long)p);
		assert_true(p == cases[i].want && c == cases[i].want && t == cases[i].want);

		snprintf(an, sizeof an, "{\"content\":[],\"usage\":{\"input_tokens\":%s,\"output_tokens\":%s}}",
			 cases[i].n, cases[i].n);
		a = new_acc();
		assert_int_equal(llm_anthropic.whole(&a, an, strlen(an)), 0);
		p = a.res.prompt_tokens, c = a.res.completion_tokens, t = a.res.total_tokens;
		free_acc(&a);
		if (p != cases[i].want)
			print_message("anthropic, %s: %lld\n", cases[i].n, (long long)p);
		assert_true(p == cases[i].want && c == cases[i].want && t == (cases[i].want < 0 ? -1 : 2 * cases[i].want));
	}
}

static void test_whole_answers(void **state)
{
	(void)state;
	struct llm_acc a = new_acc();
	const char *o = "{\"model\":\"m1\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Hi \xC3\xA9\"},"
			"\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}";
	assert_int_equal(llm_openai.whole(&a, o, strlen(o)), 0);
	check_result(&a, "Hi \xC3\xA9", "m1", "length", 3, 2, 5);
	assert_true(a.complete);
	free_acc(&a);
	a = new_acc();
	const char *an = "{\"model\":\"c1\",\"content\":[{\"type\":\"text\",\"text\":\"A\"},{\"type\":\"text\",\"text\":\"B\"}],"
			 "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":4,\"output_tokens\":6}}";
	assert_int_equal(llm_anthropic.whole(&a, an, strlen(an)), 0);
	check_result(&a, "AB", "c1", "end_turn", 4, 6, 10);
	assert_true(a.complete);
	free_acc(&a);
	static const char *const bad[] = {"{\"choices\":[", "not json", "{\"choices\":[]}", ""};
	for (size_t i = 0; i < 4; i++) {
		a = new_acc();
		assert_int_equal(llm_openai.whole(&a, bad[i], strlen(bad[i])), -1);
		assert_int_equal(llm_anthropic.whole(&a, bad[i], strlen(bad[i])), -1);
		assert_false(a.complete);
		free_acc(&a);
	}
}

/* Another endpoint in raw mode (/embeddings): any JSON object is an answer, read
 * for the model, the usage and an error only; what is not an object is malformed. */
static int raw_tokens;
static void count_token(struct llm_acc *a)
{
	(void)a;
	raw_tokens++;
}

static void test_raw_whole(void **state)
{
	(void)state;
	struct llm_acc a = new_acc();
	a.token = count_token; /* the answer came: its first token, for the timings */
	const char *e = "{\"object\":\"list\",\"data\":[{\"embedding\":[0.5]}],\"model\":\"emb\","
			"\"usage\":{\"prompt_tokens\":7,\"total_tokens\":7}}";
	assert_int_equal(llm_openai_raw.whole(&a, e, strlen(e)), 0);
	assert_true(a.complete);
	assert_string_equal(a.res.model, "emb");
	assert_int_equal(a.res.prompt_tokens, 7);
	assert_int_equal(a.res.total_tokens, 7);
	assert_int_equal(a.res.completion_tokens, -1);
	assert_int_equal(raw_tokens, 1);
	free_acc(&a);
	static const char *const bad[] = {"[1]", "not json", ""};
	for (size_t i = 0; i < 3; i++) {
		a = new_acc();
		assert_int_equal(llm_openai_raw.whole(&a, bad[i], strlen(bad[i])), -1);
		assert_false(a.complete);
		free_acc(&a);
	}
}

static void check_error_message(const char *body, const char *expected)
{
	char *m = llm_error_message(body, strlen(body));
	if (expected)
		assert_string_equal(m, expected);
	else
		assert_null(m);
	free(m);
}

static void test_error_message(void **state)
{
	(void)state;
	check_error_message("{\"error\":{\"message\":\"m\",\"type\":\"x\"}}", "m");
	check_error_message("{\"error\":\"m\"}", "m");
	check_error_message("{\"message\":\"m\"}", "m");
	check_error_message("not json", NULL);
	check_error_message("{\"error\":{\"code\":1}}", NULL);
	check_error_message("", NULL);
}

/* ---- configuration ---- */

static char tmpdir[] = "/tmp/llmmeta-test-llm.XXXXXX", ini[600];
static const char *const vars[] = {"LLMMETA_PROVIDERS", "LLM_API_URL", "API_URL", "LLM_API_KEY", "API_KEY",
				   "LLM_MODELS", "LLM_EMBEDDING_MODELS", "LLM_API_TYPE", "LLM_UNSUPPORTED", "LLM_CONNECT_TIMEOUT",
				   "LLM_FIRST_TOKEN_TIMEOUT", "LLM_TOTAL_TIMEOUT", "LLMTEST_CLAUDE_KEY"};

static int clean_env(void **state)
{
	(void)state;
	llm_config_free();
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	unlink(ini);
	return 0;
}

/* Loads the configuration and checks its models, in order, as "a,b,c". */
static void load_ok(const char *models)
{
	char err[512] = "", got[256] = "";
	int rc = llm_config_load(err, sizeof err);
	if (rc != 0)
		fail_msg("llm_config_load: %s", err);
	for (size_t i = 0; i < llm_model_count(); i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "", llm_model_at(i));
	assert_string_equal(got, models);
	assert_null(llm_model_at(llm_model_count()));
}

static void load_fails(const char *needle)
{
	char err[512] = "";
	assert_int_equal(llm_config_load(err, sizeof err), -1);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not name %s", err, needle);
	llm_config_free();
}

static void test_config_env(void **state)
{
	(void)state;
	setenv("LLM_API_URL", "http://127.0.0.1:9/v1", 1);
	setenv("LLM_MODELS", "a, b ,,c", 1);
	setenv("LLM_API_KEY", "k", 1);
	load_ok("a,b,c");
	assert_int_equal(llm_model_count(), 3);
	assert_string_equal(llm_model_at(1), "b");
	const struct llm_provider *p = llm_provider_for("c");
	assert_non_null(p);
	assert_string_equal(p->key, "k");
	assert_int_equal(p->type, LLM_OPENAI);
	assert_int_equal(llm_sent_params(p), LLM_MAX_TOKENS | LLM_TEMPERATURE | LLM_TOP_K | LLM_TOP_P);
	assert_null(llm_provider_for("zzz"));
	assert_null(llm_provider_for(NULL));
	llm_config_free();
	assert_int_equal(llm_model_count(), 0);

	setenv("LLM_UNSUPPORTED", "top_k,top_p", 1);
	load_ok("a,b,c");
	assert_int_equal(llm_sent_params(llm_provider_for("a")), LLM_MAX_TOKENS | LLM_TEMPERATURE);
	setenv("LLM_UNSUPPORTED", "bogus", 1);
	load_fails("LLM_UNSUPPORTED");
	unsetenv("LLM_UNSUPPORTED");
	setenv("LLM_API_URL", "ftp://x", 1);
	load_fails("LLM_API_URL");

	setenv("LLM_API_URL", "https://api.openai.com/v1/", 1);
	load_ok("a,b,c");
	p = llm_provider_for("b");
	assert_string_equal(p->url, "https://api.openai.com/v1");
	assert_int_equal(llm_sent_params(p), LLM_MAX_TOKENS | LLM_TEMPERATURE | LLM_TOP_P);
}

static void write_ini(const char *text)
{
	snprintf(ini, sizeof ini, "%s/providers.ini", tmpdir);
	FILE *f = fopen(ini, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	setenv("LLMMETA_PROVIDERS", ini, 1);
}

static void test_config_ini(void **state)
{
	(void)state;
	setenv("LLMTEST_CLAUDE_KEY", "sk-test", 1);
	write_ini("[local]\ntype = openai\nurl = http://127.0.0.1:9/v1\nmodels = x,y\n\n"
		  "[claude]\ntype = anthropic\nurl = https://api.anthropic.com/v1\nkey_env = LLMTEST_CLAUDE_KEY\n"
		  "models = z\nunsupported = top_k\nfirst_token_timeout = 5\n");
	load_ok("x,y,z");
	const struct llm_provider *local = llm_provider_for("y"), *claude = llm_provider_for("z");
	assert_string_equal(local->name, "local");
	assert_int_equal(local->type, LLM_OPENAI);
	assert_null(local->key);
	assert_int_equal(local->first_token_ms, 120000);
	assert_string_equal(claude->name, "claude");
	assert_int_equal(claude->type, LLM_ANTHROPIC);
	assert_string_equal(claude->key, "sk-test");
	assert_int_equal(claude->first_token_ms, 5000);
	assert_int_equal(llm_sent_params(claude), LLM_MAX_TOKENS | LLM_TEMPERATURE | LLM_TOP_P);
	llm_config_free();

	/* Embedding models: apart from the chat models, by either name. */
	write_ini("[a]\nurl = http://127.0.0.1:9/v1\nmodels = chat\nembedding_models = e1, e2\n\n"
		  "[b]\nurl = http://127.0.0.1:9/v1\nmodels = chat2\nembedding_models = e2\n");
	load_ok("chat,chat2");
	const char *m;
	assert_int_equal(llm_kind_count(LLM_EMBEDDING), 3);
	assert_string_equal(llm_kind_at(LLM_EMBEDDING, 2), "e2");
	assert_string_equal(llm_kind_provider_at(LLM_EMBEDDING, 2)->name, "b");
	assert_false(llm_kind_shared(LLM_EMBEDDING, 0));
	assert_true(llm_kind_shared(LLM_EMBEDDING, 1));
	assert_string_equal(llm_kind_resolve(LLM_EMBEDDING, "b/e2", &m)->name, "b");
	assert_string_equal(m, "e2");
	assert_string_equal(llm_kind_resolve(LLM_EMBEDDING, "e2", &m)->name, "a");
	assert_null(llm_kind_resolve(LLM_EMBEDDING, "chat", &m));
	assert_null(llm_resolve("e1", &m));
	assert_null(llm_provider_for("e1"));
	llm_config_free();

	/* responses = native: the Responses API passed through, for OpenAI-compatible
	 * providers only; translate (the default) otherwise. */
	write_ini("[n]\nurl = http://h/v1\nmodels = m\nresponses = native\n\n[t]\nurl = http://h/v1\nmodels = t\n"
		  "responses = translate\n\n[d]\nurl = http://h/v1\nmodels = d\n");
	load_ok("m,t,d");
	assert_true(llm_provider_for("m")->responses_native);
	assert_false(llm_provider_for("t")->responses_native);
	assert_false(llm_provider_for("d")->responses_native);
	llm_config_free();
	write_ini("[n]\nurl = http://h/v1\nmodels = m\nresponses = yes\n");
	load_fails("responses must be native or translate");
	write_ini("[n]\ntype = anthropic\nurl = http://h/v1\nmodels = m\nresponses = native\n");
	load_fails("responses = native needs type openai");

	write_ini("[x]\ntype = nonsense\nurl = http://h/v1\nmodels = m\n");
	load_fails("type must be openai or anthropic");
	unsetenv("LLMTEST_CLAUDE_KEY");
	write_ini("[x]\nurl = http://h/v1\nkey_env = LLMTEST_CLAUDE_KEY\nmodels = m\n");
	load_fails("LLMTEST_CLAUDE_KEY");
	write_ini("[o]\ntype = openai\nurl = https://api.openai.com/v1\nmodels = gpt\n");
	load_ok("gpt");
	assert_true(llm_provider_for("gpt")->unsupported & LLM_TOP_K);
}

static int group_setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	clean_env(state);
	return rmdir(tmpdir);
}

/* ---- the engine's cancellation ---- */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int fails, dones, deltas;
	enum llm_status status;
	char error[256];
	bool error_null;
} seen = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};

static void on_call(void *ctx, enum llm_event ev, const char *text, size_t len, const struct llm_result *res)
{
	(void)ctx;
	(void)text;
	(void)len;
	pthread_mutex_lock(&seen.mu);
	if (ev == LLM_DELTA) {
		seen.deltas++;
	} else {
		ev == LLM_FAIL ? seen.fails++ : seen.dones++;
		seen.status = res->status;
		seen.error_null = !res->error;
		snprintf(seen.error, sizeof seen.error, "%s", res->error ? res->error : "");
		pthread_cond_signal(&seen.cv);
	}
	pthread_mutex_unlock(&seen.mu);
}

/* Waits up to 10 s for the call's end; false when it did not come. */
static bool wait_end(void)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&seen.mu);
	int rc = 0;
	while (seen.fails + seen.dones == 0 && rc == 0)
		rc = pthread_cond_timedwait(&seen.cv, &seen.mu, &until);
	bool ended = seen.fails + seen.dones > 0;
	pthread_mutex_unlock(&seen.mu);
	return ended;
}

static int alloc_asks;
static bool always_fail(void)
{
	alloc_asks++;
	return true;
}

/* Starts a call to a socket that never answers; cancels it after delay_ms (0: at
 * once, most likely before the engine has picked it up). */
static void cancel_one(const struct llm_provider *prov, int delay_ms, bool starve)
{
	pthread_mutex_lock(&seen.mu);
	seen.fails = seen.dones = seen.deltas = 0;
	pthread_mutex_unlock(&seen.mu);
	const struct llm_msg m[] = {{"user", "Hello?"}};
	struct llm_request req = {.provider = prov, .model = "m-1", .msgs = m, .nmsgs = 1, .max_tokens = 16};
	uint64_t id = llm_start(&req, on_call, NULL);
	assert_true(id > 0);
	if (delay_ms)
		nanosleep(&(struct timespec){.tv_nsec = delay_ms * 1000000L}, NULL);
	alloc_asks = 0;
	llm_engine_alloc_fails = starve ? always_fail : NULL;
	llm_cancel(id);
	bool ended = wait_end();
	llm_engine_alloc_fails = NULL;
	assert_true(ended); /* a dropped cancel would leave the call waiting for 60 s */
	assert_int_equal(seen.fails, 1);
	assert_int_equal(seen.dones, 0);
	assert_int_equal(seen.status, LLM_CANCELLED);
	if (starve) {
		assert_true(seen.error_null); /* the message could not be made... */
		assert_int_equal(alloc_asks, 1); /* ...and nothing else on the way asked for memory */
	} else {
		assert_non_null(strstr(seen.error, "cancelled"));
	}
	llm_cancel(id); /* the call is dead: nothing happens */
	nanosleep(&(struct timespec){.tv_nsec = 100 * 1000000L}, NULL);
	assert_int_equal(seen.fails + seen.dones, 1);
}

static void test_cancel_needs_no_memory(void **state)
{
	(void)state;
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(ls >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(ls, 16), 0); /* connections wait in the backlog, unanswered */
	socklen_t alen = sizeof a;
	assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1", ntohs(a.sin_port));
	struct llm_provider prov = {.name = name_p, .type = LLM_OPENAI, .url = url, .key = key_p,
				    .connect_ms = 5000, .first_token_ms = 60000, .total_ms = 60000};
	assert_int_equal(llm_engine_start(), 0);
	cancel_one(&prov, 0, true);
	cancel_one(&prov, 300, true);
	cancel_one(&prov, 300, false);
	llm_engine_stop();
	close(ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openai_body),
		cmocka_unit_test(test_anthropic_body),
		cmocka_unit_test(test_openai_events),
		cmocka_unit_test(test_openai_string_error),
		cmocka_unit_test(test_anthropic_events),
		cmocka_unit_test(test_token_counts_bounded),
		cmocka_unit_test(test_whole_answers),
		cmocka_unit_test(test_raw_whole),
		cmocka_unit_test(test_error_message),
		cmocka_unit_test_setup_teardown(test_config_env, clean_env, clean_env),
		cmocka_unit_test_setup_teardown(test_config_ini, clean_env, clean_env),
		cmocka_unit_test(test_cancel_needs_no_memory),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
