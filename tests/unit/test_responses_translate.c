/* test_responses_translate.c - the Responses <-> chat completions translation
 * behind POST /v1/responses (src/llm/responses_translate.c).
 *
 * Covers, field by field: input as a string and as items (message roles, every
 * content part, function_call and function_call_output items joined as chat
 * messages), instructions, max_output_tokens, temperature, top_p, tools and every
 * tool_choice, text.format (text, json_object, json_schema with its name, schema,
 * strict and description), text.verbosity, stream (with the usage always asked),
 * the fields passed as they are and those accepted without being sent; each refusal
 * with the exact param it names, at the first refused value next to the last
 * accepted one; the response object's echo of the request; the whole answer (text,
 * tool calls, usage, incomplete for length and content filter); the stream's events
 * in order with their sequence numbers (text, tool calls with split arguments, text
 * then a call, failure), and the output items a continuation sends back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/llm/responses_translate.h"

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &e);
	if (!j)
		fail_msg("bad JSON in the test at %d: %s\n%s", e.position, e.text, s);
	return j;
}

static void equal_json(json_t *got, const char *want_text)
{
	json_t *want = parse(want_text);
	if (!got || !json_equal(got, want)) {
		char *g = got ? json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS) : NULL,
		     *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
		print_error("got  %s\nwant %s\n", g ? g : "NULL", w);
		free(g);
		free(w);
		fail();
	}
	json_decref(want);
}

/* The chat request made of a Responses request (its input its items), or NULL with
 * err and param. */
static json_t *translate(const char *req_text, char *err, size_t errlen, char *param, size_t paramlen)
{
	json_t *req = parse(req_text);
	json_t *items = llm_responses_items(json_object_get(req, "input"), err, errlen, param, paramlen);
	json_t *out = items ? llm_responses_chat_request(req, items, err, errlen, param, paramlen) : NULL;
	json_decref(items);
	json_decref(req);
	return out;
}

static void maps_to(const char *req, const char *chat)
{
	char err[256] = "", param[128] = "";
	json_t *got = translate(req, err, sizeof err, param, sizeof param);
	if (!got)
		fail_msg("refused: %s: %s\n%s", param, err, req);
	equal_json(got, chat);
	json_decref(got);
}

static void refused(const char *req, const char *param_want)
{
	char err[256] = "x", param[128] = "x";
	json_t *got = translate(req, err, sizeof err, param, sizeof param);
	if (got) {
		char *g = json_dumps(got, JSON_COMPACT);
		print_error("accepted: %s\n", g);
		free(g);
		fail();
	}
	if (strcmp(param, param_want) != 0)
		fail_msg("param %s (%s), wanted %s, for %s", param, err, param_want, req);
	assert_true(strlen(err) > 5);
}

#define HI_OUT "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"

/* ------------------------------------------------------------------ request */

static void test_input_string_and_instructions(void **state)
{
	(void)state;
	maps_to("{\"model\":\"m\",\"input\":\"Hi\"}", "{" HI_OUT "}");
	maps_to("{\"model\":\"m\",\"input\":\"Hi\",\"instructions\":\"Be brief.\"}",
		"{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}]}");
	refused("{\"input\":\"Hi\",\"instructions\":7}", "instructions");
	refused("{\"input\":7}", "input");
	refused("{\"input\":[]}", "input");
}

