/* batch.c - validates many (schema, instance) pairs in one process, for the
 * differential check against python3-jsonschema (tests/schema/differential.py).
 *   Usage: schema_batch < pairs.jsonl
 * Each input line is {"schema":..., "instance":...}; each output line is "valid",
 * "invalid" or "error: message" (the schema did not compile). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/schema/schema.h"

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_error_t jerr;
		json_t *pair = json_loadb(line, (size_t)n, 0, &jerr);
		if (!pair) {
			printf("error: bad input line: %s\n", jerr.text);
			continue;
		}
		char err[512];
		schema *s = schema_compile(json_object_get(pair, "schema"), NULL, err, sizeof err);
		if (!s) {
			printf("error: %s\n", err);
		} else {
			struct schema_result r;
			schema_validate(s, json_object_get(pair, "instance"), &r);
			puts(r.valid ? "valid" : "invalid");
			schema_result_free(&r);
			schema_free(s);
		}
		json_decref(pair);
	}
	free(line);
	return 0;
}
