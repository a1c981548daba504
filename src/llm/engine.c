/* engine.c - every provider call, on one thread with one libcurl multi handle.
 *
 * llm_start() builds the request, queues it and wakes the engine; the engine adds
 * it to the multi handle and, as bytes arrive, feeds them to the event-stream parser
 * and the provider's adapter, which hand text to the caller's callback. At the end
 * the engine decides the outcome - answer, provider error, timeout, cancellation -
 * and calls back once more. Cancellations are by id, so a late cancel of a call
 * that already ended finds nothing and does nothing.
 *
 * A cancellation cannot be lost for lack of memory: llm_cancel allocates nothing, it
 * marks the call itself, found by id among the calls in flight (`incoming` and
 * `active`, both only changed under `mu` for that reason), and the engine ends marked
 * calls on its next turn. Nor can the outcome be: the reason a call was ended is a
 * code, not an allocated string, and a call whose message cannot be allocated still
 * fails with its status (and a NULL error). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/buf.h"
#include "../core/log.h"
#include "../core/util.h"
#include "llm_impl.h"
#include "sse.h"

#define MAX_EVENT (8 * 1024 * 1024)
#define MAX_WHOLE (32 * 1024 * 1024)
#define MAX_ERROR_BODY (64 * 1024)

enum { MODE_UNKNOWN, MODE_SSE, MODE_WHOLE, MODE_ERROR };
/* Why the engine itself ended a call. */
enum { END_NONE, END_CANCELLED, END_SHUTDOWN, END_FIRST_TOKEN };

struct call {
	uint64_t id;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	char *url;
	const struct llm_provider *prov;
	char *model; /* as asked for: the failure message names it */
	const struct llm_adapter *ad;
	struct sse sse;
	struct llm_acc acc; /* first: on_delta finds the call from it */
	buf raw;
	int mode;
	long status;
	int64_t t0;
	bool got_first;
	bool malformed;
	int ended;      /* END_*: decided by the engine */
	bool cancel;    /* llm_cancel asked for it; under mu */
	llm_fn fn;
	void (*on_raw)(void *ctx, const char *event, const char *data, size_t len, bool is_body);
	void *ctx;
	struct call *next;
};

static pthread_t thread;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static CURLM *multi;
static struct call *incoming, *active;
static bool cancel_pending; /* some call has .cancel set; under mu */
static bool stopping, running;
static atomic_uint_fast64_t next_id = 1;

/* ---- one call ---- */

static struct call *call_of(struct llm_acc *a)
{
	return (struct call *)(void *)((char *)a - offsetof(struct call, acc));
}

static void on_token(struct llm_acc *a)
{
	struct call *c = call_of(a);
	if (!c->got_first) {
		c->got_first = true;
		c->acc.res.ttft_ms = mono_ms() - c->t0;
	}
}

static void on_delta(struct llm_acc *a, const char *text, size_t len)
{
	struct call *c = call_of(a);
	on_token(a);
	c->fn(c->ctx, LLM_DELTA, text, len, NULL);
}

static int on_event(void *ctx, const char *event, const char *data, size_t len)
{
	struct call *c = ctx;
	if (c->on_raw)
		c->on_raw(c->ctx, event, data, len, false);
	if (c->ad->event(&c->acc, event, data, len) < 0) {
		c->malformed = true;
		return -1;
	}
	return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *userp)
{
	struct call *c = userp;
	size_t len = size * n;
	if (c->mode == MODE_UNKNOWN) {
		char *ct = NULL;
		curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &c->status);
		curl_easy_getinfo(c->easy, CURLINFO_CONTENT_TYPE, &ct);
		c->mode = c->status >= 400				       ? MODE_ERROR
			  : ct && strncasecmp(ct, "text/event-stream", 17) == 0 ? MODE_SSE
										: MODE_WHOLE;
	}
	if (c->mode == MODE_SSE)
		return sse_feed(&c->sse, p, len) == 0 ? len : 0;
	size_t cap = c->mode == MODE_ERROR ? MAX_ERROR_BODY : MAX_WHOLE;
	if (c->raw.len + len > cap) {
		if (c->mode == MODE_ERROR)
			return len; /* keep the start of an error page, drop the rest */
		c->malformed = true;
		return 0;
	}
	buf_append(&c->raw, p, len);
	return c->raw.oom ? 0 : len;
}

static void call_free(struct call *c)
{
	if (c->easy)
		curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->headers);
	free(c->body);
	free(c->url);
	free(c->model);
	sse_free(&c->sse);
	buf_free(&c->raw);
	llm_result_free(&c->acc.res);
	free(c->acc.stream_error);
	json_decref(c->acc.tool_calls);
	free(c);
}