static void test_input_items(void **state)
{
	(void)state;
	/* Roles, string and part content, an assistant's output_text. */
	maps_to("{\"input\":[{\"role\":\"developer\",\"content\":\"Rules\"},{\"type\":\"message\",\"role\":\"user\","
		"\"content\":[{\"type\":\"input_text\",\"text\":\"A\"},{\"type\":\"input_text\",\"text\":\"B\"}]},"
		"{\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"C\"}]},"
		"{\"role\":\"system\",\"content\":\"S\"}]}",
		"{\"messages\":[{\"role\":\"developer\",\"content\":\"Rules\"},{\"role\":\"user\",\"content\":"
		"[{\"type\":\"text\",\"text\":\"A\"},{\"type\":\"text\",\"text\":\"B\"}]},{\"role\":\"assistant\","
		"\"content\":\"C\"},{\"role\":\"system\",\"content\":\"S\"}]}");
	/* An image (with its detail) and a file given inline. */
	maps_to("{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"What?\"},"
		"{\"type\":\"input_image\",\"image_url\":\"https://x/i.png\",\"detail\":\"low\"},"
		"{\"type\":\"input_file\",\"file_data\":\"data:application/pdf;base64,AA==\",\"filename\":\"a.pdf\"}]}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What?\"},"
		"{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/i.png\",\"detail\":\"low\"}},"
		"{\"type\":\"file\",\"file\":{\"file_data\":\"data:application/pdf;base64,AA==\",\"filename\":\"a.pdf\"}}]}]}");
	/* Function calls join the assistant's message before them; their outputs are tool messages. */
	maps_to("{\"input\":[{\"role\":\"user\",\"content\":\"Weather?\"},{\"role\":\"assistant\",\"content\":\"Checking.\"},"
		"{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"w\",\"arguments\":\"{}\"},"
		"{\"type\":\"function_call\",\"call_id\":\"c2\",\"name\":\"w\",\"arguments\":\"{\\\"a\\\":1}\"},"
		"{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"sun\"},"
		"{\"type\":\"function_call_output\",\"call_id\":\"c2\",\"output\":\"rain\"}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},{\"role\":\"assistant\",\"content\":\"Checking.\","
		"\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{}\"}},"
		"{\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{\\\"a\\\":1}\"}}]},"
		"{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":\"sun\"},{\"role\":\"tool\",\"tool_call_id\":\"c2\","
		"\"content\":\"rain\"}]}");
	/* A call with no assistant text before it: a message of its own, content null. */
	maps_to("{\"input\":[{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"w\",\"arguments\":\"{}\"}]}",
		"{\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
		"\"function\":{\"name\":\"w\",\"arguments\":\"{}\"}}]}]}");
}

static void test_input_refusals(void **state)
{
	(void)state;
	refused("{\"input\":[7]}", "input[0]");
	refused("{\"input\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "input[0].role");
	refused("{\"input\":[{\"role\":\"user\",\"content\":7}]}", "input[0].content");
	refused("{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\"}]}]}", "input[0].content[0].type");
	refused("{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\"}]}]}", "input[0].content[0].text");
	refused("{\"input\":[{\"role\":\"user\",\"content\":[\"x\"]}]}", "input[0].content[0]");
	refused("{\"input\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"input_image\",\"image_url\":\"u\"}]}]}",
		"input[0].content[0].type");
	refused("{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"f\"}]}]}",
		"input[0].content[0].file_id");
	refused("{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\"}]}]}", "input[0].content[0].image_url");
	refused("{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_id\":\"f\"}]}]}",
		"input[0].content[0].file_id");
	refused("{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\",\"file_url\":\"u\"}]}]}",
		"input[0].content[0].file_url");
	refused("{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\"}]}]}", "input[0].content[0].file_data");
	refused("{\"input\":[\"Hi\",{\"type\":\"function_call\",\"name\":\"w\",\"arguments\":\"{}\"}]}", "input[0]");
	refused("{\"input\":[{\"role\":\"user\",\"content\":\"x\"},{\"type\":\"function_call\",\"name\":\"w\",\"arguments\":\"{}\"}]}",
		"input[1]");
	refused("{\"input\":[{\"type\":\"function_call_output\",\"output\":\"x\"}]}", "input[0].call_id");
	refused("{\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":[]}]}", "input[0].output");
	refused("{\"input\":[{\"type\":\"item_reference\",\"id\":\"x\"}]}", "input[0].type");
	refused("{\"input\":[{\"type\":\"reasoning\",\"summary\":[]}]}", "input[0].type");
}

