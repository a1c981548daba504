/* api_slot.c - what an API POST (/v1/chat/completions, /v1/embeddings) holds
 * from its headers to its start: one of the user's in-flight places
 * (MAX_ASKS_PER_USER) and its share of the receiving budget, both taken before a
 * byte of the body is read, so that neither many uploads of one user nor one
 * user's big bodies can keep everyone else's requests out (docs/api.md,
 * "Limits"). The call takes the place over when it starts (api_slot_admit) and
 * gives the bytes back; a request that ends before gives both back. */
#include <stdlib.h>

#include "../../auth/auth.h"
#include "../../core/config.h"
#include "../../core/util.h"
#include "api.h"
#include "../errors.h"
#include "../call/limit.h"

struct api_slot {
	int64_t user;
	size_t bytes; /* reserved of the user's share */
};

/* One user's share of the receiving budget for API bodies: a quarter, so that
 * whatever one user sends, three quarters stay for everyone else. */
static size_t user_share(void) { return cfg.max_receiving_bytes ? cfg.max_receiving_bytes / 4 : SIZE_MAX; }

static void slot_close(http_req *r, bool completed)
{
	(void)completed;
	struct api_slot *s = r->job;
	if (!s)
		return;
	call_limit_bytes_give(s->user, s->bytes);
	call_limit_give(s->user);
	free(s);
	r->job = NULL;
}

static void refuse(http_req *r, const char *message)
{
	http_add_header(r, "Retry-After", "5");
	error_api(r, 429, "rate_limit_error", "rate_limit_exceeded", NULL, message);
}

void api_too_many_calls(http_req *r)
{
	refuse(r, "You already have as many calls in flight as one user may (MAX_ASKS_PER_USER): wait for one to "
		  "finish.");
}

bool api_slot_take(http_req *r, size_t limit)
{
	struct api_slot *s = calloc(1, sizeof *s);
	if (!s) {
		http_error(r, 500, "Out of memory.");
		return false;
	}
	s->user = visitor(r)->user_id;
	/* The declared length, or the whole limit when the body comes chunked. */
	const char *cl = http_header(r, "Content-Length");
	int64_t declared;
	s->bytes = cl && parse_int64(cl, 0, INT64_MAX, &declared) && (uint64_t)declared < limit ? (size_t)declared : limit;
	if (!call_limit_take(s->user)) {
		free(s);
		api_too_many_calls(r);
		return false;
	}
	if (!call_limit_bytes_take(s->user, s->bytes, user_share())) {
		call_limit_give(s->user);
		free(s);
		refuse(r, "Your calls being sent hold as many bytes as one user may (a quarter of MAX_RECEIVING_BYTES): "
			  "wait for one to be received.");
		return false;
	}
	r->job = s;
	r->on_close = slot_close;
	return true;
}

bool api_slot_admit(http_req *r, struct call *call)
{
	if (!llm_accepting()) {
		http_error_retry(r, 503, "The server is restarting: try again in a moment.");
		return false;
	}
	/* The place taken with the headers becomes the call's; the body's bytes go back
	 * to the budget (the body itself moves into the record, or is dropped): a call
	 * waiting on a slow provider holds no one else's room to send. */
	if (!api_slot_hand_over(r) && !call_limit_take(call->user_id)) {
		api_too_many_calls(r);
		return false;
	}
	call->counted = true;
	return true;
}

size_t api_slot_limit(void)
{
	/* MAX_UPLOAD_BYTES stays the largest body of any request */
	size_t limit = cfg.max_api_body_bytes < cfg.max_upload_bytes ? cfg.max_api_body_bytes : cfg.max_upload_bytes;
	size_t share = user_share();
	return limit < share ? limit : share;
}

bool api_slot_hand_over(http_req *r)
{
	struct api_slot *s = r->job;
	if (!s || r->on_close != slot_close)
		return false;
	call_limit_bytes_give(s->user, s->bytes);
	http_body_release(r);
	free(s);
	r->job = NULL;
	r->on_close = NULL;
	return true;
}
