/* test_sse.c - the server-sent events parser (src/llm/sse.c).
 *
 * Covers: a recorded OpenAI chat-completions stream (LF, comment, UTF-8, escaped
 * quotes, [DONE]) and a recorded Anthropic Messages stream (CRLF, typed events),
 * each fed whole, split at every byte offset, one byte at a time and in random
 * chunks, always giving the same (event, data) sequence; multi-line data, "data:x",
 * CR-only line ends, events without data, unknown fields, the size limit and a
 * callback that stops the parse. The writer (sse_put_event): what it writes reads
 * back as one event, whatever line breaks its data has. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/buf.h"
#include "../../src/llm/sse.h"

static const char openai_stream[] =
	": keep-alive\n\n"
	"data: {\"id\":\"c1\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
	"\"content\":\"Hello\"}}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" caf\xC3\xA9 \"}}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xE2\x86\x92 \\\"quoted\\\"\"}}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"}}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
	"data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,"
	"\"total_tokens\":17}}\n\n"
	"data: [DONE]\n\n";

/* The callbacks feeding openai_stream must give, in order, as "event|data\n". */
static const char openai_expected[] =
	"message|{\"id\":\"c1\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
	"\"content\":\"Hello\"}}]}\n"
	"message|{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" caf\xC3\xA9 \"}}]}\n"
	"message|{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\xE2\x86\x92 \\\"quoted\\\"\"}}]}\n"
	"message|{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"}}]}\n"
	"message|{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n"
	"message|{\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,"
	"\"total_tokens\":17}}\n"
	"message|[DONE]\n";

#define MSG_START "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"role\":\"assistant\"," \
		  "\"model\":\"claude-3-5-haiku\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}"
#define PING "{\"type\": \"ping\"}"
#define DELTA(t) "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"" t "\"}}"
#define MSG_DELTA "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}"
#define MSG_STOP "{\"type\":\"message_stop\"}"

static const char anthropic_stream[] =
	"event: message_start\r\ndata: " MSG_START "\r\n\r\n"
	"event: ping\r\ndata: " PING "\r\n\r\n"
	"event: content_block_delta\r\ndata: " DELTA("Bon") "\r\n\r\n"
	"event: content_block_delta\r\ndata: " DELTA("jour \xE2\x86\x92") "\r\n\r\n"
	"event: content_block_delta\r\ndata: " DELTA(" \\\"x\\\"") "\r\n\r\n"
	"event: message_delta\r\ndata: " MSG_DELTA "\r\n\r\n"
	"event: message_stop\r\ndata: " MSG_STOP "\r\n\r\n";

static const char anthropic_expected[] =
	"message_start|" MSG_START "\n"
	"ping|" PING "\n"
	"content_block_delta|" DELTA("Bon") "\n"
	"content_block_delta|" DELTA("jour \xE2\x86\x92") "\n"
	"content_block_delta|" DELTA(" \\\"x\\\"") "\n"
	"message_delta|" MSG_DELTA "\n"
	"message_stop|" MSG_STOP "\n";

/* Records every callback as "event|data\n"; stop_after > 0 makes the nth return 1. */
struct rec {
	buf log;
	int calls;
	int stop_after;
};

static int on_event(void *ctx, const char *event, const char *data, size_t len)
{
	struct rec *r = ctx;
	assert_int_equal(strlen(data), len); /* NUL-terminated at len */
	buf_printf(&r->log, "%s|", event);
	buf_append(&r->log, data, len);
	buf_putc(&r->log, '\n');
	r->calls++;
	return r->stop_after && r->calls >= r->stop_after;
}

/* Feeds s in pieces ending at cuts[0..ncuts) then the rest; returns the log. */
static char *feed_cuts(const char *s, size_t len, const size_t *cuts, size_t ncuts, size_t max)
{
	struct rec r = {0};
	struct sse p;
	sse_init(&p, max, on_event, &r);
	size_t at = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		assert_int_equal(sse_feed(&p, s + at, end - at), 0);
		at = end;
	}
	sse_free(&p);
	buf_putc(&r.log, '\0'); /* an empty log is "" rather than NULL */
	return buf_detach(&r.log, NULL);
}

