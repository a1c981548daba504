/* test_schema.c - the JSON Schema validator (src/schema/).
 *
 * Covers what the official suites leave to implementations or test thinly: the
 * dialect chosen ($schema, the default 2020-12, the forced one), multipleOf exact on
 * decimals, JSON equality (1 == 1.0), lengths in code points, the "basic" output's
 * instance and keyword locations (escaped, through $ref), the meta-schema check,
 * formats asserted only when asked, remote $refs refused unless a resolver serves
 * them, and the bounds: schema nesting (512 accepted, 513 refused, 10,000 refused),
 * validation depth through a recursive $ref, $ref loops, and catastrophic
 * backtracking in a pattern. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../src/schema/schema.h"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
	if (!j)
		fail_msg("bad test JSON: %s: %s", text, e.text);
	return j;
}

static schema *compile_opts(const char *text, const struct schema_opts *o)
{
	json_t *j = parse(text);
	char err[512];
	schema *s = schema_compile(j, o, err, sizeof err);
	json_decref(j);
	if (!s)
		fail_msg("did not compile: %s: %s", text, err);
	return s;
}

/* 1 valid, 0 invalid; the result's errors agree with its verdict. */
static int valid_opts(const char *schema_text, const char *instance, const struct schema_opts *o)
{
	schema *s = compile_opts(schema_text, o);
	json_t *i = parse(instance);
	struct schema_result r;
	assert_int_equal(schema_validate(s, i, &r), 0);
	int v = r.valid;
	if (v)
		assert_int_equal(r.n, 0);
	else
		assert_true(r.n > 0);
	schema_result_free(&r);
	json_decref(i);
	schema_free(s);
	return v;
}

static int valid(const char *schema_text, const char *instance)
{
	return valid_opts(schema_text, instance, NULL);
}

/* The compile error of a schema that must not compile. */
static void compile_error(const char *text, const char *want)
{
	json_t *j = parse(text);
	char err[512] = "";
	schema *s = schema_compile(j, NULL, err, sizeof err);
	json_decref(j);
	if (s)
		fail_msg("compiled, but should not have: %s", text);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not say \"%s\"", err, want);
}

static void test_keywords(void **state)
{
	(void)state;
	const char *obj = "{\"type\":\"object\",\"required\":[\"id\"],\"properties\":{\"id\":{\"type\":\"integer\"}},"
			  "\"additionalProperties\":false,\"dependentRequired\":{\"a\":[\"b\"]}}";
	assert_int_equal(valid(obj, "{\"id\":1}"), 1);
	assert_int_equal(valid(obj, "{}"), 0);
	assert_int_equal(valid(obj, "{\"id\":\"1\"}"), 0);
	assert_int_equal(valid(obj, "{\"id\":1,\"x\":2}"), 0);
	const char *arr = "{\"prefixItems\":[{\"type\":\"string\"}],\"items\":{\"type\":\"integer\"},"
			  "\"contains\":{\"const\":7},\"minContains\":2,\"maxContains\":3}";
	assert_int_equal(valid(arr, "[\"a\",7,7]"), 1);
	assert_int_equal(valid(arr, "[\"a\",7]"), 0);       /* one 7: fewer than minContains */
	assert_int_equal(valid(arr, "[\"a\",7,7,7,7]"), 0); /* four: more than maxContains */
	assert_int_equal(valid(arr, "[1,7,7]"), 0);         /* prefixItems */
	assert_int_equal(valid("{\"if\":{\"minimum\":10},\"then\":{\"multipleOf\":5},\"else\":{\"maximum\":3}}", "15"), 1);
	assert_int_equal(valid("{\"if\":{\"minimum\":10},\"then\":{\"multipleOf\":5},\"else\":{\"maximum\":3}}", "12"), 0);
	assert_int_equal(valid("{\"if\":{\"minimum\":10},\"then\":{\"multipleOf\":5},\"else\":{\"maximum\":3}}", "4"), 0);
	const char *uneval = "{\"properties\":{\"a\":true},\"anyOf\":[{\"properties\":{\"b\":true}}],"
			     "\"unevaluatedProperties\":false}";
	assert_int_equal(valid(uneval, "{\"a\":1,\"b\":2}"), 1);
	assert_int_equal(valid(uneval, "{\"a\":1,\"c\":2}"), 0);
	assert_int_equal(valid("{\"pattern\":\"^\\\\d{3}$\"}", "\"123\""), 1);
	assert_int_equal(valid("{\"pattern\":\"^\\\\d{3}$\"}", "\"123\\n\""), 0); /* $ is the very end, as ECMA-262 */
	assert_int_equal(valid("{\"pattern\":\"^\\\\p{Letter}+$\"}", "\"\xC3\xA9t\xC3\xA9\""), 1);
}

