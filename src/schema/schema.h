/* schema.h - a JSON Schema validator (draft-07 and 2020-12) on jansson.
 *
 * A schema is compiled once (references resolved, regular expressions compiled,
 * keywords looked up) into an immutable struct schema that any number of threads
 * may then validate instances against. Results are in the shape of the
 * specification's "basic" output: a flat list of errors, each with the instance
 * location and the keyword location as JSON Pointers and a short message.
 *
 * No network: a $ref outside the document resolves only to the drafts' own
 * meta-schemas (compiled in) or through the caller's resolver; anything else is a
 * compile error naming the URI. Hostile schemas are bounded: nesting depth, $ref
 * loops and regular-expression backtracking all end in an error, never a hang. */
#ifndef LLMMETA_SCHEMA_H
#define LLMMETA_SCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum schema_draft { SCHEMA_DRAFT_AUTO = 0, SCHEMA_DRAFT_7 = 7, SCHEMA_DRAFT_2020_12 = 2020 };

/* Returns a new reference to the document at an absolute URI (no fragment), or NULL
 * when it does not know it. */
typedef json_t *(*schema_resolver)(const char *uri, void *ctx);

struct schema_opts {
	enum schema_draft default_draft; /* when a resource has no $schema: AUTO means 2020-12 */
	enum schema_draft force_draft;   /* overrides every $schema (the CLI's --draft) */
	bool formats;                    /* assert the formats this validator knows */
	schema_resolver resolve;         /* optional: serves remote $refs */
	void *resolve_ctx;
	unsigned long max_steps;         /* subschemas applied per validation; 0: the default (below) */
};

/* The limits a hostile schema runs into. */
#define SCHEMA_MAX_DEPTH 512          /* nested schemas, at compile and at validation */
#define SCHEMA_MAX_ERRORS 1000        /* errors kept per validation; more set truncated */
/* Subschemas applied in one validation: a schema whose applicators multiply
 * ({"allOf":[{"$ref":"#/$defs/b"},{"$ref":"#/$defs/b"}]} on each level) would
 * otherwise take time exponential in its size. The default budget is this plus
 * SCHEMA_STEPS_PER_VALUE for each value of the instance, so that time stays linear
 * in the instance (a 25 MB document of 350,000 records takes about 2 million). */
#define SCHEMA_MAX_STEPS 20000000ul
#define SCHEMA_STEPS_PER_VALUE 64ul
#define SCHEMA_REGEX_MATCH_LIMIT 1000000u
#define SCHEMA_REGEX_DEPTH_LIMIT 10000u

typedef struct schema schema;

struct schema_error {
	char *instance_location; /* JSON Pointer into the instance: "" is the whole */
	char *keyword_location;  /* JSON Pointer into the schema, through $refs */
	char *message;
};

struct schema_result {
	bool valid;
	bool truncated; /* more errors than SCHEMA_MAX_ERRORS */
	bool limit;     /* a limit was reached: the instance was not fully checked */
	bool oom;
	struct schema_error *errors;
	size_t n, cap;
};

/* Compiles doc (borrowed: the schema keeps its own reference). NULL with a message in
 * err when the schema cannot be used (unresolvable $ref, bad regular expression,
 * nesting too deep, out of memory). opts may be NULL. */
schema *schema_compile(json_t *doc, const struct schema_opts *opts, char *err, size_t errlen);
void schema_free(schema *s);
/* The dialect the root resource was compiled as. */
enum schema_draft schema_draft_of(const schema *s);

/* Validates instance; fills res (freed with schema_result_free). Returns 0, or -1
 * when out of memory (res->oom). */
int schema_validate(const schema *s, const json_t *instance, struct schema_result *res);
void schema_result_free(struct schema_result *res);

/* Checks doc against its dialect's meta-schema (chosen as schema_compile would):
 * res lists what is wrong with it. Returns -1 when that check could not run (out of
 * memory, with a message in err). */
int schema_check(json_t *doc, const struct schema_opts *opts, struct schema_result *res, char *err, size_t errlen);

/* The result as JSON: {"valid":..,"errors":[{"instanceLocation","keywordLocation","error"}]}.
 * NULL when out of memory. */
json_t *schema_result_json(const struct schema_result *res);

#endif
