/* engine.c - every provider call, on one thread with one libcurl multi handle.
 *
 * llm_start() builds the request, queues it and wakes the engine; the engine adds
 * it to the multi handle and, as bytes arrive, feeds them to the event-stream parser
 * and the provider's adapter, which hand text to the caller's callback. At the end
 * the engine decides the outcome - answer, provider error, timeout, cancellation -
 * and calls back once more. Cancellations are by id, so a late cancel of a call
 * that already ended finds nothing and does nothing. */
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

struct call {
	uint64_t id;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	char *url;
	const struct llm_provider *prov;
	char *model; /* as asked for: failure() names it */
	const struct llm_adapter *ad;
	struct sse sse;
	struct llm_acc acc; /* first: on_delta finds the call from it */
	buf raw;
	int mode;
	long status;
	int64_t t0;
	bool got_first;
	bool malformed;
	char *fail; /* decided by the engine: timeout, cancellation */
	enum llm_status fail_status;
	llm_fn fn;
	void *ctx;
	struct call *next;
};

static pthread_t thread;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static CURLM *multi;
static struct call *incoming, *active;
static uint64_t *cancels;
static size_t ncancels, cancels_cap;
static bool stopping, running;
static atomic_uint_fast64_t next_id = 1;

/* ---- one call ---- */

static struct call *call_of(struct llm_acc *a)
{
	return (struct call *)(void *)((char *)a - offsetof(struct call, acc));
}

static void on_delta(struct llm_acc *a, const char *text, size_t len)
{
	struct call *c = call_of(a);
	if (!c->got_first) {
		c->got_first = true;
		c->acc.res.ttft_ms = mono_ms() - c->t0;
	}
	c->fn(c->ctx, LLM_DELTA, text, len, NULL);
}

static int on_event(void *ctx, const char *event, const char *data, size_t len)
{
	struct call *c = ctx;
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
	free(c->fail);
	free(c);
}

/* Replaces every copy of the provider's key in s: some providers quote it back. */
static void scrub_key(buf *s, const char *key)
{
	size_t klen = key ? strlen(key) : 0;
	if (klen < 4 || !s->data)
		return;
	for (char *hit; (hit = strstr(s->data, key));) {
		size_t at = (size_t)(hit - s->data);
		buf rest = BUF_INIT;
		buf_puts(&rest, hit + klen);
		s->len = at;
		buf_puts(s, "[key]");
		buf_append(s, rest.data ? rest.data : "", rest.len);
		buf_free(&rest);
	}
}

/* Puts a failed call into words, in this one place, so that every failure reads
 * the same way wherever it is shown (the conversation page, the NDJSON error line,
 * the API): complete sentences that name the model and the provider as configured,
 * "The model "m" (provider "p") <what happened>: <why>." */
static char *failure(const struct call *c, const char *what, const char *why)
{
	buf b = BUF_INIT;
	buf_printf(&b, "The model \"%s\" (provider \"%s\") %s", c->model ? c->model : "?", c->prov->name, what);
	if (why && *why)
		buf_printf(&b, ": %s", why);
	if (b.len && !strchr(".!?", b.data[b.len - 1]))
		buf_putc(&b, '.');
	scrub_key(&b, c->prov->key);
	return buf_detach(&b, NULL);
}

static char *transport_error(struct call *c, CURLcode rc)
{
	char why[160];
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(why, sizeof why, "it took longer than %ld s (timeout)", c->prov->total_ms / 1000);
		return failure(c, "did not finish its answer", why);
	case CURLE_COULDNT_CONNECT:
		return failure(c, "could not be reached", "the connection was refused or the host is unreachable");
	case CURLE_COULDNT_RESOLVE_HOST: return failure(c, "could not be reached", "its host name does not resolve");
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
		return failure(c, "stopped answering", "the connection broke before the answer was complete");
	default:
		snprintf(why, sizeof why, "the connection failed (%s)", curl_easy_strerror(rc));
		return failure(c, "could not be reached", why);
	}
}

/* NULL when the call succeeded, else the message that says why it did not. */
static char *outcome(struct call *c, CURLcode rc)
{
	buf why = BUF_INIT;
	char *msg;
	if (c->fail) {
		msg = failure(c, c->fail_status == LLM_CANCELLED ? "was stopped" : "did not answer", c->fail);
	} else if (c->malformed) {
		msg = failure(c, "sent a malformed answer", "it is not the stream or JSON this API sends");
	} else if (rc != CURLE_OK) {
		msg = transport_error(c, rc);
	} else if (c->mode == MODE_ERROR) {
		char *said = llm_error_message(c->raw.data ? c->raw.data : "", c->raw.len);
		const char *text = said ? said : c->raw.data;
		if (text && *text)
			buf_printf(&why, "the provider returned HTTP %ld (\"%.300s\")", c->status, text);
		else
			buf_printf(&why, "the provider returned HTTP %ld without details", c->status);
		free(said);
		msg = failure(c, "did not answer", why.data);
	} else if (c->mode == MODE_WHOLE && c->ad->whole(&c->acc, c->raw.data ? c->raw.data : "", c->raw.len) < 0) {
		buf_printf(&why, "HTTP %ld, but not the JSON this API sends", c->status);
		msg = failure(c, "sent a malformed answer", why.data);
	} else if (c->acc.stream_error) {
		buf_printf(&why, "the provider reported \"%.300s\"", c->acc.stream_error);
		msg = failure(c, "stopped with an error", why.data);
	} else if (c->mode == MODE_UNKNOWN) {
		buf_printf(&why, "the provider's reply was empty (HTTP %ld)", c->status);
		msg = failure(c, "did not answer", why.data);
	} else if (!c->acc.complete && !c->acc.res.finish_reason) {
		msg = failure(c, "did not finish its answer", "the stream ended before the answer was complete");
	} else {
		msg = NULL;
	}
	buf_free(&why);
	return msg;
}