static void check_whole(const char *s, const char *expected)
{
	char *got = feed_cuts(s, strlen(s), NULL, 0, 1 << 16);
	assert_string_equal(got, expected);
	free(got);
}

static void check_every_split(const char *s, const char *expected)
{
	size_t len = strlen(s);
	for (size_t k = 0; k <= len; k++) {
		char *got = feed_cuts(s, len, &k, 1, 1 << 16);
		if (strcmp(got, expected) != 0)
			fail_msg("split at %zu: got\n%s", k, got);
		free(got);
	}
}

static void check_bytewise(const char *s, const char *expected)
{
	size_t len = strlen(s), cuts[4096];
	assert_true(len < sizeof cuts / sizeof cuts[0]);
	for (size_t i = 0; i < len; i++)
		cuts[i] = i + 1;
	char *got = feed_cuts(s, len, cuts, len, 1 << 16);
	assert_string_equal(got, expected);
	free(got);
}

static void check_random_chunks(const char *s, const char *expected)
{
	size_t len = strlen(s), cuts[4096];
	uint32_t seed = 12345;
	for (int round = 0; round < 50; round++) {
		size_t n = 0;
		for (size_t at = 0;;) {
			seed = seed * 1103515245u + 12345u;
			at += 1 + (seed >> 16) % 23;
			if (at >= len)
				break;
			cuts[n++] = at;
		}
		char *got = feed_cuts(s, len, cuts, n, 1 << 16);
		assert_string_equal(got, expected);
		free(got);
	}
}

static void test_openai_stream(void **state)
{
	(void)state;
	check_whole(openai_stream, openai_expected);
	check_every_split(openai_stream, openai_expected);
	check_bytewise(openai_stream, openai_expected);
	check_random_chunks(openai_stream, openai_expected);
}

static void test_anthropic_stream_crlf(void **state)
{
	(void)state;
	check_whole(anthropic_stream, anthropic_expected);
	check_every_split(anthropic_stream, anthropic_expected);
	check_bytewise(anthropic_stream, anthropic_expected);
	check_random_chunks(anthropic_stream, anthropic_expected);
}

static void test_multiline_data_and_spacing(void **state)
{
	(void)state;
	check_whole("data: a\ndata: b\n\n", "message|a\nb\n");
	check_whole("data:x\n\n", "message|x\n");
	check_whole("data:  two\n\n", "message| two\n"); /* only one space is dropped */
	check_whole("data: \n\n", "message|\n");
	check_whole("data: a\n\ndata: b\n\n", "message|a\nmessage|b\n");
	/* Not dispatched until the blank line arrives. */
	check_whole("data: a\n", "");
	check_every_split("data: a\ndata:b\n\n", "message|a\nb\n");
}

static void test_cr_only_and_mixed_line_ends(void **state)
{
	(void)state;
	const char *cr = "event: e\rdata: a\rdata: b\r\rdata: c\r\r";
	check_whole(cr, "e|a\nb\nmessage|c\n");
	check_every_split(cr, "e|a\nb\nmessage|c\n");
	check_bytewise(cr, "e|a\nb\nmessage|c\n");
	const char *mixed = "data: a\r\ndata: b\n\r\ndata: c\r\n\n";
	check_every_split(mixed, "message|a\nb\nmessage|c\n");
}

static void test_no_data_unknown_fields_comments(void **state)
{
	(void)state;
	/* An event without data is not dispatched, and its type does not carry over. */
	check_whole("event: ping\n\ndata: x\n\n", "message|x\n");
	check_whole("event: ping\n\n\n\n", "");
	check_whole("id: 7\nretry: 100\nfoo: bar\nevent: e\nbogus\ndata: x\n\n", "e|x\n");
	check_whole(": comment\n:\ndata: x\n: inside\ndata: y\n\n", "message|x\ny\n");
	/* The last event line wins. */
	check_whole("event: a\nevent: b\ndata: x\n\n", "b|x\n");
}