/* Where ECMA-262 and PCRE2 read a pattern differently, ECMA-262 wins. */
static void test_ecma_regex(void **state)
{
	(void)state;
	/* \s: Unicode spaces too (a no-break space, a paragraph separator); \d: ASCII only */
	assert_int_equal(valid("{\"pattern\":\"^\\\\s$\"}", "\"\xC2\xA0\""), 1);
	assert_int_equal(valid("{\"pattern\":\"^\\\\s$\"}", "\"\xE2\x80\xA9\""), 1);
	assert_int_equal(valid("{\"pattern\":\"^[\\\\sx]$\"}", "\"\xC2\xA0\""), 1);
	assert_int_equal(valid("{\"pattern\":\"^\\\\S$\"}", "\"\xC2\xA0\""), 0);
	assert_int_equal(valid("{\"pattern\":\"^\\\\d$\"}", "\"\xD9\xA3\""), 0); /* ARABIC-INDIC DIGIT THREE */
	/* [] matches nothing, [^] anything (a line break too) */
	assert_int_equal(valid("{\"pattern\":\"[]\"}", "\"a\""), 0);
	assert_int_equal(valid("{\"pattern\":\"^[^]$\"}", "\"\\n\""), 1);
	/* PCRE2 syntax ECMA-262 has not */
	compile_error("{\"pattern\":\"(?i)a\"}", "not ECMA-262");
	compile_error("{\"pattern\":\"(?P<n>a)\"}", "not ECMA-262");
	compile_error("{\"pattern\":\"a(?#note)\"}", "not ECMA-262");
	compile_error("{\"pattern\":\"\\\\a\"}", "not an ECMA-262 escape");
	/* ECMA-262's own groups pass */
	assert_int_equal(valid("{\"pattern\":\"^(?<y>\\\\d{4})-(?:\\\\d\\\\d)(?=$)(?!x)\"}", "\"2024-01\""), 1);
}

static void test_dialect(void **state)
{
	(void)state;
	/* draft-07: items as an array is a tuple, and $ref hides the keywords beside it */
	const char *d7 = "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"items\":[{\"type\":\"string\"}],"
			 "\"additionalItems\":false}";
	assert_int_equal(valid(d7, "[\"a\"]"), 1);
	assert_int_equal(valid(d7, "[\"a\",\"b\"]"), 0);
	const char *ref7 = "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"definitions\":{\"s\":"
			   "{\"type\":\"string\"}},\"$ref\":\"#/definitions/s\",\"minLength\":5}";
	assert_int_equal(valid(ref7, "\"ab\""), 1);
	/* no $schema: 2020-12, where $ref is one keyword among the others */
	const char *ref2020 = "{\"$defs\":{\"s\":{\"type\":\"string\"}},\"$ref\":\"#/$defs/s\",\"minLength\":5}";
	assert_int_equal(valid(ref2020, "\"ab\""), 0);
	/* and draft-07's tuple form is no schema there */
	compile_error("{\"items\":[{\"type\":\"string\"}]}", "\"items\" must be a schema");
	/* --draft 7 overrides $schema; so does a forced 2020-12 */
	struct schema_opts o7 = {.force_draft = SCHEMA_DRAFT_7};
	assert_int_equal(valid_opts("{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$defs\":{\"s\":"
				    "{\"type\":\"string\"}},\"definitions\":{\"s\":{\"type\":\"string\"}},"
				    "\"$ref\":\"#/definitions/s\",\"minLength\":5}",
				    "\"ab\"", &o7),
			 1);
	schema *s = compile_opts("{\"$schema\":\"http://json-schema.org/draft-07/schema#\"}", NULL);
	assert_int_equal(schema_draft_of(s), SCHEMA_DRAFT_7);
	schema_free(s);
	s = compile_opts("{}", NULL);
	assert_int_equal(schema_draft_of(s), SCHEMA_DRAFT_2020_12);
	schema_free(s);
}

