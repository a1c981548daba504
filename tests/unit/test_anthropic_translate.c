/* test_anthropic_translate.c - the OpenAI <-> Anthropic translation behind
 * /v1/chat/completions for Anthropic providers (src/llm/anthropic_translate.c).
 *
 * Covers: the request mapping, compared whole against the expected Anthropic body
 * (system and developer messages anywhere, content parts, images as data: and
 * https URLs, same-role merging, tool calls and tool results, tools, every
 * tool_choice with parallel_tool_calls, stop, max_tokens and its default,
 * temperature/top_p/top_k at their limits, stream, user); each refusal with the
 * exact param it names, at the first refused value next to the last accepted one;
 * the whole response (text, tool calls, every stop reason, usage with cache tokens);
 * streams (text, tool use with split JSON and parallel calls, usage with and
 * without include_usage, stop reasons, ping, unknown events, an error event,
 * malformed events); the error message (shapes, raw text, keys redacted, invalid
 * UTF-8) and the error status map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/core/buf.h"
#include "../../src/llm/anthropic_translate.h"
#include "../../src/llm/llm.h"

/* ------------------------------------------------------------------ helpers */

static json_t *parse(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, 0, &e);
	if (!j)
		fail_msg("bad JSON in the test at %d: %s\n%s", e.position, e.text, s);
	return j;
}

/* Translates the OpenAI request and compares with the expected Anthropic body. */
static void maps_to(const char *openai, const char *anthropic)
{
	json_t *in = parse(openai), *want = parse(anthropic);
	char err[256], param[128];
	json_t *got = llm_anthropic_request(in, "claude-x", err, sizeof err, param, sizeof param);
	if (!got)
		fail_msg("refused: %s: %s\n%s", param, err, openai);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS), *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS);
		print_error("got  %s\nwant %s\n", g, w);
		free(g);
		free(w);
		fail();
	}
	json_decref(in);
	json_decref(want);
	json_decref(got);
}

/* The request is refused, naming param; err is a non-empty sentence. */
static void refused(const char *openai, const char *param_want)
{
	json_t *in = parse(openai);
	char err[256] = "x", param[128] = "x";
	json_t *got = llm_anthropic_request(in, "claude-x", err, sizeof err, param, sizeof param);
	if (got) {
		char *g = json_dumps(got, JSON_COMPACT);
		print_error("accepted: %s\n", g);
		free(g);
		fail();
	}
	if (strcmp(param, param_want) != 0)
		fail_msg("param %s (%s), wanted %s, for %s", param, err, param_want, openai);
	assert_true(strlen(err) > 5);
	json_decref(in);
}

#define HI "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
#define HI_OUT "\"model\":\"claude-x\",\"max_tokens\":4096,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"

/* ------------------------------------------------------------------ request */

static void test_request_minimal(void **state)
{
	(void)state;
	/* model is the provider's; max_tokens defaults to 4096; nulls are absent. */
	maps_to("{\"model\":\"gpt-4o\"," HI "}", "{" HI_OUT "}");
	maps_to("{\"model\":\"gpt-4o\"," HI ",\"seed\":null,\"stop\":null,\"tools\":null,\"user\":null,\"foo\":null}",
		"{" HI_OUT "}");
	/* The defaults of fields with no Anthropic equivalent are accepted. */
	maps_to("{" HI ",\"n\":1,\"logprobs\":false,\"top_logprobs\":0,\"logit_bias\":{},\"presence_penalty\":0,"
		"\"frequency_penalty\":0.0,\"response_format\":{\"type\":\"text\"},\"store\":false,"
		"\"stream_options\":{\"include_usage\":true},\"parallel_tool_calls\":true}",
		"{" HI_OUT "}");
}

static void test_request_system(void **state)
{
	(void)state;
	/* system and developer anywhere, in order, string or text parts. */
	maps_to("{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"},"
		"{\"role\":\"developer\",\"content\":[{\"type\":\"text\",\"text\":\"Use\"},{\"type\":\"text\",\"text\":\"French.\"}]},"
		"{\"role\":\"assistant\",\"content\":\"Salut\"},{\"role\":\"user\",\"content\":\"Caf\xC3\xA9?\"}]}",
		"{\"model\":\"claude-x\",\"max_tokens\":4096,\"system\":\"Be brief.\\n\\nUse\\n\\nFrench.\",\"messages\":["
		"{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Salut\"},"
		"{\"role\":\"user\",\"content\":\"Caf\xC3\xA9?\"}]}");
	/* An empty system message adds nothing. */
	maps_to("{\"messages\":[{\"role\":\"system\",\"content\":\"\"}," "{\"role\":\"user\",\"content\":\"Hi\"}]}",
		"{" HI_OUT "}");
	/* Only system messages: nothing for Anthropic to answer. */
	refused("{\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}", "messages");
	refused("{\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
		"\"https://e.org/a.png\"}}]}," "{\"role\":\"user\",\"content\":\"Hi\"}]}",
		"messages[0].content[0].type");
	refused("{\"messages\":[{\"role\":\"system\",\"content\":\"x\",\"name\":\"boss\"},{\"role\":\"user\",\"content\":\"Hi\"}]}",
		"messages[0].name");
}

static void test_request_parts_and_images(void **state)
{
	(void)state;
	maps_to("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
		"{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\",\"detail\":\"high\"}},"
		"{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.org/cat.jpg\"}},"
		"{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/webp;base64,UklGR\"}}]}]}",
		"{\"model\":\"claude-x\",\"max_tokens\":4096,\"messages\":[{\"role\":\"user\",\"content\":["
		"{\"type\":\"text\",\"text\":\"What is this?\"},"
		"{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"iVBORw0KGgo=\"}},"
		"{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.org/cat.jpg\"}},"
		"{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/webp\",\"data\":\"UklGR\"}}]}]}");
	/* Images Anthropic cannot read, and parts it has no block for. */
	static const char *const bad_urls[] = {"data:image/svg+xml;base64,PHN2Zz4=", "data:image/png,rawbytes",
					       "data:image/png;base64,", "ftp://example.org/a.png", "/a.png"};
	for (size_t i = 0; i < sizeof bad_urls / sizeof *bad_urls; i++) {
		char req[256];
		snprintf(req, sizeof req,
			 "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"},"
			 "{\"type\":\"image_url\",\"image_url\":{\"url\":\"%s\"}}]}]}", bad_urls[i]);
		refused(req, "messages[0].content[1].image_url.url");
	}
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"},"
		"{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"x\",\"format\":\"wav\"}}]}]}",
		"messages[2].content[0].type");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":{\"file_id\":\"f\"}}]}]}",
		"messages[0].content[0].type");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"no type\"}]}]}", "messages[0].content[0].type");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\",\"cache_control\":{}}]}]}",
		"messages[0].content[0].cache_control");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://e.org/"
		"a.png\",\"zoom\":2}}]}]}", "messages[0].content[0].image_url.zoom");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":\"https://e.org/\"}]}]}",
		"messages[0].content[0].image_url");
	/* An image in an assistant turn: Anthropic's assistant turns hold no images. */
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"image_url\","
		"\"image_url\":{\"url\":\"https://e.org/a.png\"}}]}]}", "messages[1].content[0].type");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":42}]}", "messages[0].content");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":7}]}]}", "messages[0].content[0].text");
}

