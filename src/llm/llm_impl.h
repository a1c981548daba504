/* llm_impl.h - what the engine and the two provider adapters share. An adapter
 * knows one API's shape: the request body, the streamed events, the whole
 * (non-streamed) answer and the error body. The engine knows HTTP. */
#ifndef LLMMETA_LLM_IMPL_H
#define LLMMETA_LLM_IMPL_H

#include <curl/curl.h>
#include <jansson.h>

#include "llm.h"

/* One answer as it accumulates. */
struct llm_acc {
	struct llm_result res;
	bool complete;      /* the provider said the answer is whole */
	char *stream_error; /* an error the provider sent inside the stream */
	json_t *tool_calls; /* OpenAI's tool calls as they accumulate (an array), or NULL */
	void (*delta)(struct llm_acc *a, const char *text, size_t len);
	/* A token that is not text (a tool call's piece): counts for the first token. */
	void (*token)(struct llm_acc *a);
};

struct llm_adapter {
	const char *path; /* appended to the provider's URL (NULL: the request's own path) */
	/* The JSON request body (caller frees), or NULL when out of memory. */
	char *(*body)(const struct llm_request *r);
	/* One server-sent event; -1 when it is malformed. */
	int (*event)(struct llm_acc *a, const char *event, const char *data, size_t len);
	/* A whole JSON answer (a provider that did not stream); -1 when malformed. */
	int (*whole)(struct llm_acc *a, const char *body, size_t len);
};

/* llm_openai_raw: any other endpoint of the OpenAI API, in raw mode (openai.c). */
extern const struct llm_adapter llm_openai, llm_anthropic, llm_openai_raw;

/* Test-only, NULL in the program: when set and returning true, the engine fails to
 * allocate a call's final message, as if memory had run out (engine.c). The unit
 * tests use it to show that a cancellation still ends the call as cancelled. */
extern bool (*llm_engine_alloc_fails)(void);

/* How a call ended, as the metrics count it (llm_metrics.c). */
enum llm_outcome { LLM_OUTCOME_OK, LLM_OUTCOME_ERROR, LLM_OUTCOME_CANCELLED, LLM_OUTCOME_TIMEOUT };
/* The engine started a call, or ended one (with what the provider reported). */
void llm_metrics_started(void);
void llm_metrics_ended(const struct llm_provider *p, const char *model, enum llm_outcome outcome,
		       const struct llm_result *res);

/* Adds the provider's authentication headers to h. */
struct curl_slist *llm_auth_headers(const struct llm_provider *p, struct curl_slist *h);
/* The human message in an error body ({"error":{"message":...}} and the like), or
 * NULL; the caller frees it. */
char *llm_error_message(const char *body, size_t len);
/* Sets *dst to v's value when v is an integer within 0..LLM_COUNT_MAX and returns
 * true; anything else (absent, negative, a real, a number too large to be a count)
 * is garbage: *dst is left as it was and the result is false. Every number a
 * provider sends is read through this, so sums of them cannot overflow. */
bool llm_count(const json_t *v, int64_t *dst);
/* Sets *dst to a copy of s when s is a string and *dst is unset. */
void llm_set_once(char **dst, json_t *s);
/* Adds the sampling parameters named in sent to the request body j. */
void llm_add_params(json_t *j, const struct llm_request *r, unsigned sent);
/* Serialises j (and releases it) with doubles as typed, 0.7 rather than 0.69999... */
char *llm_dump(json_t *j);

#endif