static void test_multiple_of_decimals(void **state)
{
	(void)state;
	assert_int_equal(valid("{\"multipleOf\":0.0001}", "0.0075"), 1);
	assert_int_equal(valid("{\"multipleOf\":0.0001}", "0.00751"), 0);
	assert_int_equal(valid("{\"multipleOf\":0.01}", "19.99"), 1);
	assert_int_equal(valid("{\"multipleOf\":0.1}", "0.3"), 1);
	assert_int_equal(valid("{\"multipleOf\":1.5}", "4.5"), 1);
	assert_int_equal(valid("{\"multipleOf\":1.5}", "35"), 0);
	assert_int_equal(valid("{\"multipleOf\":3}", "10"), 0);
	assert_int_equal(valid("{\"multipleOf\":3}", "-9"), 1);
	assert_int_equal(valid("{\"multipleOf\":0.123456789}", "1e308"), 0);
	assert_int_equal(valid("{\"multipleOf\":1e-300}", "1e300"), 1);
}

static void test_json_equality(void **state)
{
	(void)state;
	assert_int_equal(valid("{\"const\":1}", "1.0"), 1);
	assert_int_equal(valid("{\"const\":1.0}", "1"), 1);
	assert_int_equal(valid("{\"const\":1}", "true"), 0);
	assert_int_equal(valid("{\"const\":false}", "0"), 0);
	assert_int_equal(valid("{\"enum\":[[1],{\"a\":2}]}", "[1.0]"), 1);
	assert_int_equal(valid("{\"enum\":[[1],{\"a\":2}]}", "{\"a\":2.0}"), 1);
	assert_int_equal(valid("{\"enum\":[[1],{\"a\":2}]}", "{\"a\":2,\"b\":1}"), 0);
	assert_int_equal(valid("{\"uniqueItems\":true}", "[1,1.0]"), 0);
	assert_int_equal(valid("{\"uniqueItems\":true}", "[1,true]"), 1);
	assert_int_equal(valid("{\"type\":\"integer\"}", "1.0"), 1);
	assert_int_equal(valid("{\"type\":\"integer\"}", "1.5"), 0);
}

static void test_code_point_lengths(void **state)
{
	(void)state;
	/* "é😀": 2 code points in 6 bytes */
	assert_int_equal(valid("{\"maxLength\":2}", "\"\xC3\xA9\xF0\x9F\x98\x80\""), 1);
	assert_int_equal(valid("{\"minLength\":3}", "\"\xC3\xA9\xF0\x9F\x98\x80\""), 0);
	assert_int_equal(valid("{\"maxLength\":2}", "\"abc\""), 0);
	assert_int_equal(valid("{\"minLength\":2,\"maxLength\":2}", "\"ab\""), 1);
}

/* The only error of validating instance against schema_text. */
static void one_error(const char *schema_text, const char *instance, const char *iloc, const char *kloc, const char *msg)
{
	schema *s = compile_opts(schema_text, NULL);
	json_t *i = parse(instance);
	struct schema_result r;
	schema_validate(s, i, &r);
	assert_false(r.valid);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.errors[0].instance_location, iloc);
	assert_string_equal(r.errors[0].keyword_location, kloc);
	if (!strstr(r.errors[0].message, msg))
		fail_msg("message \"%s\" does not say \"%s\"", r.errors[0].message, msg);
	schema_result_free(&r);
	json_decref(i);
	schema_free(s);
}