static void test_request_roles(void **state)
{
	(void)state;
	/* Consecutive same-role turns merge; empty texts vanish. */
	maps_to("{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\","
		"\"text\":\"b\"}]},{\"role\":\"assistant\",\"content\":\"\"},{\"role\":\"assistant\",\"content\":\"c\"},"
		"{\"role\":\"user\",\"content\":\"d\"}]}",
		"{\"model\":\"claude-x\",\"max_tokens\":4096,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
		"\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]},{\"role\":\"assistant\",\"content\":\"c\"},"
		"{\"role\":\"user\",\"content\":\"d\"}]}");
	refused("{\"messages\":[{\"role\":\"function\",\"content\":\"x\",\"name\":\"f\"}]}", "messages[0].role");
	refused("{\"messages\":[{\"content\":\"x\"}]}", "messages[0].role");
	refused("{\"messages\":[\"hello\"]}", "messages[0].role");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"name\":\"alice\"}]}", "messages[0].name");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":\"y\","
		"\"audio\":{\"id\":\"a\"}}]}", "messages[1].audio");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":null,"
		"\"function_call\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}", "messages[1].function_call");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":null,"
		"\"refusal\":\"no\"}]}", "messages[1].refusal");
	refused("{\"messages\":[]}", "messages");
	refused("{\"messages\":{}}", "messages");
	refused("{}", "messages");
	refused("[]", "");
}

#define TOOLS "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Weather now\"," \
	      "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]"
#define TOOLS_OUT "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather now\",\"input_schema\":{\"type\":\"object\"," \
		  "\"properties\":{\"city\":{\"type\":\"string\"}}}}]"

static void test_request_tool_round_trip(void **state)
{
	(void)state;
	/* A tool call answered by two tool messages (grouped in one user turn), then the
	 * user again: tool_result first in that turn, as Anthropic requires. */
	maps_to("{" TOOLS ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in Paris and Oslo?\"},"
		"{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
		"{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},{\"id\":\"call_2\",\"type\":\"function\","
		"\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},"
		"{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"18 C\"},"
		"{\"role\":\"tool\",\"tool_call_id\":\"call_2\",\"content\":[{\"type\":\"text\",\"text\":\"-3 C\"}]},"
		"{\"role\":\"user\",\"content\":\"Thanks\"}]}",
		"{\"model\":\"claude-x\",\"max_tokens\":4096," TOOLS_OUT ",\"messages\":["
		"{\"role\":\"user\",\"content\":\"Weather in Paris and Oslo?\"},"
		"{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"call_1\",\"name\":\"get_weather\","
		"\"input\":{\"city\":\"Paris\"}},{\"type\":\"tool_use\",\"id\":\"call_2\",\"name\":\"get_weather\",\"input\":{}}]},"
		"{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"call_1\",\"content\":\"18 C\"},"
		"{\"type\":\"tool_result\",\"tool_use_id\":\"call_2\",\"content\":[{\"type\":\"text\",\"text\":\"-3 C\"}]},"
		"{\"type\":\"text\",\"text\":\"Thanks\"}]}]}");
	/* Text with the tool call; a tool result without content. */
	maps_to("{" TOOLS ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"content\":\"Let me look.\","
		"\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]},"
		"{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":\"\"}]}",
		"{\"model\":\"claude-x\",\"max_tokens\":4096," TOOLS_OUT ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},"
		"{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"Let me look.\"},{\"type\":\"tool_use\","
		"\"id\":\"c\",\"name\":\"get_weather\",\"input\":{}}]},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
		"\"tool_use_id\":\"c\"}]}]}");
#define CALL(args) "{" TOOLS ",\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"tool_calls\":" \
		   "[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":" args "}}]}]}"
	refused(CALL("\"{not json\""), "messages[1].tool_calls[0].function.arguments");
	refused(CALL("\"[1,2]\""), "messages[1].tool_calls[0].function.arguments");
	refused(CALL("\"{} trailing\""), "messages[1].tool_calls[0].function.arguments");
	refused(CALL("{\"city\":\"Paris\"}"), "messages[1].tool_calls[0].function.arguments");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\","
		"\"type\":\"custom\",\"custom\":{\"name\":\"g\",\"input\":\"x\"}}]}]}", "messages[1].tool_calls[0].custom");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\","
		"\"type\":\"custom\"}]}]}", "messages[1].tool_calls[0].type");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"tool_calls\":[{\"type\":\"function\","
		"\"function\":{\"name\":\"g\",\"arguments\":\"{}\"}}]}]}", "messages[1].tool_calls[0].id");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\","
		"\"function\":{\"arguments\":\"{}\"}}]}]}", "messages[1].tool_calls[0].function");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\",\"tool_calls\":{}}]}",
		"messages[1].tool_calls");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"tool\",\"content\":\"r\"}]}",
		"messages[1].tool_call_id");
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":"
		"[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://e.org/a.png\"}}]}]}", "messages[1].content[0].type");
	/* tool_calls in a user message is not a field of user messages. */
	refused("{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"tool_calls\":[]}]}", "messages[0].tool_calls");
}

