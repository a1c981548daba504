/* fuzz_sse.c - the server-sent events parser (src/llm/sse.c), which reads what a
 * provider streams back.
 *
 * The first three bytes choose a split point, the size limit and after how many
 * events the callback stops the parse; the rest is the stream. It is fed whole,
 * in two pieces split there, and one byte at a time: the three must give the same
 * events (type and data, byte for byte) and fail or succeed alike. Also: no event
 * type holds a line break, no data a CR, and no data is beyond the limit. */
#include "fuzz.h"

#include <stdbool.h>

#include "../../src/core/buf.h"
#include "../../src/llm/sse.h"

struct rec {
	buf log;
	size_t max;
	int calls, stop_after;
};

static int on_event(void *ctx, const char *event, const char *data, size_t len)
{
	struct rec *r = ctx;
	FUZZ_CHECK(!strpbrk(event, "\r\n"), "a line break in the event type");
	FUZZ_CHECK(!memchr(data, '\r', len), "a CR in the data");
	FUZZ_CHECK(len <= r->max, "%zu bytes of data for a limit of %zu", len, r->max);
	FUZZ_CHECK(data[len] == '\0', "data not NUL-terminated");
	/* Length-prefixed, so that data holding NULs or separators compares exactly. */
	buf_printf(&r->log, "%zu:%s|%zu:", strlen(event), event, len);
	buf_append(&r->log, data, len);
	FUZZ_CHECK(!r->log.oom, "out of memory");
	return ++r->calls == r->stop_after;
}

/* Feeds the n bytes at s in pieces of at most piece bytes, and the first cut bytes
 * apart when cut is not 0; stops at the first failure. Returns 0 or -1. */
static int run(struct rec *r, const char *s, size_t n, size_t cut, size_t piece)
{
	struct sse p;
	sse_init(&p, r->max, on_event, r);
	int rc = 0;
	size_t off = 0;
	if (cut) {
		rc = sse_feed(&p, s, cut);
		off = cut;
	}
	while (rc == 0 && off < n) {
		size_t k = n - off < piece ? n - off : piece;
		rc = sse_feed(&p, s + off, k);
		off += k;
	}
	sse_free(&p);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	const char *s = (const char *)data + 3;
	size_t n = size - 3;
	size_t cut = n ? data[0] * n / 255 : 0;
	size_t max = data[1] < 128 ? 16 + data[1] : 1u << 20;
	int stop_after = data[2] < 200 ? 0 : data[2] - 199;

	struct rec whole = {BUF_INIT, max, 0, stop_after}, split = whole, bytes = whole;
	int rw = run(&whole, s, n, 0, n ? n : 1);
	int rs = run(&split, s, n, cut, n ? n : 1);
	int rb = run(&bytes, s, n, 0, 1);
	FUZZ_CHECK(rw == rs, "whole gives %d, split at %zu gives %d", rw, cut, rs);
	FUZZ_CHECK(rw == rb, "whole gives %d, byte by byte %d", rw, rb);
	FUZZ_CHECK(whole.log.len == split.log.len && (!whole.log.len || memcmp(whole.log.data, split.log.data, whole.log.len) == 0),
		   "split at %zu changes the events", cut);
	FUZZ_CHECK(whole.log.len == bytes.log.len && (!whole.log.len || memcmp(whole.log.data, bytes.log.data, whole.log.len) == 0),
		   "byte by byte changes the events");
	buf_free(&whole.log);
	buf_free(&split.log);
	buf_free(&bytes.log);
	return 0;
}