static void test_error_locations(void **state)
{
	(void)state;
	one_error("{\"properties\":{\"a\":{\"items\":{\"type\":\"integer\"}}}}", "{\"a\":[1,\"x\"]}", "/a/1",
		  "/properties/a/items/type", "expected integer, got string");
	/* "/" and "~" in a key are escaped, in both pointers */
	one_error("{\"properties\":{\"a/b~c\":{\"minimum\":3}}}", "{\"a/b~c\":2}", "/a~1b~0c", "/properties/a~1b~0c/minimum",
		  "less than the minimum 3");
	/* through $ref: the keyword location is the path taken */
	one_error("{\"$defs\":{\"n\":{\"type\":\"number\"}},\"items\":{\"$ref\":\"#/$defs/n\"}}", "[1,\"x\"]", "/1",
		  "/items/$ref/type", "expected number");
	one_error("{\"required\":[\"name\"]}", "{}", "", "/required", "\"name\" is missing");
	one_error("{\"additionalProperties\":false}", "{\"x\":1}", "/x", "/additionalProperties",
		  "the schema false allows nothing");
	/* the result as JSON, the "basic" output's shape */
	schema *s = compile_opts("{\"type\":\"string\"}", NULL);
	json_t *i = parse("3");
	struct schema_result r;
	schema_validate(s, i, &r);
	json_t *j = schema_result_json(&r);
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(text, "{\"valid\":false,\"errors\":[{\"instanceLocation\":\"\",\"keywordLocation\":\"/type\","
				  "\"error\":\"expected string, got integer\"}]}");
	free(text);
	json_decref(j);
	schema_result_free(&r);
	json_decref(i);
	schema_free(s);
}

static void check(const char *schema_text, int want_valid)
{
	json_t *j = parse(schema_text);
	struct schema_result r;
	char err[256];
	assert_int_equal(schema_check(j, NULL, &r, err, sizeof err), 0);
	if (r.valid != want_valid)
		fail_msg("meta-schema check of %s: %s", schema_text, r.valid ? "valid" : r.errors[0].message);
	schema_result_free(&r);
	json_decref(j);
}

static void test_meta_schema_check(void **state)
{
	(void)state;
	check("{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\",\"minLength\":1}}}", 1);
	check("{\"type\":5}", 0);
	check("{\"minLength\":-1}", 0);
	check("{\"$defs\":{\"x\":{\"$dynamicAnchor\":\"meta\",\"type\":\"nope\"}}}", 0);
	check("{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"items\":[{\"type\":\"string\"}]}", 1);
	check("{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"required\":\"a\"}", 0);
	check("true", 1);
	check("[]", 0);
}

static void test_formats_only_when_asked(void **state)
{
	(void)state;
	struct schema_opts f = {.formats = true};
	assert_int_equal(valid("{\"format\":\"date\"}", "\"2024-02-30\""), 1);
	assert_int_equal(valid_opts("{\"format\":\"date\"}", "\"2024-02-30\"", &f), 0);
	assert_int_equal(valid_opts("{\"format\":\"date\"}", "\"2024-02-29\"", &f), 1);
	assert_int_equal(valid_opts("{\"format\":\"date-time\"}", "\"2024-01-31T12:00:00Z\"", &f), 1);
	assert_int_equal(valid_opts("{\"format\":\"email\"}", "\"a@example.org\"", &f), 1);
	assert_int_equal(valid_opts("{\"format\":\"email\"}", "\"a.example.org\"", &f), 0);
	assert_int_equal(valid_opts("{\"format\":\"ipv4\"}", "\"256.1.1.1\"", &f), 0);
	assert_int_equal(valid_opts("{\"format\":\"ipv6\"}", "\"::1\"", &f), 1);
	assert_int_equal(valid_opts("{\"format\":\"uuid\"}", "\"2eb8aa08-aa98-11ea-b4aa-73b441d16380\"", &f), 1);
	assert_int_equal(valid_opts("{\"format\":\"regex\"}", "\"(\"", &f), 0);
	assert_int_equal(valid_opts("{\"format\":\"json-pointer\"}", "\"/a~2\"", &f), 0);
	assert_int_equal(valid_opts("{\"format\":\"unknown-thing\"}", "\"x\"", &f), 1);
}

