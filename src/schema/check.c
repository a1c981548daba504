/* check.c - a schema checked against its dialect's meta-schema (compiled in), the
 * first thing done with a schema a user brings. The two meta-schemas are compiled
 * once per process and shared: a compiled schema is read-only. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "schema_impl.h"

static schema *meta7, *meta2020;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void compile_metas(void)
{
	char err[256];
	json_t *d7 = meta_schema_document(meta_schema_uri(SCHEMA_DRAFT_7));
	json_t *d2020 = meta_schema_document(meta_schema_uri(SCHEMA_DRAFT_2020_12));
	struct schema_opts o7 = {.default_draft = SCHEMA_DRAFT_7}, o2020 = {.default_draft = SCHEMA_DRAFT_2020_12};
	if (d7)
		meta7 = schema_compile(d7, &o7, err, sizeof err);
	if (d2020)
		meta2020 = schema_compile(d2020, &o2020, err, sizeof err);
	json_decref(d7);
	json_decref(d2020);
}

/* The dialect a document is compiled as, by the rules of schema_compile. */
static int dialect(const json_t *doc, const struct schema_opts *opts)
{
	if (opts && opts->force_draft)
		return opts->force_draft;
	const char *uri = json_string_value(json_object_get(doc, "$schema"));
	if (uri && (strstr(uri, "draft-07") || strstr(uri, "draft-06") || strstr(uri, "draft-04")))
		return SCHEMA_DRAFT_7;
	if (uri && strstr(uri, "2020-12"))
		return SCHEMA_DRAFT_2020_12;
	return opts && opts->default_draft ? opts->default_draft : SCHEMA_DRAFT_2020_12;
}

int schema_check(json_t *doc, const struct schema_opts *opts, struct schema_result *res, char *err, size_t errlen)
{
	memset(res, 0, sizeof *res);
	pthread_once(&once, compile_metas);
	const schema *m = dialect(doc, opts) == SCHEMA_DRAFT_7 ? meta7 : meta2020;
	if (!m) {
		snprintf(err, errlen, "the meta-schema could not be compiled (out of memory)");
		return -1;
	}
	if (schema_validate(m, doc, res) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}