static void test_parameters(void **state)
{
	(void)state;
	maps_to("{\"input\":\"Hi\",\"max_output_tokens\":5,\"temperature\":0.25,\"top_p\":0.5,\"parallel_tool_calls\":false,"
		"\"user\":\"u1\",\"safety_identifier\":\"s\",\"prompt_cache_key\":\"k\",\"service_tier\":\"auto\"}",
		"{" HI_OUT ",\"max_tokens\":5,\"temperature\":0.25,\"top_p\":0.5,\"parallel_tool_calls\":false,"
		"\"user\":\"u1\",\"safety_identifier\":\"s\",\"prompt_cache_key\":\"k\",\"service_tier\":\"auto\"}");
	/* Accepted, llmmeta's to keep, not sent: store, metadata, previous_response_id. */
	maps_to("{\"model\":\"m\",\"input\":\"Hi\",\"store\":false,\"metadata\":{\"a\":\"b\"},\"previous_response_id\":\"resp_1\"}",
		"{" HI_OUT "}");
	/* A stream always asks for the usage, which ends the response. */
	maps_to("{\"input\":\"Hi\",\"stream\":true,\"stream_options\":{\"include_obfuscation\":false}}",
		"{" HI_OUT ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
	maps_to("{\"input\":\"Hi\",\"stream\":false}", "{" HI_OUT "}");
	/* At their defaults, the fields OpenAI's service alone serves are accepted. */
	maps_to("{\"input\":\"Hi\",\"background\":false,\"truncation\":\"disabled\",\"include\":[],\"reasoning\":null}",
		"{" HI_OUT "}");
	refused("{\"input\":\"Hi\",\"background\":true}", "background");
	refused("{\"input\":\"Hi\",\"truncation\":\"auto\"}", "truncation");
	refused("{\"input\":\"Hi\",\"include\":[\"x\"]}", "include");
	refused("{\"input\":\"Hi\",\"reasoning\":{}}", "reasoning");
	refused("{\"input\":\"Hi\",\"conversation\":\"c\"}", "conversation");
	refused("{\"input\":\"Hi\",\"prompt\":{\"id\":\"p\"}}", "prompt");
	refused("{\"input\":\"Hi\",\"max_tool_calls\":2}", "max_tool_calls");
	refused("{\"input\":\"Hi\",\"top_logprobs\":2}", "top_logprobs");
	refused("{\"input\":\"Hi\",\"frobnicate\":1}", "frobnicate");
}

static void test_tools(void **state)
{
	(void)state;
	maps_to("{\"input\":\"Hi\",\"tools\":[{\"type\":\"function\",\"name\":\"w\",\"description\":\"d\",\"parameters\":"
		"{\"type\":\"object\"},\"strict\":true},{\"type\":\"function\",\"name\":\"v\"}],\"tool_choice\":\"required\"}",
		"{" HI_OUT ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"w\",\"description\":\"d\","
		"\"parameters\":{\"type\":\"object\"},\"strict\":true}},{\"type\":\"function\",\"function\":{\"name\":\"v\"}}],"
		"\"tool_choice\":\"required\"}");
	maps_to("{\"input\":\"Hi\",\"tool_choice\":\"none\"}", "{" HI_OUT ",\"tool_choice\":\"none\"}");
	maps_to("{\"input\":\"Hi\",\"tool_choice\":\"auto\"}", "{" HI_OUT ",\"tool_choice\":\"auto\"}");
	maps_to("{\"input\":\"Hi\",\"tool_choice\":{\"type\":\"function\",\"name\":\"w\"}}",
		"{" HI_OUT ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"w\"}}}");
	refused("{\"input\":\"Hi\",\"tool_choice\":{\"type\":\"file_search\"}}", "tool_choice");
	refused("{\"input\":\"Hi\",\"tool_choice\":\"any\"}", "tool_choice");
	refused("{\"input\":\"Hi\",\"tools\":{}}", "tools");
	refused("{\"input\":\"Hi\",\"tools\":[{\"type\":\"function\",\"name\":\"w\"},{\"type\":\"web_search\"}]}", "tools[1].type");
	refused("{\"input\":\"Hi\",\"tools\":[{\"type\":\"function\"}]}", "tools[0].name");
	refused("{\"input\":\"Hi\",\"tools\":[{\"type\":\"function\",\"name\":\"w\",\"x\":1}]}", "tools[0].x");
}

static void test_text_format(void **state)
{
	(void)state;
	maps_to("{\"input\":\"Hi\",\"text\":{\"format\":{\"type\":\"text\"}}}", "{" HI_OUT "}");
	maps_to("{\"input\":\"Hi\",\"text\":{\"format\":{\"type\":\"json_object\"}}}",
		"{" HI_OUT ",\"response_format\":{\"type\":\"json_object\"}}");
	maps_to("{\"input\":\"Hi\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"a\",\"schema\":{\"type\":\"object\"},"
		"\"strict\":true,\"description\":\"d\"},\"verbosity\":\"low\"}}",
		"{" HI_OUT ",\"verbosity\":\"low\",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a\","
		"\"schema\":{\"type\":\"object\"},\"strict\":true,\"description\":\"d\"}}}");
	refused("{\"input\":\"Hi\",\"text\":{\"format\":{\"type\":\"xml\"}}}", "text.format.type");
	refused("{\"input\":\"Hi\",\"text\":{\"format\":{\"type\":\"json_schema\",\"schema\":{}}}}", "text.format.name");
	refused("{\"input\":\"Hi\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"a\"}}}", "text.format.schema");
	refused("{\"input\":\"Hi\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"a\",\"schema\":[]}}}",
		"text.format.schema");
	refused("{\"input\":\"Hi\",\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"a\",\"schema\":{},\"y\":1}}}",
		"text.format.y");
	refused("{\"input\":\"Hi\",\"text\":{\"other\":1}}", "text.other");
	refused("{\"input\":\"Hi\",\"text\":\"json\"}", "text");
}

/* ------------------------------------------------------------------ response */

static json_t *base(const char *req)
{
	json_t *r = parse(req);
	json_t *b = llm_responses_base(r, "resp_abc", "my-model", 1700000000);
	json_decref(r);
	return b;
}

static void test_base_echo(void **state)
{
	(void)state;
	json_t *b = base("{\"input\":\"Hi\"}");
	equal_json(b, "{\"id\":\"resp_abc\",\"object\":\"response\",\"created_at\":1700000000,\"status\":\"in_progress\","
		      "\"error\":null,\"incomplete_details\":null,\"usage\":null,\"model\":\"my-model\",\"output\":[],"
		      "\"instructions\":null,\"max_output_tokens\":null,\"temperature\":null,\"top_p\":null,"
		      "\"previous_response_id\":null,\"user\":null,\"tools\":[],\"tool_choice\":\"auto\",\"text\":"
		      "{\"format\":{\"type\":\"text\"}},\"metadata\":{},\"parallel_tool_calls\":true,\"store\":true,"
		      "\"truncation\":\"disabled\"}");
	json_decref(b);
	b = base("{\"instructions\":\"I\",\"max_output_tokens\":9,\"temperature\":1,\"top_p\":0.5,\"previous_response_id\":"
		 "\"resp_0\",\"tools\":[{\"type\":\"function\",\"name\":\"w\"}],\"tool_choice\":\"none\",\"text\":{\"format\":"
		 "{\"type\":\"json_object\"}},\"metadata\":{\"k\":\"v\"},\"store\":false,\"parallel_tool_calls\":false}");
	equal_json(json_object_get(b, "instructions"), "\"I\"");
	equal_json(json_object_get(b, "max_output_tokens"), "9");
	equal_json(json_object_get(b, "previous_response_id"), "\"resp_0\"");
	equal_json(json_object_get(b, "tool_choice"), "\"none\"");
	equal_json(json_object_get(b, "text"), "{\"format\":{\"type\":\"json_object\"}}");
	equal_json(json_object_get(b, "metadata"), "{\"k\":\"v\"}");
	assert_true(json_is_false(json_object_get(b, "store")));
	assert_true(json_is_false(json_object_get(b, "parallel_tool_calls")));
	json_decref(b);
}

static void test_whole(void **state)
{
	(void)state;
	json_t *b = base("{\"input\":\"Hi\"}");
	json_t *chat = parse("{\"id\":\"c\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},"
			     "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5,"
			     "\"prompt_tokens_details\":{\"cached_tokens\":1}}}");
	json_t *r = llm_responses_from_chat(b, chat);
	equal_json(json_object_get(r, "status"), "\"completed\"");
	equal_json(json_object_get(r, "output"), "[{\"id\":\"msg_abc_0\",\"type\":\"message\",\"status\":\"completed\","
						 "\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":"
						 "\"Hello\",\"annotations\":[]}]}]");
	equal_json(json_object_get(r, "usage"), "{\"input_tokens\":3,\"input_tokens_details\":{\"cached_tokens\":1},"
						"\"output_tokens\":2,\"output_tokens_details\":{\"reasoning_tokens\":0},"
						"\"total_tokens\":5}");
	/* The items a continuation sends back. */
	json_t *items = llm_responses_output_items(r);
	equal_json(items, "[{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":"
			  "\"Hello\",\"annotations\":[]}]}]");
	json_decref(items);
	json_decref(r);
	json_decref(chat);
	/* Tool calls after text; stopped for length: incomplete. */
	chat = parse("{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Let me see.\",\"tool_calls\":"
		     "[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"w\",\"arguments\":\"{}\"}}]},"
		     "\"finish_reason\":\"length\"}]}");
	r = llm_responses_from_chat(b, chat);
	equal_json(json_object_get(r, "status"), "\"incomplete\"");
	equal_json(json_object_get(r, "incomplete_details"), "{\"reason\":\"max_output_tokens\"}");
	equal_json(json_array_get(json_object_get(r, "output"), 1),
		   "{\"id\":\"fc_abc_1\",\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":\"call_1\","
		   "\"name\":\"w\",\"arguments\":\"{}\"}");
	assert_true(json_is_null(json_object_get(r, "usage")));
	items = llm_responses_output_items(r);
	equal_json(json_array_get(items, 1), "{\"type\":\"function_call\",\"call_id\":\"call_1\",\"name\":\"w\",\"arguments\":\"{}\"}");
	json_decref(items);
	json_decref(r);
	json_decref(chat);
	chat = parse("{\"choices\":[{\"index\":0,\"message\":{\"content\":\"x\"},\"finish_reason\":\"content_filter\"}]}");
	r = llm_responses_from_chat(b, chat);
	equal_json(json_object_get(r, "incomplete_details"), "{\"reason\":\"content_filter\"}");
	json_decref(r);
	json_decref(chat);
	chat = parse("{\"choices\":[]}");
	assert_null(llm_responses_from_chat(b, chat));
	json_decref(chat);
	json_decref(b);
}

/* Feeds the chunks (a JSON array) and ends the stream; the events' types, one a
 * line, deltas of one kind in a row counted once. */
static void stream_types(const char *chunks, const char *error, const char *want, json_t **final)
{
	json_t *b = base("{\"input\":\"Hi\"}"), *in = parse(chunks), *events = json_array();
	struct llm_responses_stream *s = llm_responses_stream_new(b);
	size_t i;
	json_t *c;
	json_array_foreach(in, i, c) assert_int_equal(llm_responses_stream_chunk(s, c, events), 0);
	json_t *r = llm_responses_stream_end(s, error ? "server_error" : NULL, error, events);
	assert_non_null(r);
	char types[2048] = "";
	const char *last = "";
	json_t *ev;
	json_array_foreach(events, i, ev) {
		assert_int_equal(json_integer_value(json_object_get(ev, "sequence_number")), (json_int_t)i);
		const char *t = json_string_value(json_object_get(ev, "type"));
		if (strstr(t, ".delta") && !strcmp(t, last))
			continue;
		strcat(types, t);
		strcat(types, "\n");
		last = t;
	}
	assert_string_equal(types, want);
	assert_int_equal(llm_responses_stream_seq(s), (int64_t)json_array_size(events));
	if (final)
		*final = r;
	else
		json_decref(r);
	llm_responses_stream_free(s);
	json_decref(events);
	json_decref(in);
	json_decref(b);
}

#define START "response.created\nresponse.in_progress\n"
#define TEXT_ITEM                                                                                                  \
	"response.output_item.added\nresponse.content_part.added\nresponse.output_text.delta\n"                   \
	"response.output_text.done\nresponse.content_part.done\nresponse.output_item.done\n"
#define CALL_ITEM                                                                                                  \
	"response.output_item.added\nresponse.function_call_arguments.delta\nresponse.function_call_arguments.done\n" \
	"response.output_item.done\n"

static void test_stream(void **state)
{
	(void)state;
	json_t *r;
	stream_types("[{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]},"
		     "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]},"
		     "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]},"
		     "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}]",
		     NULL, START TEXT_ITEM "response.completed\n", &r);
	equal_json(json_array_get(json_object_get(json_array_get(json_object_get(r, "output"), 0), "content"), 0),
		   "{\"type\":\"output_text\",\"text\":\"Hello\",\"annotations\":[]}");
	equal_json(json_object_get(json_object_get(r, "usage"), "total_tokens"), "3");
	json_decref(r);
	/* Text, then two calls with their arguments in pieces. */
	stream_types("[{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Let me.\"}}]},"
		     "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"w\","
		     "\"arguments\":\"\"}}]}}]},"
		     "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\"\"}}]}}]},"
		     "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\":1}\"}}]}}]},"
		     "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,\"id\":\"c2\",\"function\":{\"name\":\"v\","
		     "\"arguments\":\"{}\"}}]}}]},"
		     "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}]",
		     NULL, START TEXT_ITEM CALL_ITEM CALL_ITEM "response.completed\n", &r);
	equal_json(json_array_get(json_object_get(r, "output"), 1),
		   "{\"id\":\"fc_abc_1\",\"type\":\"function_call\",\"status\":\"completed\",\"call_id\":\"c1\",\"name\":\"w\","
		   "\"arguments\":\"{\\\"a\\\":1}\"}");
	equal_json(json_object_get(json_array_get(json_object_get(r, "output"), 2), "call_id"), "\"c2\"");
	json_decref(r);
	/* Failed mid-stream: the open item closed, response.failed with the error. */
	stream_types("[{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}]", "overloaded",
		     START TEXT_ITEM "response.failed\n", &r);
	equal_json(json_object_get(r, "error"), "{\"code\":\"server_error\",\"message\":\"overloaded\"}");
	equal_json(json_object_get(r, "status"), "\"failed\"");
	json_decref(r);
	/* Nothing came: the stream still begins and ends; length: incomplete. */
	stream_types("[]", NULL, START "response.completed\n", NULL);
	stream_types("[{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":\"length\"}]}]", NULL,
		     START TEXT_ITEM "response.incomplete\n", NULL);
	/* Other choices than the first, empty deltas: no events. */
	stream_types("[{\"choices\":[{\"index\":1,\"delta\":{\"content\":\"x\"}},{\"index\":0,\"delta\":{\"content\":\"\"}}]}]",
		     NULL, START "response.completed\n", NULL);
}

static void test_stream_malformed(void **state)
{
	(void)state;
	json_t *b = base("{}"), *events = json_array(), *bad = json_string("x");
	struct llm_responses_stream *s = llm_responses_stream_new(b);
	assert_int_equal(llm_responses_stream_chunk(s, bad, events), -1);
	assert_false(llm_responses_stream_begun(s));
	/* More tool calls than the stream keeps: -1, the stream cannot be trusted. */
	int rc = 0;
	for (int i = 0; i < 200 && rc == 0; i++) {
		json_t *c = json_pack("{s:[{s:i, s:{s:[{s:i, s:s}]}}]}", "choices", "index", 0, "delta", "tool_calls", "index", i,
				      "id", "c");
		rc = llm_responses_stream_chunk(s, c, events);
		json_decref(c);
	}
	assert_int_equal(rc, -1);
	assert_true(llm_responses_stream_begun(s));
	llm_responses_stream_free(s);
	json_decref(bad);
	json_decref(events);
	json_decref(b);
}

static void test_question_text(void **state)
{
	(void)state;
	json_t *items = parse("[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"first\"}]},"
			      "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"a\"},{\"type\":\"input_image\"},"
			      "{\"type\":\"input_text\",\"text\":\"b\"}]},{\"role\":\"assistant\",\"content\":[]}]");
	char *t = llm_responses_question_text(items);
	assert_string_equal(t, "a\nb");
	free(t);
	json_decref(items);
	items = parse("[{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":\"o\"}]");
	t = llm_responses_question_text(items);
	assert_string_equal(t, "");
	free(t);
	json_decref(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_string_and_instructions),
		cmocka_unit_test(test_input_items),
		cmocka_unit_test(test_input_refusals),
		cmocka_unit_test(test_parameters),
		cmocka_unit_test(test_tools),
		cmocka_unit_test(test_text_format),
		cmocka_unit_test(test_base_echo),
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_stream),
		cmocka_unit_test(test_stream_malformed),
		cmocka_unit_test(test_question_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
