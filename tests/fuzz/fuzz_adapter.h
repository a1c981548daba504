/* fuzz_adapter.h - the body of the two provider adapter harnesses (fuzz_openai.c,
 * fuzz_anthropic.c): the input goes where a provider's response goes in
 * src/llm/engine.c, as a streamed body through the SSE parser into the adapter's
 * event handler, as a whole (non-streamed) JSON answer, and as an error body.
 *
 * Checks, beyond memory safety: an event or whole answer is accepted (0) or refused
 * as malformed (-1); every piece of text handed on is valid UTF-8, NUL-terminated at
 * its length, and non-empty in a stream; the model, finish reason and error message
 * are valid UTF-8; a whole answer accepted is complete; every token count is -1
 * (not reported) or within 0..LLM_COUNT_MAX, whatever number the provider sent
 * (a total computed as a sum within twice that); Anthropic's total is the sum of
 * its parts when both were reported. */
#ifndef LLMMETA_FUZZ_ADAPTER_H
#define LLMMETA_FUZZ_ADAPTER_H

#include "fuzz.h"

#include "../../src/core/buf.h"
#include "../../src/core/util.h"
#include "../../src/llm/llm_impl.h"
#include "../../src/llm/sse.h"

struct fuzz_acc {
	struct llm_acc acc; /* first: the delta callback gets its address */
	const struct llm_adapter *ad;
	bool streaming;
	size_t text;
};

static void fuzz_on_delta(struct llm_acc *a, const char *s, size_t len)
{
	struct fuzz_acc *f = (struct fuzz_acc *)a;
	FUZZ_CHECK(!f->streaming || len > 0, "an empty delta in a stream");
	FUZZ_CHECK(utf8_valid(s, len), "a delta that is not UTF-8");
	FUZZ_CHECK(s[len] == '\0', "a delta not NUL-terminated at its length");
	f->text += len;
}

static int fuzz_on_event(void *ctx, const char *event, const char *data, size_t len)
{
	struct fuzz_acc *f = ctx;
	int rc = f->ad->event(&f->acc, event, data, len);
	FUZZ_CHECK(rc == 0 || rc == -1, "event handler returned %d", rc);
	return rc < 0 ? -1 : 0;
}

static void fuzz_check_result(const struct fuzz_acc *f)
{
	const struct llm_result *r = &f->acc.res;
	if (r->model)
		FUZZ_CHECK(utf8_valid(r->model, strlen(r->model)), "model not UTF-8");
	if (r->finish_reason)
		FUZZ_CHECK(utf8_valid(r->finish_reason, strlen(r->finish_reason)), "finish reason not UTF-8");
	const int64_t counts[] = {r->prompt_tokens, r->completion_tokens, r->total_tokens};
	for (size_t i = 0; i < 3; i++)
		FUZZ_CHECK(counts[i] >= -1 && counts[i] <= (i == 2 ? 2 : 1) * LLM_COUNT_MAX, "token count %zu is %lld", i,
			   (long long)counts[i]);
	if (f->ad == &llm_anthropic && r->prompt_tokens >= 0 && r->completion_tokens >= 0)
		FUZZ_CHECK(r->total_tokens == r->prompt_tokens + r->completion_tokens, "total %lld is not the sum",
			   (long long)r->total_tokens);
}

/* A token that is not text (a tool call's piece, an answer without text): the
 * engine times the first one; here there is nothing to time. */
static void fuzz_on_token(struct llm_acc *a) { (void)a; }

static void fuzz_acc_init(struct fuzz_acc *f, const struct llm_adapter *ad, bool streaming)
{
	*f = (struct fuzz_acc){.acc = {.res = {.prompt_tokens = -1, .completion_tokens = -1, .total_tokens = -1},
				       .delta = fuzz_on_delta, .token = fuzz_on_token},
			       .ad = ad, .streaming = streaming};
}

static void fuzz_acc_free(struct fuzz_acc *f)
{
	llm_result_free(&f->acc.res);
	free(f->acc.stream_error);
}

static int fuzz_adapter(const struct llm_adapter *ad, const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	/* Streamed, with the engine's parser; 1 MiB events as in engine.c. */
	struct fuzz_acc f;
	fuzz_acc_init(&f, ad, true);
	struct sse p;
	sse_init(&p, 1u << 20, fuzz_on_event, &f);
	sse_feed(&p, s, size);
	sse_free(&p);
	fuzz_check_result(&f);
	fuzz_acc_free(&f);

	/* Whole. */
	fuzz_acc_init(&f, ad, false);
	int rc = ad->whole(&f.acc, s, size);
	FUZZ_CHECK(rc == 0 || rc == -1, "whole answer handler returned %d", rc);
	FUZZ_CHECK(rc < 0 || f.acc.complete, "a whole answer accepted but not complete");
	fuzz_check_result(&f);
	fuzz_acc_free(&f);

	/* As an error body. */
	char *msg = llm_error_message(s, size);
	if (msg)
		FUZZ_CHECK(utf8_valid(msg, strlen(msg)), "error message not UTF-8");
	free(msg);
	return 0;
}

#endif