/* Appends the provider's text in quotes: scrubbed of the key, then cut to 300 bytes
 * at a character boundary (cut first, a key across the cut would leave its start). */
static void quote_provider(buf *why, const struct call *c, const char *text)
{
	buf t = BUF_INIT;
	utf8_clean(&t, text, strlen(text)); /* an error page in Latin-1, say: JSON takes only UTF-8 */
	llm_scrub_key(&t, c->prov->key);
	if (t.data && t.len) {
		size_t n = utf8_cut(t.data, t.len, 300);
		buf_printf(why, "\"%.*s%s\"", (int)n, t.data, n < t.len ? "..." : "");
	}
	buf_free(&t);
}

/* What went wrong in the transport: "what" for the message, the reason into why. */
static const char *transport_error(const struct call *c, CURLcode rc, buf *why)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		buf_printf(why, "it took longer than %ld s (timeout)", c->prov->total_ms / 1000);
		return "did not finish its answer";
	case CURLE_COULDNT_CONNECT:
		buf_puts(why, "the connection was refused or the host is unreachable");
		return "could not be reached";
	case CURLE_COULDNT_RESOLVE_HOST: buf_puts(why, "its host name does not resolve"); return "could not be reached";
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
		buf_puts(why, "the connection broke before the answer was complete");
		return "stopped answering";
	default:
		buf_printf(why, "the connection failed (%s)", curl_easy_strerror(rc));
		return "could not be reached";
	}
}

/* Test-only (llm_impl.h): when set and returning true, the engine's allocation of a
 * call's final message fails. */
bool (*llm_engine_alloc_fails)(void);

/* Whether the call failed; if so *msg is the message for people (NULL when it could
 * not be allocated: the status still says what happened). Every failure is put into
 * words here, so that it reads the same wherever it is shown (the conversation page,
 * the NDJSON error line, the API): a complete sentence naming the model and the
 * provider as configured, "The model "m" (provider "p") <what>: <why>." */
static bool outcome(struct call *c, CURLcode rc, char **msg)
{
	buf why = BUF_INIT;
	const char *what = "did not answer";
	*msg = NULL;
	if (c->ended == END_CANCELLED) {
		what = "was stopped";
		buf_puts(&why, "the request was cancelled before the answer was complete");
	} else if (c->ended == END_SHUTDOWN) {
		what = "was stopped";
		buf_puts(&why, "the server is shutting down");
	} else if (c->ended == END_FIRST_TOKEN) {
		c->acc.res.timeout = true;
		buf_printf(&why, "nothing came within %ld s (the first-token timeout)", c->prov->first_token_ms / 1000);
	} else if (c->malformed) {
		what = "sent a malformed answer";
		buf_puts(&why, "it is not the stream or JSON this API sends");
	} else if (rc != CURLE_OK) {
		c->acc.res.timeout = rc == CURLE_OPERATION_TIMEDOUT;
		what = transport_error(c, rc, &why);
	} else if (c->mode == MODE_ERROR) {
		c->acc.res.http_status = c->status;
		char *said = llm_error_message(c->raw.data ? c->raw.data : "", c->raw.len);
		const char *text = said ? said : c->raw.data;
		if (text && *text) {
			buf_printf(&why, "the provider returned HTTP %ld (", c->status);
			quote_provider(&why, c, text);
			buf_putc(&why, ')');
		} else
			buf_printf(&why, "the provider returned HTTP %ld without details", c->status);
		free(said);
	} else if (c->mode == MODE_WHOLE && c->ad->whole(&c->acc, c->raw.data ? c->raw.data : "", c->raw.len) < 0) {
		what = "sent a malformed answer";
		buf_printf(&why, "HTTP %ld, but not the JSON this API sends", c->status);
	} else if (c->acc.stream_error) {
		what = "stopped with an error";
		buf_puts(&why, "the provider reported ");
		quote_provider(&why, c, c->acc.stream_error);
	} else if (c->mode == MODE_UNKNOWN) {
		buf_printf(&why, "the provider's reply was empty (HTTP %ld)", c->status);
	} else if (!c->acc.complete && !c->acc.res.finish_reason) {
		what = "did not finish its answer";
		buf_puts(&why, "the stream ended before the answer was complete");
	} else {
		buf_free(&why);
		return false;
	}
	buf b = BUF_INIT;
	buf_printf(&b, "The model \"%s\" (provider \"%s\") %s", c->model ? c->model : "?", c->prov->name, what);
	if (why.len)
		buf_printf(&b, ": %s", why.data);
	if (b.len && !strchr(".!?", b.data[b.len - 1]))
		buf_putc(&b, '.');
	buf_free(&why);
	llm_scrub_key(&b, c->prov->key); /* the model's name, say, as the provider echoed it */
	if (llm_engine_alloc_fails && llm_engine_alloc_fails())
		buf_free(&b); /* as if it had run out: *msg stays NULL */
	else
		*msg = buf_detach(&b, NULL);
	return true;
}