static void test_request_tools(void **state)
{
	(void)state;
	/* A function without parameters gets the empty object schema. */
	maps_to("{" HI ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"now\",\"strict\":false}}]}",
		"{" HI_OUT ",\"tools\":[{\"name\":\"now\",\"input_schema\":{\"type\":\"object\",\"properties\":{}}}]}");
	/* tool_choice, each form, with parallel_tool_calls false. */
	maps_to("{" HI "," TOOLS ",\"tool_choice\":\"auto\"}", "{" HI_OUT "," TOOLS_OUT ",\"tool_choice\":{\"type\":\"auto\"}}");
	maps_to("{" HI "," TOOLS ",\"tool_choice\":\"required\"}", "{" HI_OUT "," TOOLS_OUT ",\"tool_choice\":{\"type\":\"any\"}}");
	maps_to("{" HI "," TOOLS ",\"tool_choice\":\"none\",\"parallel_tool_calls\":false}",
		"{" HI_OUT "," TOOLS_OUT ",\"tool_choice\":{\"type\":\"none\"}}");
	maps_to("{" HI "," TOOLS ",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}}",
		"{" HI_OUT "," TOOLS_OUT ",\"tool_choice\":{\"type\":\"tool\",\"name\":\"get_weather\"}}");
	maps_to("{" HI "," TOOLS ",\"parallel_tool_calls\":false}",
		"{" HI_OUT "," TOOLS_OUT ",\"tool_choice\":{\"type\":\"auto\",\"disable_parallel_tool_use\":true}}");
	maps_to("{" HI "," TOOLS ",\"tool_choice\":\"required\",\"parallel_tool_calls\":false}",
		"{" HI_OUT "," TOOLS_OUT ",\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true}}");
	maps_to("{" HI "," TOOLS ",\"parallel_tool_calls\":true}", "{" HI_OUT "," TOOLS_OUT "}");
	/* parallel_tool_calls without tools means nothing, as at OpenAI. */
	maps_to("{" HI ",\"parallel_tool_calls\":false}", "{" HI_OUT "}");
	refused("{" HI ",\"tool_choice\":\"auto\"}", "tool_choice");
	/* An empty tools list is no tools. */
	maps_to("{" HI ",\"tools\":[],\"parallel_tool_calls\":false}", "{" HI_OUT "}");
	refused("{" HI ",\"tools\":[],\"tool_choice\":\"none\"}", "tool_choice");
	refused("{" HI "," TOOLS ",\"tool_choice\":\"sometimes\"}", "tool_choice");
	refused("{" HI "," TOOLS ",\"tool_choice\":{\"type\":\"allowed_tools\",\"allowed_tools\":{}}}", "tool_choice");
	refused("{" HI "," TOOLS ",\"tool_choice\":{\"type\":\"function\",\"function\":{}}}", "tool_choice.function.name");
	refused("{" HI "," TOOLS ",\"parallel_tool_calls\":\"no\"}", "parallel_tool_calls");
	refused("{" HI ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"strict\":true}}]}",
		"tools[0].function.strict");
	refused("{" HI ",\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"f\"}}]}", "tools[0].type");
	refused("{" HI ",\"tools\":[{\"function\":{\"name\":\"f\"}}]}", "tools[0].type");
	refused("{" HI ",\"tools\":[{\"type\":\"function\",\"function\":{\"description\":\"d\"}}]}", "tools[0].function.name");
	refused("{" HI ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":\"{}\"}}]}",
		"tools[0].function.parameters");
	refused("{" HI ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":1}}]}",
		"tools[0].function.description");
	refused("{" HI ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"examples\":[]}}]}",
		"tools[0].function.examples");
	refused("{" HI ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"},\"cache_control\":{}}]}",
		"tools[0].cache_control");
	refused("{" HI ",\"tools\":{}}", "tools");
	refused("{" HI ",\"functions\":[{\"name\":\"f\"}]}", "functions");
	refused("{" HI ",\"function_call\":\"auto\"}", "function_call");
}

static void test_request_parameters(void **state)
{
	(void)state;
	maps_to("{" HI ",\"max_tokens\":1,\"temperature\":0,\"top_p\":1,\"top_k\":0,\"stream\":true,\"stop\":\"END\","
		"\"user\":\"u-42\"}",
		"{\"model\":\"claude-x\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
		"\"temperature\":0,\"top_p\":1,\"top_k\":0,\"stream\":true,\"stop_sequences\":[\"END\"],"
		"\"metadata\":{\"user_id\":\"u-42\"}}");
	/* temperature 1 is Anthropic's last accepted value, and values stay as typed. */
	maps_to("{" HI ",\"max_completion_tokens\":300,\"temperature\":1,\"top_p\":0.9,\"stream\":false,"
		"\"stop\":[\"a\",\"b\"],\"safety_identifier\":\"h\"}",
		"{" "\"model\":\"claude-x\",\"max_tokens\":300,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
		"\"temperature\":1,\"top_p\":0.9,\"stop_sequences\":[\"a\",\"b\"],\"metadata\":{\"user_id\":\"h\"}}");
	maps_to("{" HI ",\"temperature\":0.7,\"stop\":[]}", "{" HI_OUT ",\"temperature\":0.7}");
	json_t *in = parse("{" HI ",\"temperature\":0.7}");
	char err[128], param[64];
	json_t *out = llm_anthropic_request(in, "m", err, sizeof err, param, sizeof param);
	char *text = json_dumps(out, JSON_COMPACT | JSON_REAL_PRECISION(15));
	assert_non_null(strstr(text, "\"temperature\":0.7,") ? text : strstr(text, "\"temperature\":0.7}"));
	free(text);
	json_decref(out);
	json_decref(in);

	refused("{" HI ",\"temperature\":1.01}", "temperature");
	refused("{" HI ",\"temperature\":2}", "temperature");
	refused("{" HI ",\"temperature\":-0.1}", "temperature");
	refused("{" HI ",\"temperature\":\"0.5\"}", "temperature");
	refused("{" HI ",\"top_p\":1.5}", "top_p");
	refused("{" HI ",\"top_k\":-1}", "top_k");
	refused("{" HI ",\"top_k\":2.5}", "top_k");
	refused("{" HI ",\"max_tokens\":0}", "max_tokens");
	refused("{" HI ",\"max_tokens\":\"100\"}", "max_tokens");
	refused("{" HI ",\"max_completion_tokens\":-5}", "max_completion_tokens");
	refused("{" HI ",\"max_tokens\":10,\"max_completion_tokens\":10}", "max_tokens");
	refused("{" HI ",\"stop\":[\"a\",3]}", "stop[1]");
	refused("{" HI ",\"stop\":5}", "stop");
	refused("{" HI ",\"stream\":\"yes\"}", "stream");
	refused("{" HI ",\"stream_options\":{\"include_usage\":1}}", "stream_options.include_usage");
	refused("{" HI ",\"stream_options\":{\"chunk_size\":1}}", "stream_options.chunk_size");
	refused("{" HI ",\"stream_options\":true}", "stream_options");
	refused("{" HI ",\"user\":5}", "user");
	refused("{" HI ",\"user\":\"a\",\"safety_identifier\":\"b\"}", "safety_identifier");
}