static void finish(struct call *c, CURLcode rc)
{
	struct llm_result *res = &c->acc.res;
	res->elapsed_ms = mono_ms() - c->t0;
	if (!c->got_first)
		res->ttft_ms = -1;
	char *why = outcome(c, rc);
	if (why) {
		res->status = c->fail ? c->fail_status : LLM_ERROR;
		free(res->error);
		res->error = why;
	}
	c->fn(c->ctx, why ? LLM_FAIL : LLM_DONE, NULL, 0, res);
	call_free(c);
}

/* Ends an active call for a reason of the engine's own. */
static void abort_call(struct call *c, enum llm_status st, const char *reason)
{
	curl_multi_remove_handle(multi, c->easy);
	free(c->fail);
	c->fail = xstrdup(reason);
	c->fail_status = st;
	finish(c, CURLE_OK);
}

static struct call *unlink_call(uint64_t id)
{
	for (struct call **pp = &active; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct call *c = *pp;
			*pp = c->next;
			return c;
		}
	}
	return NULL;
}

static void check_first_token(int64_t now)
{
	for (struct call **pp = &active; *pp;) {
		struct call *c = *pp;
		if (!c->got_first && now - c->t0 > c->prov->first_token_ms) {
			*pp = c->next;
			char why[96];
			snprintf(why, sizeof why, "nothing came within %ld s (the first-token timeout)",
				 c->prov->first_token_ms / 1000);
			abort_call(c, LLM_ERROR, why);
		} else {
			pp = &c->next;
		}
	}
}

static void *run(void *arg)
{
	(void)arg;
	int64_t last_check = 0;
	for (;;) {
		pthread_mutex_lock(&mu);
		struct call *in = incoming;
		incoming = NULL;
		size_t nc = ncancels;
		uint64_t *cs = nc ? malloc(nc * sizeof *cs) : NULL;
		if (cs)
			memcpy(cs, cancels, nc * sizeof *cs);
		ncancels = 0;
		bool stop = stopping;
		pthread_mutex_unlock(&mu);

		while (in) {
			struct call *c = in;
			in = in->next;
			c->t0 = mono_ms();
			c->next = active;
			active = c;
			curl_multi_add_handle(multi, c->easy);
		}
		for (size_t i = 0; cs && i < nc; i++) {
			struct call *c = unlink_call(cs[i]);
			if (c)
				abort_call(c, LLM_CANCELLED, "the request was cancelled before the answer was complete");
		}
		free(cs);
		if (stop) {
			while (active) {
				struct call *c = active;
				active = c->next;
				abort_call(c, LLM_CANCELLED, "the server is shutting down");
			}
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
			if (c && unlink_call(c->id))
				finish(c, rc);
		}
		int64_t now = mono_ms();
		if (now - last_check >= 250) {
			check_first_token(now);
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
	free(cancels);
	cancels = NULL;
	cancels_cap = ncancels = 0;
	pthread_mutex_unlock(&mu);
	while (left) {
		struct call *c = left;
		left = c->next;
		c->fail = xstrdup("the server is shutting down");
		c->fail_status = LLM_CANCELLED;
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
	c->ad = req->provider->type == LLM_ANTHROPIC ? &llm_anthropic : &llm_openai;
	c->fn = fn;
	c->ctx = ctx;
	c->acc.delta = on_delta;
	c->acc.res.prompt_tokens = c->acc.res.completion_tokens = c->acc.res.total_tokens = -1;
	c->acc.res.ttft_ms = -1;
	sse_init(&c->sse, MAX_EVENT, on_event, c);
	buf url = BUF_INIT;
	buf_printf(&url, "%s%s", c->prov->url, c->ad->path);
	c->url = buf_detach(&url, NULL);
	c->body = c->ad->body(req);
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

void llm_cancel(uint64_t id)
{
	pthread_mutex_lock(&mu);
	if (!running) {
		pthread_mutex_unlock(&mu);
		return;
	}
	if (ncancels == cancels_cap) {
		size_t cap = cancels_cap ? cancels_cap * 2 : 16;
		uint64_t *grown = realloc(cancels, cap * sizeof *grown);
		if (grown) {
			cancels = grown;
			cancels_cap = cap;
		}
	}
	if (ncancels < cancels_cap)
		cancels[ncancels++] = id;
	curl_multi_wakeup(multi);
	pthread_mutex_unlock(&mu);
}
