/* schema_impl.h - the compiled form of a schema, shared by compile.c (which builds
 * it), validate.c (which walks it) and the helpers they use. Not for other layers. */
#ifndef LLMMETA_SCHEMA_IMPL_H
#define LLMMETA_SCHEMA_IMPL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "schema.h"

/* Type bits of "type" and of an instance. */
enum {
	T_NULL = 1,
	T_BOOLEAN = 2,
	T_OBJECT = 4,
	T_ARRAY = 8,
	T_NUMBER = 16,
	T_STRING = 32,
	T_INTEGER = 64,
};

/* The formats asserted with opts.formats. */
enum sformat {
	F_NONE,
	F_DATE,
	F_DATE_TIME,
	F_TIME,
	F_EMAIL,
	F_HOSTNAME,
	F_IPV4,
	F_IPV6,
	F_URI,
	F_UUID,
	F_REGEX,
	F_JSON_POINTER,
};

struct snode;

struct sprop {
	const char *name;
	struct snode *s;
};
struct spattern {
	pcre2_code *re;
	struct snode *s;
};
struct sdepreq {
	const char *name;
	const json_t *required; /* array of strings */
};

/* One subschema, its keywords looked up once. Absent keywords are NULL / -1. */
struct snode {
	const json_t *json;
	size_t index; /* in schema.nodes */
	bool is_bool, bool_value;
	int draft;
	bool noval;    /* its meta-schema leaves out the validation vocabulary */
	bool resource; /* has its own $id: enters the dynamic scope */
	const char *base; /* absolute base URI in effect here (in the schema's pool) */

	struct snode *ref;
	const char *ref_uri; /* unresolved until the second pass */
	struct snode *dynref;
	const char *dynref_uri;
	const char *dynref_anchor; /* fragment name when the target has $dynamicAnchor of it */

	unsigned types; /* 0: no "type" */
	const json_t *constv;
	const json_t *enumv;

	struct snode **allof, **anyof, **oneof;
	size_t nallof, nanyof, noneof;
	struct snode *not_, *if_, *then_, *else_;

	struct sprop *props;
	size_t nprops;
	struct spattern *pprops;
	size_t npprops;
	struct snode *addprops, *propnames, *unevalprops;
	struct sprop *depschemas;
	size_t ndepschemas;
	struct sdepreq *depreq;
	size_t ndepreq;
	const json_t *required;
	long long min_props, max_props;

	struct snode **prefix;
	size_t nprefix;
	struct snode *items; /* the schema for items after prefix (2020: items, 7: additionalItems or items-object) */
	struct snode *contains, *unevalitems;
	long long min_contains, max_contains;
	long long min_items, max_items;
	bool unique;

	const json_t *minimum, *maximum, *xminimum, *xmaximum, *multiple_of;

	long long min_len, max_len;
	pcre2_code *pattern;
	const char *pattern_src;
	enum sformat format;
};

struct schema {
	json_t *root_json;
	struct snode *root;
	struct schema_opts opts;
	pcre2_match_context *mctx;
	/* Everything allocated for the compiled form, freed together. */
	void **pool;
	size_t npool, cappool;
	json_t *docs;      /* documents loaded (the root, meta-schemas, remotes) */
	json_t *resources; /* absolute URI -> index into nodes (as integer) */
	json_t *anchors;   /* "uri#name" -> index */
	json_t *dynanchors;/* "uri#name" -> index, $dynamicAnchor only */
	struct snode **nodes;
	size_t nnodes, capnodes;
	/* json node -> snode, open addressing on the pointer */
	const json_t **map_keys;
	struct snode **map_vals;
	size_t map_cap, map_n;
	pcre2_code **regexes;
	size_t nre, capre;
	bool uses_uneval;
};

/* uri.c */
char *uri_resolve(const char *base, const char *ref);
/* Splits "abs#frag": returns the part before '#' (malloc'd), *frag points after '#'
 * in ref (or to "" when there is none). */
char *uri_split(const char *ref, const char **frag);
/* Percent-decodes s into a new string (NULL on a bad escape or no memory). */
char *uri_pct_decode(const char *s);

/* value.c */
unsigned json_type_bits(const json_t *v);
bool json_equal_value(const json_t *a, const json_t *b);
bool number_multiple_of(const json_t *value, const json_t *divisor);
double json_num(const json_t *v);
/* Length of a UTF-8 string in code points. */
size_t utf8_length(const char *s, size_t bytes);

/* format.c */
enum sformat format_lookup(const char *name);
bool format_check(enum sformat f, const char *s, size_t len);

/* regex.c */
pcre2_code *regex_compile(const char *pattern, char *err, size_t errlen);
/* 1 match, 0 no match, -1 the match limit was reached (or another error). */
int regex_search(const pcre2_code *re, const char *s, size_t len, pcre2_match_context *mctx);

/* meta.c: the compiled-in meta-schemas, parsed; a new reference or NULL. */
json_t *meta_schema_document(const char *uri);
const char *meta_schema_uri(int draft);

#endif