static void test_request_refusals(void **state)
{
	(void)state;
	/* Fields Anthropic cannot honour, each at the first value that asks for something. */
	refused("{" HI ",\"n\":2}", "n");
	refused("{" HI ",\"n\":0}", "n");
	refused("{" HI ",\"logprobs\":true}", "logprobs");
	refused("{" HI ",\"top_logprobs\":1}", "top_logprobs");
	refused("{" HI ",\"seed\":0}", "seed");
	refused("{" HI ",\"logit_bias\":{\"50256\":-100}}", "logit_bias");
	refused("{" HI ",\"presence_penalty\":0.1}", "presence_penalty");
	refused("{" HI ",\"frequency_penalty\":-0.5}", "frequency_penalty");
	refused("{" HI ",\"response_format\":{\"type\":\"json_object\"}}", "response_format");
	refused("{" HI ",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{}}}}",
		"response_format");
	refused("{" HI ",\"response_format\":\"text\"}", "response_format");
	refused("{" HI ",\"store\":true}", "store");
	/* Unknown and unmapped fields are named, never dropped. */
	static const char *const unknown[] = {"reasoning_effort", "modalities", "audio", "prediction", "web_search_options",
					      "service_tier", "metadata", "prompt_cache_key", "verbosity", "my_field"};
	for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++) {
		char req[256];
		snprintf(req, sizeof req, "{" HI ",\"%s\":\"x\"}", unknown[i]);
		refused(req, unknown[i]);
	}
	/* A small param buffer is cut, never overrun; a zero-sized one is left alone. */
	json_t *in = parse("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"video\"}]}]}");
	char err[8], param[6];
	assert_null(llm_anthropic_request(in, "m", err, sizeof err, param, sizeof param));
	assert_string_equal(param, "messa");
	assert_int_equal(strlen(err), 7);
	assert_null(llm_anthropic_request(in, "m", NULL, 0, NULL, 0));
	json_decref(in);
	/* A path cut inside a UTF-8 character ends before it (the caller puts it in
	 * JSON); one cut after a whole character keeps it. */
	in = parse("{" HI ",\"\xC3\xA9\xC3\xA9\xC3\xA9\":1}");
	assert_null(llm_anthropic_request(in, "m", err, sizeof err, param, sizeof param));
	assert_string_equal(param, "\xC3\xA9\xC3\xA9");
	char param5[5];
	assert_null(llm_anthropic_request(in, "m", err, sizeof err, param5, sizeof param5));
	assert_string_equal(param5, "\xC3\xA9\xC3\xA9");
	json_decref(in);
}

/* ----------------------------------------------------------------- response */

static json_t *respond(const char *anthropic)
{
	json_t *in = parse(anthropic);
	json_t *out = llm_anthropic_response(in, "claude-asked", "chatcmpl-1", 1764000000);
	json_decref(in);
	return out;
}

/* Provider counts beyond LLM_COUNT_MAX (2^40) are garbage, read as not reported (0
 * in OpenAI's usage); 2^40 itself, the last accepted, is kept, and the sums of
 * counts at the bound are exact. */
static void test_response_usage_bounded(void **state)
{
	(void)state;
	json_t *r = respond("{\"content\":[{\"type\":\"text\",\"text\":\"x\"}],\"stop_reason\":\"end_turn\","
			    "\"usage\":{\"input_tokens\":1099511627776,\"output_tokens\":1099511627776,"
			    "\"cache_creation_input_tokens\":1099511627776,\"cache_read_input_tokens\":1099511627776}}");
	json_t *u = json_object_get(r, "usage");
	assert_int_equal(json_integer_value(json_object_get(u, "prompt_tokens")), 3 * LLM_COUNT_MAX);
	assert_int_equal(json_integer_value(json_object_get(u, "completion_tokens")), LLM_COUNT_MAX);
	assert_int_equal(json_integer_value(json_object_get(u, "total_tokens")), 4 * LLM_COUNT_MAX);
	json_decref(r);
	r = respond("{\"content\":[{\"type\":\"text\",\"text\":\"x\"}],\"stop_reason\":\"end_turn\","
		    "\"usage\":{\"input_tokens\":1099511627777,\"output_tokens\":9223372036854775807,"
		    "\"cache_read_input_tokens\":9223372036854775807}}");
	u = json_object_get(r, "usage");
	assert_int_equal(json_integer_value(json_object_get(u, "prompt_tokens")), 0);
	assert_int_equal(json_integer_value(json_object_get(u, "completion_tokens")), 0);
	assert_int_equal(json_integer_value(json_object_get(u, "total_tokens")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(u, "prompt_tokens_details"), "cached_tokens")), 0);
	json_decref(r);
}

static void test_response(void **state)
{
	(void)state;
	json_t *r = respond("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-3-5-haiku-20241022\","
			    "\"content\":[{\"type\":\"text\",\"text\":\"Bon\"},{\"type\":\"thinking\",\"thinking\":\"hmm\"},"
			    "{\"type\":\"text\",\"text\":\"jour\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
			    "\"usage\":{\"input_tokens\":10,\"output_tokens\":3,\"cache_creation_input_tokens\":5,"
			    "\"cache_read_input_tokens\":100}}");
	json_t *want = parse("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1764000000,\"model\":\"claude-asked\","
			     "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Bonjour\",\"refusal\":null},"
			     "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":115,\"completion_tokens\":3,"
			     "\"total_tokens\":118,\"prompt_tokens_details\":{\"cached_tokens\":100}}}");
	assert_true(json_equal(r, want));
	json_decref(r);
	json_decref(want);

	r = respond("{\"type\":\"message\",\"model\":\"m\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\","
		    "\"input\":{\"city\":\"Paris\"}},{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"now\",\"input\":{}}],"
		    "\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":7,\"output_tokens\":20}}");
	want = parse("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1764000000,\"model\":\"claude-asked\","
		     "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"refusal\":null,\"tool_calls\":["
		     "{\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}},"
		     "{\"id\":\"toolu_2\",\"type\":\"function\",\"function\":{\"name\":\"now\",\"arguments\":\"{}\"}}]},"
		     "\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":20,"
		     "\"total_tokens\":27,\"prompt_tokens_details\":{\"cached_tokens\":0}}}");
	assert_true(json_equal(r, want));
	json_decref(r);
	json_decref(want);

	/* Each stop reason. */
	static const char *const reasons[][2] = {{"end_turn", "stop"}, {"stop_sequence", "stop"}, {"max_tokens", "length"},
						 {"tool_use", "tool_calls"}, {"refusal", "content_filter"},
						 {"pause_turn", "stop"}, {"model_context_window_exceeded", "length"}};
	for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++) {
		char body[160];
		snprintf(body, sizeof body, "{\"content\":[],\"stop_reason\":\"%s\"}", reasons[i][0]);
		r = respond(body);
		json_t *c = json_array_get(json_object_get(r, "choices"), 0);
		assert_string_equal(json_string_value(json_object_get(c, "finish_reason")), reasons[i][1]);
		/* No text and no tool call: an empty string, not null. */
		assert_string_equal(json_string_value(json_object_get(json_object_get(c, "message"), "content")), "");
		assert_null(json_object_get(r, "usage"));
		json_decref(r);
	}
	assert_null(respond("{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"x\"}}"));
	assert_null(respond("[]"));
	assert_null(llm_anthropic_response(NULL, "m", "i", 0));
}

