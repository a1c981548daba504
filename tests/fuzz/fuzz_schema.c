/* fuzz_schema.c - the JSON Schema validator (src/schema/) on (schema, instance)
 * pairs: the input is the schema's JSON, a NUL byte, the instance's JSON (no NUL:
 * the schema is its own instance, a schema of schemas being common).
 *
 * Checks, for every schema that compiles: validating twice gives the same verdict
 * and the same errors, byte for byte (nothing depends on memory layout); a valid
 * result lists no error and an invalid one at least one; a valid instance stays
 * valid once written out and read back (what a user downloads validates again);
 * the meta-schema check runs on the schema. No crash, leak or hang whatever. */
#include "fuzz.h"

#include <stdbool.h>

#include "../../src/schema/schema.h"

static char *errors_text(const struct schema_result *r)
{
	json_t *j = schema_result_json(r);
	FUZZ_CHECK(j != NULL, "out of memory");
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t slen = nul ? (size_t)(nul - data) : size;
	json_t *sj = json_loadb((const char *)data, slen, JSON_DECODE_ANY, NULL);
	if (!sj)
		return 0;
	json_t *inst = nul ? json_loadb((const char *)nul + 1, size - slen - 1, JSON_DECODE_ANY, NULL) : json_incref(sj);
	struct schema_result r1, r2;
	char err[512];
	if (schema_check(sj, NULL, &r1, err, sizeof err) == 0)
		schema_result_free(&r1);
	struct schema_opts opts = {.formats = size % 2 == 1};
	schema *s = schema_compile(sj, &opts, err, sizeof err);
	if (s && inst) {
		FUZZ_CHECK(schema_validate(s, inst, &r1) == 0, "out of memory");
		FUZZ_CHECK(schema_validate(s, inst, &r2) == 0, "out of memory");
		FUZZ_CHECK(r1.valid == r2.valid, "two validations disagree");
		FUZZ_CHECK(r1.valid ? r1.n == 0 : (r1.n > 0 || r1.truncated), "%zu errors for a %s result", r1.n,
			   r1.valid ? "valid" : "invalid");
		char *t1 = errors_text(&r1), *t2 = errors_text(&r2);
		FUZZ_CHECK(strcmp(t1, t2) == 0, "the errors differ: %s / %s", t1, t2);
		free(t1);
		free(t2);
		if (r1.valid) {
			char *text = json_dumps(inst, JSON_COMPACT | JSON_ENCODE_ANY);
			FUZZ_CHECK(text != NULL, "out of memory");
			json_t *back = json_loads(text, JSON_DECODE_ANY, NULL);
			FUZZ_CHECK(back != NULL, "the instance does not read back: %s", text);
			struct schema_result r3;
			schema_validate(s, back, &r3);
			FUZZ_CHECK(r3.valid, "a valid instance is invalid once written and read back: %s", text);
			schema_result_free(&r3);
			json_decref(back);
			free(text);
		}
		schema_result_free(&r1);
		schema_result_free(&r2);
	}
	schema_free(s);
	json_decref(inst);
	json_decref(sj);
	return 0;
}
