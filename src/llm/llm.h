/* llm.h - talking to language models: the configured providers and their models,
 * and the engine that runs every provider call.
 *
 * The engine is one thread with a libcurl multi handle: any number of calls in
 * flight, none of them holding an HTTP worker. A caller starts a call with a
 * callback; the callback runs on the engine thread for each piece of the answer
 * (LLM_DELTA) and exactly once at the end (LLM_DONE or LLM_FAIL), after which the
 * call id is dead. Callbacks must be quick and must not call back into the engine
 * except llm_cancel. */
#ifndef LLMMETA_LLM_H
#define LLMMETA_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"

enum llm_type { LLM_OPENAI, LLM_ANTHROPIC };

/* The sampling parameters, as bits: which a provider refuses, which were sent. */
enum { LLM_MAX_TOKENS = 1, LLM_TEMPERATURE = 2, LLM_TOP_K = 4, LLM_TOP_P = 8 };

struct llm_provider {
	char *name;
	enum llm_type type;
	char *url; /* base URL, without trailing slash: .../v1 */
	char *key; /* NULL for none; never logged or shown */
	char **models;           /* to chat with: the ask form, /v1/chat/completions */
	size_t nmodels;
	char **embedding_models; /* for /v1/embeddings only (embedding_models in the INI) */
	size_t nembedding;
	unsigned unsupported; /* LLM_* bits never sent to this provider */
	/* It speaks OpenAI's Responses API itself (responses = native in the INI):
	 * /v1/responses is passed through to its /responses, not translated. */
	bool responses_native;
	long connect_ms, first_token_ms, total_ms;
};

struct llm_msg {
	const char *role; /* "system", "user", "assistant" */
	const char *content;
};

struct llm_request {
	const struct llm_provider *provider;
	const char *model;
	const struct llm_msg *msgs;
	size_t nmsgs;
	int64_t max_tokens;
	double temperature;
	int64_t top_k;
	double top_p;
	/* Raw mode, for the OpenAI-compatible API (docs/api.md): when raw_body is set it
	 * is sent as the request body as it is (msgs and the parameters are not read);
	 * when on_raw is set it gets, on the engine thread, every server-sent event as
	 * it arrives (event name or NULL, data) and, for an answer that was not
	 * streamed, the whole body once before LLM_DONE (event NULL, data the body,
	 * is_body true). The callback still gets LLM_DELTA with the text and LLM_DONE
	 * or LLM_FAIL with what was parsed, for the record. */
	const char *raw_body;
	/* Raw mode only, OpenAI-compatible providers only: the path after the
	 * provider's URL ("/embeddings") instead of the chat API's. The answer is then
	 * read only for what every OpenAI answer has (model, usage, error): it is the
	 * caller's to understand, through on_raw. NULL: the chat API. */
	const char *path;
	void (*on_raw)(void *ctx, const char *event, const char *data, size_t len, bool is_body);
};

enum llm_status { LLM_OK, LLM_ERROR, LLM_CANCELLED };

/* The largest count (of tokens) believed from a provider: about a trillion, far
 * beyond any real answer, and small enough that sums of a few such counts cannot
 * overflow an int64_t. A number outside 0..LLM_COUNT_MAX is garbage, read as not
 * reported. */
#define LLM_COUNT_MAX ((int64_t)1 << 40)

/* What the provider reported at the end; -1 where it reported nothing, else
 * 0..LLM_COUNT_MAX (total_tokens up to twice that, when it is a sum). */
struct llm_result {
	enum llm_status status;
	char *model;         /* the model as the provider named it */
	char *finish_reason;
	int64_t prompt_tokens, completion_tokens, total_tokens;
	int64_t elapsed_ms;  /* from request to last byte */
	int64_t ttft_ms;     /* to the first piece of text; -1 if none came */
	char *error;         /* for LLM_ERROR/LLM_CANCELLED: for people, names the provider */
	char *tool_calls;    /* the tool calls of the answer, a JSON array in OpenAI's shape; NULL: none */
	long http_status;    /* the provider's HTTP status when it answered with an error, else 0 */
	bool timeout;        /* LLM_ERROR because a timeout (connect, first token, total) passed */
};

enum llm_event { LLM_DELTA, LLM_DONE, LLM_FAIL };
typedef void (*llm_fn)(void *ctx, enum llm_event ev, const char *text, size_t len, const struct llm_result *res);