/* ------------------------------------------------------------------ streams */

struct ev {
	const char *event, *data;
};

/* Feeds the events; returns every chunk as one JSON array (caller frees), and the
 * return code of the last event in *rc. */
static json_t *feed(struct llm_anthropic_stream *s, const struct ev *evs, size_t n, int *rc)
{
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		*rc = llm_anthropic_stream_event(s, evs[i].event, evs[i].data, strlen(evs[i].data), out);
		if (*rc != 0 && i + 1 < n)
			fail_msg("event %zu (%s) gave %d", i, evs[i].event, *rc);
	}
	return out;
}

/* The chunks' deltas as text, one line each: "R(ole)|content or -|tool index/id/name/args|finish". */
static char *deltas(json_t *chunks)
{
	buf b = BUF_INIT;
	size_t i;
	json_t *c;
	json_array_foreach(chunks, i, c) {
		assert_string_equal(json_string_value(json_object_get(c, "id")), "chatcmpl-9");
		assert_string_equal(json_string_value(json_object_get(c, "object")), "chat.completion.chunk");
		assert_string_equal(json_string_value(json_object_get(c, "model")), "claude-asked");
		assert_int_equal(json_integer_value(json_object_get(c, "created")), 1764000001);
		json_t *ch = json_array_get(json_object_get(c, "choices"), 0);
		if (!ch) {
			json_t *u = json_object_get(c, "usage");
			buf_printf(&b, "usage %lld+%lld=%lld cached %lld\n",
				   (long long)json_integer_value(json_object_get(u, "prompt_tokens")),
				   (long long)json_integer_value(json_object_get(u, "completion_tokens")),
				   (long long)json_integer_value(json_object_get(u, "total_tokens")),
				   (long long)json_integer_value(json_object_get(json_object_get(u, "prompt_tokens_details"),
										 "cached_tokens")));
			continue;
		}
		json_t *d = json_object_get(ch, "delta"), *tc = json_array_get(json_object_get(d, "tool_calls"), 0);
		json_t *fn = json_object_get(tc, "function");
		const char *fr = json_string_value(json_object_get(ch, "finish_reason"));
		buf_printf(&b, "%s|%s|", json_string_value(json_object_get(d, "role")) ? "R" : "",
			   json_string_value(json_object_get(d, "content")) ? json_string_value(json_object_get(d, "content")) : "-");
		if (tc)
			buf_printf(&b, "%lld/%s/%s/%s", (long long)json_integer_value(json_object_get(tc, "index")),
				   json_string_value(json_object_get(tc, "id")) ? json_string_value(json_object_get(tc, "id")) : "",
				   json_string_value(json_object_get(fn, "name")) ? json_string_value(json_object_get(fn, "name")) : "",
				   json_string_value(json_object_get(fn, "arguments")));
		buf_printf(&b, "|%s\n", fr ? fr : "");
	}
	return b.data ? b.data : strdup("");
}

#define START "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[]," \
	      "\"model\":\"claude-3-5-haiku-20241022\",\"stop_reason\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1," \
	      "\"cache_read_input_tokens\":4}}}"
#define TBLOCK(i) "{\"type\":\"content_block_start\",\"index\":" #i ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"
#define TDELTA(i, t) "{\"type\":\"content_block_delta\",\"index\":" #i ",\"delta\":{\"type\":\"text_delta\",\"text\":\"" t "\"}}"
#define STOP(i) "{\"type\":\"content_block_stop\",\"index\":" #i "}"
#define MDELTA(r, n) "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" r "\",\"stop_sequence\":null}," \
		     "\"usage\":{\"output_tokens\":" #n "}}"
#define MSTOP "{\"type\":\"message_stop\"}"
#define PING "{\"type\":\"ping\"}"

static void test_stream_text(void **state)
{
	(void)state;
	const struct ev evs[] = {{"message_start", START}, {"content_block_start", TBLOCK(0)}, {"ping", PING},
				 {"content_block_delta", TDELTA(0, "Bon")}, {"content_block_delta", TDELTA(0, "")},
				 {"content_block_delta", TDELTA(0, "jour \\u2192")}, {"content_block_stop", STOP(0)},
				 {"message_delta", MDELTA("end_turn", 9)}, {"message_stop", MSTOP}};
	for (int usage = 0; usage < 2; usage++) {
		struct llm_anthropic_stream *s = llm_anthropic_stream_new("claude-asked", "chatcmpl-9", 1764000001, usage);
		int rc;
		json_t *out = feed(s, evs, sizeof evs / sizeof *evs, &rc);
		assert_int_equal(rc, 0);
		char *d = deltas(out);
		assert_string_equal(d, usage ? "R|||\n|Bon||\n|jour \xE2\x86\x92||\n|-||stop\nusage 29+9=38 cached 4\n"
					     : "R|||\n|Bon||\n|jour \xE2\x86\x92||\n|-||stop\n");
		free(d);
		/* With include_usage, "usage": null in every chunk but the last, as OpenAI. */
		size_t i;
		json_t *c;
		json_array_foreach(out, i, c) {
			json_t *u = json_object_get(c, "usage");
			if (!usage)
				assert_null(u);
			else if (i + 1 < json_array_size(out))
				assert_true(json_is_null(u));
		}
		const struct llm_anthropic_summary *sum = llm_anthropic_stream_summary(s);
		assert_string_equal(sum->finish_reason, "stop");
		assert_int_equal(sum->prompt_tokens, 29);
		assert_int_equal(sum->completion_tokens, 9);
		assert_int_equal(sum->cached_tokens, 4);
		assert_string_equal(sum->text, "Bonjour \xE2\x86\x92");
		assert_int_equal(sum->text_len, strlen("Bonjour \xE2\x86\x92"));
		assert_int_equal(json_array_size(sum->tool_calls), 0);
		assert_string_equal(sum->model, "claude-3-5-haiku-20241022");
		assert_null(sum->error);
		assert_true(sum->complete);
		/* Nothing after message_stop. */
		json_t *more = json_array();
		assert_int_equal(llm_anthropic_stream_event(s, "content_block_delta", TDELTA(0, "x"), strlen(TDELTA(0, "x")), more), 0);
		assert_int_equal(json_array_size(more), 0);
		json_decref(more);
		json_decref(out);
		llm_anthropic_stream_free(s);
	}
}