static json_t *serve_one(const char *uri, void *ctx)
{
	(void)ctx;
	return strcmp(uri, "http://example.org/n.json") == 0 ? json_pack("{s:s}", "type", "number") : NULL;
}

static void test_remote_refs(void **state)
{
	(void)state;
	compile_error("{\"$ref\":\"http://example.org/n.json\"}", "\"http://example.org/n.json\"");
	compile_error("{\"$ref\":\"#/$defs/missing\"}", "names nothing");
	struct schema_opts o = {.resolve = serve_one};
	assert_int_equal(valid_opts("{\"$ref\":\"http://example.org/n.json\"}", "1", &o), 1);
	assert_int_equal(valid_opts("{\"$ref\":\"http://example.org/n.json\"}", "\"1\"", &o), 0);
	/* the meta-schemas are compiled in: a schema of schemas needs no resolver */
	assert_int_equal(valid("{\"$ref\":\"https://json-schema.org/draft/2020-12/schema\"}", "{\"type\":\"string\"}"), 1);
	assert_int_equal(valid("{\"$ref\":\"https://json-schema.org/draft/2020-12/schema\"}", "{\"type\":12}"), 0);
	assert_int_equal(valid("{\"$ref\":\"http://json-schema.org/draft-07/schema#\"}", "{\"minimum\":\"x\"}"), 0);
}

/* {"not":{"not":...{}}}, n deep, built without the parser (jansson's stops at 2048). */
static json_t *nested_nots(int n)
{
	json_t *j = json_object();
	for (int i = 0; i < n; i++)
		j = json_pack("{s:o}", "not", j);
	return j;
}

static void test_schema_nesting_limit(void **state)
{
	(void)state;
	char err[256];
	json_t *inst = json_integer(1);
	/* 512 nested: compiles and validates (an even number of nots: valid) */
	json_t *j = nested_nots(SCHEMA_MAX_DEPTH);
	schema *s = schema_compile(j, NULL, err, sizeof err);
	assert_non_null(s);
	struct schema_result r;
	schema_validate(s, inst, &r);
	assert_true(r.valid);
	assert_false(r.limit);
	schema_result_free(&r);
	schema_free(s);
	json_decref(j);
	/* 513: refused */
	j = nested_nots(SCHEMA_MAX_DEPTH + 1);
	assert_null(schema_compile(j, NULL, err, sizeof err));
	assert_non_null(strstr(err, "deeper than 512"));
	json_decref(j);
	/* 10,000: refused as fast */
	j = nested_nots(10000);
	assert_null(schema_compile(j, NULL, err, sizeof err));
	assert_non_null(strstr(err, "deeper than 512"));
	json_decref(j);
	json_decref(inst);
}

static void test_validation_depth_limit(void **state)
{
	(void)state;
	/* a recursive schema over an instance 600 arrays deep: stops with an error */
	schema *s = compile_opts("{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}", NULL);
	json_t *inst = json_array();
	for (int i = 0; i < 600; i++)
		inst = json_pack("[o]", inst);
	struct schema_result r;
	schema_validate(s, inst, &r);
	assert_false(r.valid);
	assert_true(r.limit);
	assert_non_null(strstr(r.errors[0].message, "nesting limit"));
	schema_result_free(&r);
	json_decref(inst);
	/* 100 deep is fine */
	inst = json_array();
	for (int i = 0; i < 100; i++)
		inst = json_pack("[o]", inst);
	schema_validate(s, inst, &r);
	assert_true(r.valid);
	schema_result_free(&r);
	json_decref(inst);
	schema_free(s);
}