/* The outcome label of a call that ended (docs/metrics.md): a timeout is the
 * engine's first-token timeout or curl's connect or total timeout. */
static enum llm_outcome metric_outcome(const struct call *c, CURLcode rc, bool failed)
{
	if (!failed)
		return LLM_OUTCOME_OK;
	if (c->ended == END_CANCELLED || c->ended == END_SHUTDOWN)
		return LLM_OUTCOME_CANCELLED;
	if (c->ended == END_FIRST_TOKEN || rc == CURLE_OPERATION_TIMEDOUT)
		return LLM_OUTCOME_TIMEOUT;
	return LLM_OUTCOME_ERROR;
}

static void finish(struct call *c, CURLcode rc)
{
	struct llm_result *res = &c->acc.res;
	res->elapsed_ms = mono_ms() - c->t0;
	if (!c->got_first)
		res->ttft_ms = -1;
	char *why;
	bool failed = outcome(c, rc, &why);
	if (failed) {
		res->status = c->ended == END_CANCELLED || c->ended == END_SHUTDOWN ? LLM_CANCELLED : LLM_ERROR;
		free(res->error);
		res->error = why;
	}
	/* A whole (non-streamed) answer is parsed after its last byte was timed: its
	 * first token came with the last byte, not after it. */
	if (res->ttft_ms > res->elapsed_ms)
		res->ttft_ms = res->elapsed_ms;
	if (c->acc.tool_calls && json_array_size(c->acc.tool_calls) && !res->tool_calls)
		res->tool_calls = json_dumps(c->acc.tool_calls, JSON_COMPACT);
	if (!failed && c->on_raw && c->mode == MODE_WHOLE)
		c->on_raw(c->ctx, NULL, c->raw.data ? c->raw.data : "", c->raw.len, true);
	llm_metrics_ended(c->prov, c->model, metric_outcome(c, rc, failed), res);
	c->fn(c->ctx, failed ? LLM_FAIL : LLM_DONE, NULL, 0, res);
	call_free(c);
}

/* Ends a call, already out of `active`, for a reason of the engine's own. */
static void end_call(struct call *c, int why)
{
	curl_multi_remove_handle(multi, c->easy);
	c->ended = why;
	finish(c, CURLE_OK);
}

/* Ends every call of a list linked by .next. */
static void end_all(struct call *list, int why)
{
	while (list) {
		struct call *c = list;
		list = c->next;
		end_call(c, why);
	}
}

/* Moves the calls of `active` that match into a list of their own. Called with mu
 * held; the callbacks then run without it (they may call llm_cancel). */
static struct call *take_active(bool (*match)(const struct call *c, int64_t now), int64_t now)
{
	struct call *taken = NULL;
	for (struct call **pp = &active; *pp;) {
		struct call *c = *pp;
		if (match(c, now)) {
			*pp = c->next;
			c->next = taken;
			taken = c;
		} else {
			pp = &c->next;
		}
	}
	return taken;
}

static bool is_cancelled(const struct call *c, int64_t now)
{
	(void)now;
	return c->cancel;
}

static bool first_token_late(const struct call *c, int64_t now)
{
	return !c->got_first && now - c->t0 > c->prov->first_token_ms;
}

static bool any(const struct call *c, int64_t now)
{
	(void)c;
	(void)now;
	return true;
}