#define TOOL_START(i, id, name) "{\"type\":\"content_block_start\",\"index\":" #i ",\"content_block\":{\"type\":\"tool_use\"," \
				"\"id\":\"" id "\",\"name\":\"" name "\",\"input\":{}}}"
#define JDELTA(i, j) "{\"type\":\"content_block_delta\",\"index\":" #i ",\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"" j "\"}}"

static void test_stream_tools(void **state)
{
	(void)state;
	/* Text, then two tool calls (block indexes 1 and 2, tool indexes 0 and 1), the
	 * first's JSON split mid-token, the second without input at all. */
	const struct ev evs[] = {
		{"message_start", START}, {"content_block_start", TBLOCK(0)}, {"content_block_delta", TDELTA(0, "Looking.")},
		{"content_block_stop", STOP(0)}, {"content_block_start", TOOL_START(1, "toolu_a", "get_weather")},
		{"content_block_delta", JDELTA(1, "")}, {"content_block_delta", JDELTA(1, "{\\\"ci")},
		{"ping", PING}, {"content_block_delta", JDELTA(1, "ty\\\": \\\"Par")},
		{"content_block_delta", JDELTA(1, "is\\\"}")}, {"content_block_stop", STOP(1)},
		{"content_block_start", TOOL_START(2, "toolu_b", "now")}, {"content_block_stop", STOP(2)},
		{"message_delta", MDELTA("tool_use", 40)}, {"message_stop", MSTOP}};
	struct llm_anthropic_stream *s = llm_anthropic_stream_new("claude-asked", "chatcmpl-9", 1764000001, false);
	int rc;
	json_t *out = feed(s, evs, 7, &rc);
	/* Mid-call, the record has the arguments so far. */
	const struct llm_anthropic_summary *sum = llm_anthropic_stream_summary(s);
	json_t *want = parse("[{\"id\":\"toolu_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"ci\"}}]");
	assert_true(json_equal(sum->tool_calls, want));
	json_decref(want);
	json_t *rest = feed(s, evs + 7, sizeof evs / sizeof *evs - 7, &rc);
	json_array_extend(out, rest);
	json_decref(rest);
	char *d = deltas(out);
	assert_string_equal(d, "R|||\n"
			       "|Looking.||\n"
			       "|-|0/toolu_a/get_weather/|\n"
			       "|-|0///{\"ci|\n"
			       "|-|0///ty\": \"Par|\n"
			       "|-|0///is\"}|\n"
			       "|-|1/toolu_b/now/|\n"
			       "|-|1///{}|\n"
			       "|-||tool_calls\n");
	free(d);
	/* The first tool delta carries type "function", as OpenAI's does. */
	json_t *first = json_array_get(json_object_get(json_object_get(json_array_get(json_object_get(json_array_get(out, 2), "choices"), 0),
								    "delta"), "tool_calls"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "type")), "function");
	sum = llm_anthropic_stream_summary(s);
	want = parse("[{\"id\":\"toolu_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
		     "\"{\\\"city\\\": \\\"Paris\\\"}\"}},{\"id\":\"toolu_b\",\"type\":\"function\",\"function\":{\"name\":\"now\","
		     "\"arguments\":\"{}\"}}]");
	assert_true(json_equal(sum->tool_calls, want));
	json_decref(want);
	assert_string_equal(sum->finish_reason, "tool_calls");
	assert_string_equal(sum->text, "Looking.");
	json_decref(out);
	llm_anthropic_stream_free(s);
}

static void test_stream_stop_reasons(void **state)
{
	(void)state;
	static const char *const reasons[][2] = {{"end_turn", "stop"}, {"stop_sequence", "stop"}, {"max_tokens", "length"},
						 {"tool_use", "tool_calls"}, {"refusal", "content_filter"}};
	for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++) {
		struct llm_anthropic_stream *s = llm_anthropic_stream_new("claude-asked", "chatcmpl-9", 1764000001, false);
		char md[200];
		snprintf(md, sizeof md, "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"%s\"},\"usage\":{\"output_tokens\":2}}",
			 reasons[i][0]);
		const struct ev evs[] = {{"message_start", START}, {"message_delta", md}, {"message_stop", MSTOP}};
		int rc;
		json_t *out = feed(s, evs, 3, &rc);
		char *d = deltas(out), want[64];
		snprintf(want, sizeof want, "R|||\n|-||%s\n", reasons[i][1]);
		assert_string_equal(d, want);
		assert_string_equal(llm_anthropic_stream_summary(s)->finish_reason, reasons[i][1]);
		free(d);
		json_decref(out);
		llm_anthropic_stream_free(s);
	}
	/* No stop_reason at all: message_stop still ends the answer with "stop", and the
	 * usage chunk reports 0 for what was never counted (the summary says -1). */
	struct llm_anthropic_stream *s = llm_anthropic_stream_new("claude-asked", "chatcmpl-9", 1764000001, true);
	const struct ev evs[] = {{"message_start", "{\"type\":\"message_start\",\"message\":{}}"},
				 {"content_block_start", TBLOCK(0)}, {"content_block_delta", TDELTA(0, "x")},
				 {"message_stop", MSTOP}};
	int rc;
	json_t *out = feed(s, evs, 4, &rc);
	char *d = deltas(out);
	assert_string_equal(d, "R|||\n|x||\n|-||stop\nusage 0+0=0 cached 0\n");
	const struct llm_anthropic_summary *sum = llm_anthropic_stream_summary(s);
	assert_int_equal(sum->prompt_tokens, -1);
	assert_int_equal(sum->completion_tokens, -1);
	assert_null(sum->model);
	free(d);
	json_decref(out);
	llm_anthropic_stream_free(s);
}