/* ---- configuration (provider.c) ---- */
/* Reads the providers from LLMMETA_PROVIDERS (an INI file) or from LLM_API_URL,
 * LLM_API_KEY, LLM_MODELS (aliases API_URL, API_KEY), and asks providers without a
 * model list for theirs. Returns 0, or -1 with a line naming the variable in err. */
int llm_config_load(char *err, size_t errlen);
void llm_config_free(void);
size_t llm_model_count(void);
const char *llm_model_at(size_t i);
/* The provider serving model, or NULL for an unknown model. */
const struct llm_provider *llm_provider_for(const char *model);
/* The provider of the i-th model (as llm_model_at), and whether another provider
 * offers a model of the same name (the API then names it "provider/model"). */
const struct llm_provider *llm_model_provider_at(size_t i);
bool llm_model_shared(size_t i);
/* A model as the API names it: "model" (the first provider offering it) or
 * "provider/model". The provider, with the provider's own name of the model in
 * *model (pointing into the configuration), or NULL when unknown. */
const struct llm_provider *llm_resolve(const char *name, const char **model);
/* The same for the models of one kind: the chat models (those above) or the
 * embedding models, which are listed and resolved apart from them. */
enum llm_kind { LLM_CHAT, LLM_EMBEDDING };
size_t llm_kind_count(enum llm_kind k);
const char *llm_kind_at(enum llm_kind k, size_t i);
const struct llm_provider *llm_kind_provider_at(enum llm_kind k, size_t i);
bool llm_kind_shared(enum llm_kind k, size_t i);
const struct llm_provider *llm_kind_resolve(enum llm_kind k, const char *name, const char **model);
/* Which LLM_* parameters a request to p carries. */
unsigned llm_sent_params(const struct llm_provider *p);
/* The configured providers, in configuration order. */
size_t llm_provider_count(void);
const struct llm_provider *llm_provider_at(size_t i);

/* ---- metrics (llm_metrics.c, docs/metrics.md) ---- */
/* Registers the provider calls' metrics, labelled with the configured providers and
 * models: call after llm_config_load and before the engine's first call; 0 or -1. */
int llm_metrics_init(void);
/* Unregisters them (after the engine stopped). */
void llm_metrics_free(void);

/* ---- the engine (engine.c) ---- */
int llm_engine_start(void);
/* Cancels what is in flight (callbacks get LLM_FAIL, cancelled) and joins the thread. */
void llm_engine_stop(void);
/* False once the engine is stopping (or never started): new calls are refused. */
bool llm_accepting(void);
/* Starts a call. Returns its id, or 0 when it cannot be started (out of memory, or
 * the engine is stopping: see llm_accepting). The
 * request is copied: the caller may free it at once. */
uint64_t llm_start(const struct llm_request *req, llm_fn fn, void *ctx);
/* Asks the engine to stop call id; its callback then gets LLM_FAIL with status
 * LLM_CANCELLED (unless it had already finished). Safe with a dead id. */
void llm_cancel(uint64_t id);

void llm_result_free(struct llm_result *r);

/* The provider's key out of what it sent: some providers quote it back (in an error
 * message, an SSE error event, a whole body). Every byte from a provider that
 * reaches a client or the record goes through one of these (engine.c). Appends
 * s[0..len) to out with each copy of key replaced by "[key]"; or does so in place. */
void llm_scrub_append(buf *out, const char *s, size_t len, const char *key);
void llm_scrub_key(buf *s, const char *key);
/* The same for text that comes in pieces (a stream's deltas), where a key may be cut
 * between two pieces: each piece is let through but for its tail that could be the
 * start of the key, held back until the next piece says whether it is (scrub.c). */
struct llm_scrubber {
	const char *key; /* borrowed: the provider's, alive as long as the configuration */
	size_t klen;
	buf held;
};
void llm_scrubber_init(struct llm_scrubber *s, const char *key);
/* Appends to out what of held + text[0..len) can go, scrubbed. */
void llm_scrub_feed(struct llm_scrubber *s, buf *out, const char *text, size_t len);
/* Appends what is held (the text ended: it is not a key). */
void llm_scrub_flush(struct llm_scrubber *s, buf *out);
void llm_scrubber_free(struct llm_scrubber *s);

#endif