static void test_ref_loops(void **state)
{
	(void)state;
	const char *loops[] = {"{\"$ref\":\"#\"}", "{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/a\"}},"
						   "\"$ref\":\"#/$defs/a\"}",
			       "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"definitions\":{\"a\":{\"$ref\":"
			       "\"#/definitions/a\"}},\"$ref\":\"#/definitions/a\"}"};
	for (size_t k = 0; k < sizeof loops / sizeof loops[0]; k++) {
		schema *s = compile_opts(loops[k], NULL);
		json_t *inst = json_integer(1);
		struct schema_result r;
		schema_validate(s, inst, &r);
		assert_false(r.valid);
		assert_true(r.limit);
		assert_non_null(strstr(r.errors[0].message, "loops"));
		schema_result_free(&r);
		json_decref(inst);
		schema_free(s);
	}
}

static void test_catastrophic_regex(void **state)
{
	(void)state;
	char data[64];
	memset(data, 'a', 50);
	strcpy(data + 50, "b");
	json_t *inst = json_string(data);
	const char *schemas[] = {"{\"pattern\":\"(a+)+$\"}", "{\"pattern\":\"^(a|aa)+$\"}", "{\"pattern\":\"(a*)*b$x\"}",
				 "{\"patternProperties\":{\"(a+)+$\":true}}"};
	for (size_t k = 0; k < sizeof schemas / sizeof schemas[0]; k++) {
		schema *s = compile_opts(schemas[k], NULL);
		json_t *i = k == 3 ? json_pack("{s:i}", data, 1) : json_incref(inst);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		struct schema_result r;
		schema_validate(s, i, &r);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (secs > 2)
			fail_msg("%s took %.1f s", schemas[k], secs);
		/* either PCRE2 proves no match quickly, or the match limit stops it: never "valid" on a limit */
		if (r.limit)
			assert_false(r.valid);
		if (k < 3)
			assert_false(r.valid);
		schema_result_free(&r);
		json_decref(i);
		schema_free(s);
	}
	json_decref(inst);
}

/* A failing then/else while annotations are collected (unevaluated*) and errors
 * reported: the if-branch's annotations were freed twice. */
static void test_if_then_failure_with_annotations(void **state)
{
	(void)state;
	const char *s = "{\"if\":{\"properties\":{\"a\":{\"const\":1}},\"required\":[\"a\"]},"
			"\"then\":{\"required\":[\"b\"]},\"else\":{\"required\":[\"c\"]},\"unevaluatedProperties\":false}";
	one_error(s, "{\"a\":1}", "", "/then/required", "\"b\" is missing");
	one_error(s, "{}", "", "/else/required", "\"c\" is missing");
	assert_int_equal(valid(s, "{\"a\":1,\"b\":2}"), 0); /* b: unevaluated */
	assert_int_equal(valid(s, "{\"a\":2,\"c\":1}"), 0); /* a and c: unevaluated, the if failed */
}

/* {"$defs":{"d0":{"allOf":[{"$ref":"#/$defs/d1"},{"$ref":"#/$defs/d1"}]}, ...}, "$ref":"#/$defs/d0"}:
 * 2^levels subschemas applied to one instance. */
static char *doubling_schema(int levels)
{
	char *s = malloc((size_t)levels * 80 + 64);
	size_t o = (size_t)sprintf(s, "{\"$ref\":\"#/$defs/d0\",\"$defs\":{");
	for (int i = 0; i < levels; i++)
		o += (size_t)sprintf(s + o, "\"d%d\":{\"allOf\":[{\"$ref\":\"#/$defs/d%d\"},{\"$ref\":\"#/$defs/d%d\"}]},", i,
				     i + 1, i + 1);
	sprintf(s + o, "\"d%d\":{\"type\":\"integer\"}}}", levels);
	return s;
}