static bool unlink_call(struct call *done)
{
	pthread_mutex_lock(&mu);
	bool found = false;
	for (struct call **pp = &active; *pp; pp = &(*pp)->next) {
		if (*pp == done) {
			*pp = done->next;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	return found;
}

static void *run(void *arg)
{
	(void)arg;
	int64_t last_check = 0;
	for (;;) {
		pthread_mutex_lock(&mu);
		while (incoming) {
			struct call *c = incoming;
			incoming = c->next;
			c->t0 = mono_ms();
			c->next = active;
			active = c;
			curl_multi_add_handle(multi, c->easy);
		}
		struct call *cancelled = cancel_pending ? take_active(is_cancelled, 0) : NULL;
		cancel_pending = false;
		bool stop = stopping;
		struct call *all = stop ? take_active(any, 0) : NULL;
		pthread_mutex_unlock(&mu);

		end_all(cancelled, END_CANCELLED);
		if (stop) {
			end_all(all, END_SHUTDOWN);
			break;
		}
		int still;
		curl_multi_perform(multi, &still);
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			struct call *c = NULL;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
			CURLcode rc = m->data.result;
			curl_multi_remove_handle(multi, m->easy_handle);
			if (c && unlink_call(c))
				finish(c, rc);
		}
		int64_t now = mono_ms();
		if (now - last_check >= 250) {
			pthread_mutex_lock(&mu);
			struct call *late = take_active(first_token_late, now);
			pthread_mutex_unlock(&mu);
			end_all(late, END_FIRST_TOKEN);
			last_check = now;
		}
		curl_multi_poll(multi, NULL, 0, 250, NULL);
	}
	return NULL;
}

int llm_engine_start(void)
{
	if (!(multi = curl_multi_init()))
		return -1;
	stopping = false;
	running = true;
	if (pthread_create(&thread, NULL, run, NULL) != 0) {
		running = false;
		curl_multi_cleanup(multi);
		multi = NULL;
		return -1;
	}
	return 0;
}

/* Stops the engine for good: from the moment `stopping` is set (under the lock)
 * llm_start refuses new calls, so nothing can be queued after the thread's last
 * look, and nothing touches the multi handle once it is freed. */
void llm_engine_stop(void)
{
	pthread_mutex_lock(&mu);
	bool was_running = running;
	stopping = true;
	if (was_running)
		curl_multi_wakeup(multi);
	pthread_mutex_unlock(&mu);
	if (!was_running)
		return;
	pthread_join(thread, NULL);
	pthread_mutex_lock(&mu);
	struct call *left = incoming;
	incoming = NULL;
	curl_multi_cleanup(multi);
	multi = NULL;
	running = false;
	cancel_pending = false;
	pthread_mutex_unlock(&mu);
	while (left) {
		struct call *c = left;
		left = c->next;
		c->ended = END_SHUTDOWN;
		finish(c, CURLE_OK);
	}
}

static struct call *prepare(const struct llm_request *req, llm_fn fn, void *ctx)
{
	struct call *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->prov = req->provider;
	c->model = req->model ? xstrdup(req->model) : NULL;
	c->ad = req->path ? &llm_openai_raw : req->provider->type == LLM_ANTHROPIC ? &llm_anthropic : &llm_openai;
	c->fn = fn;
	c->on_raw = req->on_raw;
	c->ctx = ctx;
	c->acc.delta = on_delta;
	c->acc.token = on_token;
	c->acc.res.prompt_tokens = c->acc.res.completion_tokens = c->acc.res.total_tokens = -1;
	c->acc.res.ttft_ms = -1;
	sse_init(&c->sse, MAX_EVENT, on_event, c);
	buf url = BUF_INIT;
	buf_printf(&url, "%s%s", c->prov->url, req->path ? req->path : c->ad->path);
	c->url = buf_detach(&url, NULL);
	/* Another path is raw mode's alone: its body is the caller's. */
	c->body = req->raw_body ? xstrdup(req->raw_body) : req->path ? NULL : c->ad->body(req);
	c->easy = curl_easy_init();
	c->headers = llm_auth_headers(c->prov, curl_slist_append(NULL, "Content-Type: application/json"));
	if (!c->url || !c->body || !c->easy || !c->headers) {
		call_free(c);
		return NULL;
	}
	CURL *e = c->easy;
	curl_easy_setopt(e, CURLOPT_URL, c->url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(c->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)c);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->prov->connect_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->prov->total_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "llmmeta");
	return c;
}

uint64_t llm_start(const struct llm_request *req, llm_fn fn, void *ctx)
{
	struct call *c = prepare(req, fn, ctx);
	if (!c)
		return 0;
	c->id = atomic_fetch_add(&next_id, 1);
	uint64_t id = c->id;
	pthread_mutex_lock(&mu);
	bool open = running && !stopping;
	if (open) {
		c->next = incoming;
		incoming = c;
		curl_multi_wakeup(multi);
		llm_metrics_started(); /* finish() counts its end */
	}
	pthread_mutex_unlock(&mu);
	if (!open) {
		call_free(c);
		return 0;
	}
	return id;
}

bool llm_accepting(void)
{
	pthread_mutex_lock(&mu);
	bool open = running && !stopping;
	pthread_mutex_unlock(&mu);
	return open;
}

/* Allocates nothing, so it cannot fail: see the top of this file. A call being
 * finished is already out of both lists, so a late cancel finds nothing. */
void llm_cancel(uint64_t id)
{
	pthread_mutex_lock(&mu);
	if (running) {
		struct call *lists[] = {incoming, active};
		for (size_t i = 0; i < 2; i++)
			for (struct call *c = lists[i]; c; c = c->next)
				if (c->id == id) {
					c->cancel = true;
					cancel_pending = true;
				}
		if (cancel_pending)
			curl_multi_wakeup(multi);
	}
	pthread_mutex_unlock(&mu);
}