static void test_event_larger_than_max(void **state)
{
	(void)state;
	struct rec r = {0};
	struct sse p;
	sse_init(&p, 16, on_event, &r);
	const char *small = "data: 0123456789\n\n";
	assert_int_equal(sse_feed(&p, small, strlen(small)), 0);
	assert_int_equal(r.calls, 1);
	/* One data line over the limit. */
	const char *big = "data: 0123456789abcdefXYZ\n\n";
	assert_int_equal(sse_feed(&p, big, strlen(big)), -1);
	sse_free(&p);

	/* Lines each under the limit adding up to an event over it. */
	sse_init(&p, 16, on_event, &r);
	const char *lines = "data: 0123456789\ndata: 0123456789\n\n";
	assert_int_equal(sse_feed(&p, lines, strlen(lines)), -1);
	sse_free(&p);

	/* A line over the limit that arrives in pieces. */
	sse_init(&p, 16, on_event, &r);
	int rc = 0;
	for (int i = 0; i < 40 && rc == 0; i++)
		rc = sse_feed(&p, "x", 1);
	assert_int_equal(rc, -1);
	sse_free(&p);
	assert_int_equal(r.calls, 1);
	buf_free(&r.log);
}

/* Once a bug, now fixed: sse_feed checks the length of a pending line only at the end of a call
 * (p->line.len > p->max), so whether an over-long line is refused depends on where
 * the chunks are cut. With max = 8, "event: a-long-event-name\ndata: x\n\n" is
 * accepted when fed in one call (the event is dispatched) but refused (-1) when fed
 * one byte at a time; likewise "data: 12345678\n\n" (8 data bytes) is accepted
 * whole and refused when cut inside its line. sse.h: "max: the largest line or
 * event in bytes; beyond it sse_feed fails". */
static void test_max_depends_on_chunking(void **state)
{
	(void)state;
	const char *streams[] = {"event: a-long-event-name\ndata: x\n\n", "data: 12345678\n\n"};
	int mismatches = 0;
	for (size_t s = 0; s < 2; s++) {
		const char *in = streams[s];
		struct rec r = {0};
		struct sse p;
		sse_init(&p, 8, on_event, &r);
		int whole = sse_feed(&p, in, strlen(in));
		sse_free(&p);
		sse_init(&p, 8, on_event, &r);
		int bytewise = 0;
		for (size_t i = 0; in[i] && bytewise == 0; i++)
			bytewise = sse_feed(&p, in + i, 1);
		sse_free(&p);
		buf_free(&r.log);
		if (whole != bytewise) {
			print_message("stream %zu: whole %d, byte by byte %d\n", s, whole, bytewise);
			mismatches++;
		}
	}
	assert_int_equal(mismatches, 0);
}

static void test_callback_stops_parsing(void **state)
{
	(void)state;
	struct rec r = {.stop_after = 1};
	struct sse p;
	sse_init(&p, 1024, on_event, &r);
	const char *two = "data: one\n\ndata: two\n\n";
	assert_int_equal(sse_feed(&p, two, strlen(two)), -1);
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.log.data, "message|one\n");
	sse_free(&p);
	buf_free(&r.log);
}

/* What sse_put_event writes reads back as one event: its LF and CRLF line breaks
 * as the parser's '\n', a lone CR as a space (it would end a line), and never a
 * second event, a comment or a field of its own. */
static void test_put_event_is_one_event(void **state)
{
	(void)state;
	const char data[] = "a\nb\r\nc\rd\n\nevent: x\n: comment";
	buf out = BUF_INIT;
	sse_put_event(&out, data, sizeof data - 1);
	struct rec r = {.log = BUF_INIT};
	struct sse p;
	sse_init(&p, 1024, on_event, &r);
	assert_int_equal(sse_feed(&p, out.data, out.len), 0);
	assert_int_equal(r.calls, 1);
	assert_string_equal(r.log.data, "message|a\nb\nc d\n\nevent: x\n: comment\n");
	sse_free(&p);
	buf_free(&r.log);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openai_stream),
		cmocka_unit_test(test_anthropic_stream_crlf),
		cmocka_unit_test(test_multiline_data_and_spacing),
		cmocka_unit_test(test_cr_only_and_mixed_line_ends),
		cmocka_unit_test(test_no_data_unknown_fields_comments),
		cmocka_unit_test(test_event_larger_than_max),
		cmocka_unit_test(test_max_depends_on_chunking),
		cmocka_unit_test(test_callback_stops_parsing),
		cmocka_unit_test(test_put_event_is_one_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