static void test_step_limit(void **state)
{
	(void)state;
	/* {"allOf":[{},{}]} applies 3 subschemas: 3 steps accepted, 2 refused */
	struct schema_opts three = {.max_steps = 3}, two = {.max_steps = 2};
	assert_int_equal(valid_opts("{\"allOf\":[{},{}]}", "1", &three), 1);
	schema *s = compile_opts("{\"allOf\":[{},{}]}", &two);
	json_t *inst = json_integer(1);
	struct schema_result r;
	schema_validate(s, inst, &r);
	assert_false(r.valid);
	assert_true(r.limit);
	assert_int_equal(r.n, 1);
	assert_non_null(strstr(r.errors[0].message, "more than 2 steps"));
	schema_result_free(&r);
	schema_free(s);
	/* 2^40 applications with the default limit: stops, in bounded time */
	char *text = doubling_schema(40);
	s = compile_opts(text, NULL);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	schema_validate(s, inst, &r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_false(r.valid);
	assert_true(r.limit);
	assert_non_null(strstr(r.errors[0].message, "more than 20000064 steps")); /* one value: 64 more */
	printf("2^40 applications stopped after %.1f s\n",
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	schema_result_free(&r);
	schema_free(s);
	free(text);
	/* 2^10 is fine */
	text = doubling_schema(10);
	assert_int_equal(valid(text, "1"), 1);
	free(text);
	json_decref(inst);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* uniqueItems and unevaluatedProperties on 100,000 items or keys: n log n, not n
 * squared (which took minutes). */
static void test_large_instances_in_bounded_time(void **state)
{
	(void)state;
	schema *s = compile_opts("{\"uniqueItems\":true}", NULL);
	json_t *arr = json_array();
	for (int i = 0; i < 100000; i++)
		json_array_append_new(arr, i % 2 ? json_integer(i) : json_pack("{s:i}", "n", i));
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct schema_result r;
	schema_validate(s, arr, &r);
	assert_true(r.valid);
	schema_result_free(&r);
	json_array_append_new(arr, json_real(99999.0)); /* equal to the integer 99999 */
	schema_validate(s, arr, &r);
	assert_false(r.valid);
	assert_string_equal(r.errors[0].message, "items 99999 and 100000 are equal");
	schema_result_free(&r);
	double secs = seconds_since(&t0);
	if (secs > 5)
		fail_msg("uniqueItems on 100,000 items took %.1f s", secs);
	schema_free(s);
	json_decref(arr);

	s = compile_opts("{\"patternProperties\":{\"^k\":true},\"unevaluatedProperties\":false}", NULL);
	json_t *obj = json_object();
	char key[32];
	for (int i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		json_object_set_new(obj, key, json_true());
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	schema_validate(s, obj, &r);
	assert_true(r.valid);
	schema_result_free(&r);
	json_object_set_new(obj, "x", json_true());
	schema_validate(s, obj, &r);
	assert_false(r.valid);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.errors[0].instance_location, "/x");
	schema_result_free(&r);
	secs = seconds_since(&t0);
	if (secs > 5)
		fail_msg("unevaluatedProperties on 100,000 keys took %.1f s", secs);
	schema_free(s);
	json_decref(obj);
}

static void test_bad_schemas_refused(void **state)
{
	(void)state;
	compile_error("{\"pattern\":\"(\"}", "invalid regular expression");
	compile_error("{\"minLength\":-1}", "non-negative integer");
	compile_error("{\"multipleOf\":0}", "greater than 0");
	compile_error("{\"type\":\"strin\"}", "unknown type");
	compile_error("{\"properties\":{\"a\":3}}", "must be a schema");
	compile_error("3", "object or a boolean");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_ecma_regex),
		cmocka_unit_test(test_dialect),
		cmocka_unit_test(test_multiple_of_decimals),
		cmocka_unit_test(test_json_equality),
		cmocka_unit_test(test_code_point_lengths),
		cmocka_unit_test(test_error_locations),
		cmocka_unit_test(test_meta_schema_check),
		cmocka_unit_test(test_formats_only_when_asked),
		cmocka_unit_test(test_remote_refs),
		cmocka_unit_test(test_schema_nesting_limit),
		cmocka_unit_test(test_validation_depth_limit),
		cmocka_unit_test(test_ref_loops),
		cmocka_unit_test(test_catastrophic_regex),
		cmocka_unit_test(test_if_then_failure_with_annotations),
		cmocka_unit_test(test_step_limit),
		cmocka_unit_test(test_large_instances_in_bounded_time),
		cmocka_unit_test(test_bad_schemas_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