static void test_stream_error_and_unknown(void **state)
{
	(void)state;
	struct llm_anthropic_stream *s = llm_anthropic_stream_new("claude-asked", "chatcmpl-9", 1764000001, true);
	/* Unknown events and deltas (thinking) and typeless data are passed over. */
	const struct ev evs[] = {{"message_start", START},
				 {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
							 "{\"type\":\"thinking\",\"thinking\":\"\"}}"},
				 {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
							 "{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}"},
				 {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
							 "{\"type\":\"input_json_delta\",\"partial_json\":\"{\"}}"},
				 {"content_block_stop", STOP(0)},
				 {"future_event", "{\"type\":\"future_event\",\"x\":1}"},
				 {"message", "{\"no\":\"type\"}"},
				 {"content_block_start", TBLOCK(1)}, {"content_block_delta", TDELTA(1, "Hel")},
				 {"error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"}};
	int rc;
	json_t *out = feed(s, evs, sizeof evs / sizeof *evs, &rc);
	assert_int_equal(rc, LLM_ANTHROPIC_STREAM_ERROR);
	char *d = deltas(out);
	assert_string_equal(d, "R|||\n|Hel||\n");
	free(d);
	const struct llm_anthropic_summary *sum = llm_anthropic_stream_summary(s);
	assert_string_equal(sum->error, "Overloaded");
	assert_string_equal(sum->error_type, "overloaded_error");
	assert_string_equal(sum->text, "Hel");
	assert_null(sum->finish_reason);
	assert_false(sum->complete);
	json_decref(out);
	llm_anthropic_stream_free(s);

	/* An error event without details, before anything else. */
	s = llm_anthropic_stream_new("m", "i", 0, false);
	out = json_array();
	assert_int_equal(llm_anthropic_stream_event(s, "error", "{\"type\":\"error\"}", 16, out), LLM_ANTHROPIC_STREAM_ERROR);
	assert_int_equal(json_array_size(out), 0);
	assert_string_equal(llm_anthropic_stream_summary(s)->error_type, "api_error");
	assert_non_null(llm_anthropic_stream_summary(s)->error);
	json_decref(out);
	llm_anthropic_stream_free(s);
}

static void test_stream_malformed(void **state)
{
	(void)state;
	/* Each is refused (-1) after a good start: the stream cannot be trusted. */
	static const char *const bad[] = {
		"",
		"{not json",
		"[1,2]",
		"\"message_start\"",
		"{\"type\":\"message_start\",\"message\":\"x\"}",
		"{\"type\":\"content_block_start\",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
		"{\"type\":\"content_block_start\",\"index\":\"0\",\"content_block\":{\"type\":\"text\"}}",
		"{\"type\":\"content_block_start\",\"index\":5,\"content_block\":{}}",
		"{\"type\":\"content_block_start\",\"index\":5,\"content_block\":{\"type\":\"text\",\"text\":3}}",
		"{\"type\":\"content_block_start\",\"index\":5,\"content_block\":{\"type\":\"tool_use\",\"name\":\"f\"}}",
		"{\"type\":\"content_block_start\",\"index\":5,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\"}}",
		TBLOCK(0), /* index 0 again */
		"{\"type\":\"content_block_start\",\"index\":-1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
		TDELTA(7, "x"), /* a block never started */
		"{\"type\":\"content_block_delta\",\"index\":0}",
		"{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"text\":\"x\"}}",
		"{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":1}}",
		JDELTA(0, "{"), /* JSON into a text block */
		STOP(3),
		"{\"type\":\"content_block_stop\"}",
		"{\"type\":\"message_delta\",\"usage\":{}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct llm_anthropic_stream *s = llm_anthropic_stream_new("m", "i", 0, false);
		json_t *out = json_array();
		assert_int_equal(llm_anthropic_stream_event(s, "message_start", START, strlen(START), out), 0);
		assert_int_equal(llm_anthropic_stream_event(s, "content_block_start", TBLOCK(0), strlen(TBLOCK(0)), out), 0);
		if (llm_anthropic_stream_event(s, "x", bad[i], strlen(bad[i]), out) != -1)
			fail_msg("accepted %s", bad[i]);
		json_decref(out);
		llm_anthropic_stream_free(s);
	}
	/* A tool delta after its block stopped, a text delta into a tool block. */
	static const char *const bad_tool[] = {JDELTA(1, "{}"), TDELTA(2, "x")};
	for (size_t i = 0; i < 2; i++) {
		struct llm_anthropic_stream *s = llm_anthropic_stream_new("m", "i", 0, false);
		json_t *out = json_array();
		const struct ev evs[] = {{"", TOOL_START(1, "a", "f")}, {"", STOP(1)}, {"", TOOL_START(2, "b", "g")}};
		int rc;
		json_t *o = feed(s, evs, 3, &rc);
		assert_int_equal(rc, 0);
		assert_int_equal(llm_anthropic_stream_event(s, "", bad_tool[i], strlen(bad_tool[i]), out), -1);
		json_decref(o);
		json_decref(out);
		llm_anthropic_stream_free(s);
	}
	/* Content after the stop reason: Anthropic never sends it. */
	for (size_t i = 0; i < 3; i++) {
		static const char *const late[] = {TDELTA(0, "late"), STOP(0), TBLOCK(1)};
		struct llm_anthropic_stream *s = llm_anthropic_stream_new("m", "i", 0, false);
		const struct ev evs[] = {{"", START}, {"", TBLOCK(0)}, {"", MDELTA("end_turn", 1)}};
		int rc;
		json_t *o = feed(s, evs, 3, &rc);
		json_t *out = json_array();
		assert_int_equal(llm_anthropic_stream_event(s, "", late[i], strlen(late[i]), out), -1);
		assert_int_equal(json_array_size(out), 0);
		assert_string_equal(llm_anthropic_stream_summary(s)->text, "");
		json_decref(o);
		json_decref(out);
		llm_anthropic_stream_free(s);
	}
	/* NULLs: no stream, no array, no data. */
	json_t *out = json_array();
	assert_int_equal(llm_anthropic_stream_event(NULL, "ping", PING, strlen(PING), out), -1);
	struct llm_anthropic_stream *s = llm_anthropic_stream_new(NULL, NULL, 0, false);
	assert_int_equal(llm_anthropic_stream_event(s, "ping", PING, strlen(PING), NULL), -1);
	assert_int_equal(llm_anthropic_stream_event(s, "ping", NULL, 0, out), -1);
	assert_int_equal(llm_anthropic_stream_event(s, "ping", PING, strlen(PING), out), 0);
	assert_int_equal(json_array_size(out), 0);
	const struct llm_anthropic_summary *sum = llm_anthropic_stream_summary(s);
	assert_string_equal(sum->text, "");
	assert_int_equal(sum->text_len, 0);
	json_decref(out);
	llm_anthropic_stream_free(s);
	llm_anthropic_stream_free(NULL);
}

