/* meta.c - finds a compiled-in meta-schema by its URI ($id, with or without the
 * empty fragment draft-07 writes) and parses it. */
#include <string.h>

#include "meta.h"
#include "schema_impl.h"

const char *meta_schema_uri(int draft)
{
	return draft == SCHEMA_DRAFT_7 ? "http://json-schema.org/draft-07/schema" : "https://json-schema.org/draft/2020-12/schema";
}

json_t *meta_schema_document(const char *uri)
{
	size_t n = strlen(uri);
	if (n && uri[n - 1] == '#')
		n--;
	for (const struct embedded_file *f = schema_meta_files; f->name; f++) {
		json_t *doc = json_loadb((const char *)f->data, f->len, 0, NULL);
		if (!doc)
			continue;
		const char *id = json_string_value(json_object_get(doc, "$id"));
		size_t m = id ? strlen(id) : 0;
		if (m && id[m - 1] == '#')
			m--;
		if (id && m == n && strncmp(id, uri, n) == 0)
			return doc;
		json_decref(doc);
	}
	return NULL;
}