/* Huge token counts (beyond LLM_COUNT_MAX) and negative ones are garbage, read as
 * not reported: nothing overflows or goes negative. */
static void test_stream_token_overflow(void **state)
{
	(void)state;
	struct llm_anthropic_stream *s = llm_anthropic_stream_new("claude-asked", "chatcmpl-9", 1764000001, true);
	const char *start = "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":9223372036854775807,"
			    "\"cache_read_input_tokens\":5,\"output_tokens\":-3}}}";
	const char *md = "{\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":9223372036854775807}}";
	json_t *out = json_array();
	assert_int_equal(llm_anthropic_stream_event(s, "", start, strlen(start), out), 0);
	assert_int_equal(llm_anthropic_stream_event(s, "", md, strlen(md), out), 0);
	assert_int_equal(llm_anthropic_stream_event(s, "", MSTOP, strlen(MSTOP), out), 0);
	const struct llm_anthropic_summary *sum = llm_anthropic_stream_summary(s);
	assert_int_equal(sum->prompt_tokens, -1);
	assert_int_equal(sum->completion_tokens, -1);
	json_t *u = json_object_get(json_array_get(out, json_array_size(out) - 1), "usage");
	assert_int_equal(json_integer_value(json_object_get(u, "total_tokens")), 0);
	json_decref(out);
	llm_anthropic_stream_free(s);
}

/* ------------------------------------------------------------------- errors */

static void message_is(const char *body, const char *want)
{
	char *m = llm_anthropic_error_message(body, body ? strlen(body) : 0);
	assert_non_null(m);
	if (strcmp(m, want) != 0)
		fail_msg("got \"%s\", wanted \"%s\" from %s", m, want, body ? body : "NULL");
	free(m);
}

static void test_error_message(void **state)
{
	(void)state;
	message_is("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: Field required\"},"
		   "\"request_id\":\"req_1\"}", "max_tokens: Field required");
	message_is("{\"error\":\"plain\"}", "plain");
	message_is("{\"message\":\"top\"}", "top");
	message_is("  <html>Bad gateway</html>\n", "<html>Bad gateway</html>");
	message_is(NULL, "the Anthropic provider returned an error without a message");
	message_is("", "the Anthropic provider returned an error without a message");
	message_is("{\"error\":{\"message\":\"  \"}}", "the Anthropic provider returned an error without a message");
	/* Keys: Anthropic's and OpenAI's prefixes, and a long bearer-like token. */
	message_is("{\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key sk-ant-api03-AbC_12-xyz0\"}}",
		   "invalid x-api-key [key]");
	message_is("Incorrect API key provided: sk-proj-abcdefgh. Bearer 0123456789abcdef0123456789abcdef01 refused",
		   "Incorrect API key provided: [key]. Bearer [key] refused");
	/* Short words and "sk-" alone are not keys. */
	message_is("task-sk-12345678 and sk-x stay", "task-sk-12345678 and sk-x stay");
	/* Invalid UTF-8 and control characters in a raw body. */
	char raw[] = "bad \xC3 byte\x01\xFF end \xE2\x86\x92";
	message_is(raw, "bad \xEF\xBF\xBD byte \xEF\xBF\xBD end \xE2\x86\x92");
	/* A long raw body is cut. */
	char longbody[1000];
	memset(longbody, 'a', sizeof longbody - 1);
	for (size_t i = 0; i < sizeof longbody - 1; i += 10)
		longbody[i] = ' ';
	longbody[sizeof longbody - 1] = '\0';
	char *m = llm_anthropic_error_message(longbody, strlen(longbody));
	assert_int_equal(strlen(m), 299 + 3); /* 300 bytes trimmed of the leading blank, then "..." */
	free(m);
	/* A length shorter than the string: only len bytes are read. */
	m = llm_anthropic_error_message("abcdef", 3);
	assert_string_equal(m, "abc");
	free(m);
}

static void test_error_status(void **state)
{
	(void)state;
	const char *t = NULL;
	assert_int_equal(llm_anthropic_error_status("invalid_request_error", &t), 400);
	assert_string_equal(t, "invalid_request_error");
	assert_int_equal(llm_anthropic_error_status("not_found_error", &t), 404);
	assert_int_equal(llm_anthropic_error_status("request_too_large", &t), 413);
	assert_int_equal(llm_anthropic_error_status("rate_limit_error", &t), 429);
	assert_string_equal(t, "rate_limit_error");
	static const char *const bad_gateway[] = {"overloaded_error", "api_error", "authentication_error", "permission_error",
						  "new_error"};
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(llm_anthropic_error_status(bad_gateway[i], &t), 502);
		assert_string_equal(t, "api_error");
	}
	assert_int_equal(llm_anthropic_error_status(NULL, NULL), 502);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_minimal),
		cmocka_unit_test(test_request_system),
		cmocka_unit_test(test_request_parts_and_images),
		cmocka_unit_test(test_request_roles),
		cmocka_unit_test(test_request_tool_round_trip),
		cmocka_unit_test(test_request_tools),
		cmocka_unit_test(test_request_parameters),
		cmocka_unit_test(test_request_refusals),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_response_usage_bounded),
		cmocka_unit_test(test_stream_text),
		cmocka_unit_test(test_stream_tools),
		cmocka_unit_test(test_stream_stop_reasons),
		cmocka_unit_test(test_stream_error_and_unknown),
		cmocka_unit_test(test_stream_malformed),
		cmocka_unit_test(test_stream_token_overflow),
		cmocka_unit_test(test_error_message),
		cmocka_unit_test(test_error_status),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
