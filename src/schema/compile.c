/* compile.c - turns a schema document into its compiled form (schema_impl.h): every
 * subschema's keywords looked up once, base URIs and anchors registered, $ref and
 * $dynamicRef resolved to the subschema they name, regular expressions compiled. Two
 * passes: the walk registers what may be referred to; then the references are
 * resolved, loading a compiled-in meta-schema or asking the caller's resolver for a
 * document that is not there yet (which is walked in turn). */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_impl.h"

struct cc {
	schema *s;
	char *err;
	size_t errlen;
	bool failed;
	bool noval; /* the walk is under a meta-schema without the validation vocabulary */
};

static void fail(struct cc *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct cc *c, const char *fmt, ...)
{
	if (c->failed)
		return;
	c->failed = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
}

/* Keeps p (malloc'd) until schema_free; frees it and fails when the list cannot grow.
 * NULL in, NULL out (an allocation that failed). */
static void *pool_keep(struct cc *c, void *p)
{
	schema *s = c->s;
	if (p && s->npool == s->cappool) {
		size_t cap = s->cappool ? s->cappool * 2 : 64;
		void **v = realloc(s->pool, cap * sizeof *v);
		if (!v) {
			free(p);
			p = NULL;
		} else {
			s->pool = v;
			s->cappool = cap;
		}
	}
	if (!p)
		return fail(c, "out of memory"), NULL;
	s->pool[s->npool++] = p;
	return p;
}

static void *palloc(struct cc *c, size_t n)
{
	return pool_keep(c, calloc(1, n ? n : 1));
}

/* Takes ownership of a malloc'd string (NULL: out of memory). */
static char *pkeep(struct cc *c, char *str)
{
	return pool_keep(c, str);
}

/* --- json node -> snode --- */

static size_t ptr_hash(const void *p, size_t cap)
{
	uintptr_t x = (uintptr_t)p;
	x ^= x >> 17;
	x *= 0x9E3779B97F4A7C15ull;
	return (size_t)(x >> 20) & (cap - 1);
}

static struct snode *map_get(const schema *s, const json_t *j)
{
	if (!s->map_cap)
		return NULL;
	for (size_t i = ptr_hash(j, s->map_cap);; i = (i + 1) & (s->map_cap - 1)) {
		if (s->map_keys[i] == j)
			return s->map_vals[i];
		if (!s->map_keys[i])
			return NULL;
	}
}

static bool map_put(struct cc *c, const json_t *j, struct snode *n)
{
	schema *s = c->s;
	if ((s->map_n + 1) * 2 > s->map_cap) {
		size_t cap = s->map_cap ? s->map_cap * 2 : 256;
		const json_t **k = calloc(cap, sizeof *k);
		struct snode **v = calloc(cap, sizeof *v);
		if (!k || !v) {
			free(k);
			free(v);
			return fail(c, "out of memory"), false;
		}
		for (size_t i = 0; i < s->map_cap; i++)
			if (s->map_keys[i]) {
				size_t h = ptr_hash(s->map_keys[i], cap);
				while (k[h])
					h = (h + 1) & (cap - 1);
				k[h] = s->map_keys[i];
				v[h] = s->map_vals[i];
			}
		free(s->map_keys);
		free(s->map_vals);
		s->map_keys = k;
		s->map_vals = v;
		s->map_cap = cap;
	}
	size_t h = ptr_hash(j, s->map_cap);
	while (s->map_keys[h])
		h = (h + 1) & (s->map_cap - 1);
	s->map_keys[h] = j;
	s->map_vals[h] = n;
	s->map_n++;
	return true;
}

static bool add_node(struct cc *c, struct snode *n)
{
	schema *s = c->s;
	if (s->nnodes == s->capnodes) {
		size_t cap = s->capnodes ? s->capnodes * 2 : 64;
		struct snode **p = realloc(s->nodes, cap * sizeof *p);
		if (!p)
			return fail(c, "out of memory"), false;
		s->nodes = p;
		s->capnodes = cap;
	}
	n->index = s->nnodes;
	s->nodes[s->nnodes++] = n;
	return true;
}

/* Registers n under key in map (a JSON object of indices); the first one wins. */
static void reg(struct cc *c, json_t *map, const char *key, struct snode *n)
{
	if (json_object_get(map, key))
		return;
	if (json_object_set_new(map, key, json_integer((json_int_t)n->index)) < 0)
		fail(c, "out of memory");
}

static struct snode *registered(const schema *s, json_t *map, const char *key)
{
	json_t *v = json_object_get(map, key);
	return v ? s->nodes[json_integer_value(v)] : NULL;
}

/* --- the walk --- */

static int draft_of_uri(const char *uri)
{
	if (strstr(uri, "json-schema.org/draft-07/") || strstr(uri, "json-schema.org/draft-06/") ||
	    strstr(uri, "json-schema.org/draft-04/"))
		return SCHEMA_DRAFT_7;
	if (strstr(uri, "json-schema.org/draft/2020-12/") || strstr(uri, "json-schema.org/draft/2019-09/"))
		return SCHEMA_DRAFT_2020_12;
	return 0;
}

static struct snode *walk(struct cc *c, const json_t *j, const char *base, int draft, int depth);

static struct snode *sub(struct cc *c, const json_t *j, const char *kw, const struct snode *parent, int depth)
{
	if (!j)
		return NULL;
	if (!json_is_object(j) && !json_is_boolean(j)) {
		fail(c, "\"%s\" must be a schema (an object or a boolean)", kw);
		return NULL;
	}
	return walk(c, j, parent->base, parent->draft, depth + 1);
}

static struct snode **sub_array(struct cc *c, const json_t *a, const char *kw, const struct snode *parent, int depth,
				size_t *n)
{
	if (!a)
		return NULL;
	if (!json_is_array(a)) {
		fail(c, "\"%s\" must be an array of schemas", kw);
		return NULL;
	}
	*n = json_array_size(a);
	struct snode **v = palloc(c, *n * sizeof *v);
	for (size_t i = 0; v && i < *n && !c->failed; i++)
		v[i] = sub(c, json_array_get(a, i), kw, parent, depth);
	return v;
}

static struct sprop *sub_object(struct cc *c, const json_t *o, const char *kw, const struct snode *parent, int depth,
				size_t *n)
{
	if (!o)
		return NULL;
	if (!json_is_object(o)) {
		fail(c, "\"%s\" must be an object of schemas", kw);
		return NULL;
	}
	*n = json_object_size(o);
	struct sprop *v = palloc(c, *n * sizeof *v);
	size_t i = 0;
	const char *k;
	json_t *val;
	json_object_foreach((json_t *)o, k, val) {
		if (!v || c->failed)
			break;
		v[i].name = k;
		v[i].s = sub(c, val, kw, parent, depth);
		i++;
	}
	return v;
}

static long long nonneg(struct cc *c, const json_t *o, const char *kw)
{
	const json_t *v = json_object_get(o, kw);
	if (!v)
		return -1;
	if (!(json_type_bits(v) & T_INTEGER) || json_num(v) < 0) {
		fail(c, "\"%s\" must be a non-negative integer", kw);
		return -1;
	}
	double d = json_num(v);
	return d > 9e18 ? (long long)9e18 : (long long)d;
}

static const json_t *number_kw(struct cc *c, const json_t *o, const char *kw)
{
	const json_t *v = json_object_get(o, kw);
	if (v && !json_is_number(v))
		fail(c, "\"%s\" must be a number", kw);
	return v;
}

static unsigned type_bit(const char *t)
{
	static const char *const names[] = {"null", "boolean", "object", "array", "number", "string", "integer"};
	for (unsigned i = 0; i < 7; i++)
		if (strcmp(t, names[i]) == 0)
			return 1u << i;
	return 0;
}

static void compile_type(struct cc *c, struct snode *n, const json_t *t)
{
	if (json_is_string(t)) {
		n->types = type_bit(json_string_value(t));
		if (!n->types)
			fail(c, "unknown type \"%s\"", json_string_value(t));
		return;
	}
	if (!json_is_array(t)) {
		fail(c, "\"type\" must be a string or an array of strings");
		return;
	}
	size_t i;
	json_t *e;
	json_array_foreach(t, i, e) {
		unsigned b = json_is_string(e) ? type_bit(json_string_value(e)) : 0;
		if (!b) {
			fail(c, "\"type\" has an unknown type");
			return;
		}
		n->types |= b;
	}
	if (!n->types)
		n->types = 0x80; /* an empty list: nothing matches */
}

static pcre2_code *compile_regex(struct cc *c, const char *pattern)
{
	char err[256];
	pcre2_code *re = regex_compile(pattern, err, sizeof err);
	if (!re) {
		fail(c, "%s", err);
		return NULL;
	}
	schema *sc = c->s;
	if (sc->nre == sc->capre) {
		size_t cap = sc->capre ? sc->capre * 2 : 16;
		pcre2_code **p = realloc(sc->regexes, cap * sizeof *p);
		if (!p) {
			pcre2_code_free(re);
			return fail(c, "out of memory"), NULL;
		}
		sc->regexes = p;
		sc->capre = cap;
	}
	sc->regexes[sc->nre++] = re;
	return re;
}

/* Sets the base URI (and registers the resource) of an object schema with $id. */
static const char *enter_id(struct cc *c, struct snode *n, const json_t *j, const char *base)
{
	const json_t *id = json_object_get(j, "$id");
	if (!id)
		return base;
	if (!json_is_string(id)) {
		fail(c, "\"$id\" must be a string");
		return base;
	}
	const char *ids = json_string_value(id);
	if (n->draft == SCHEMA_DRAFT_7 && ids[0] == '#') {
		char *key = malloc(strlen(base) + strlen(ids) + 1);
		if (!key)
			return fail(c, "out of memory"), base;
		sprintf(key, "%s%s", base, ids);
		reg(c, c->s->anchors, key, n);
		free(key);
		return base;
	}
	char *abs = uri_resolve(base, ids);
	if (!abs)
		return fail(c, "out of memory"), base;
	const char *frag;
	char *res = pkeep(c, uri_split(abs, &frag));
	if (res && *frag && n->draft == SCHEMA_DRAFT_7)
		reg(c, c->s->anchors, abs, n);
	free(abs);
	if (!res)
		return base;
	n->resource = true;
	reg(c, c->s->resources, res, n);
	return res;
}

static void anchor(struct cc *c, struct snode *n, const json_t *j, const char *kw, bool dynamic)
{
	const json_t *a = json_object_get(j, kw);
	if (!a)
		return;
	if (!json_is_string(a)) {
		fail(c, "\"%s\" must be a string", kw);
		return;
	}
	char *key = malloc(strlen(n->base) + json_string_length(a) + 2);
	if (!key)
		return fail(c, "out of memory");
	sprintf(key, "%s#%s", n->base, json_string_value(a));
	reg(c, c->s->anchors, key, n);
	if (dynamic)
		reg(c, c->s->dynanchors, key, n);
	free(key);
}

static const char *ref_uri(struct cc *c, const json_t *j, const char *kw, const char *base)
{
	const json_t *r = json_object_get(j, kw);
	if (!r)
		return NULL;
	if (!json_is_string(r)) {
		fail(c, "\"%s\" must be a string", kw);
		return NULL;
	}
	return pkeep(c, uri_resolve(base, json_string_value(r)));
}

static void walk_keywords(struct cc *c, struct snode *n, const json_t *j, int depth)
{
	bool d7 = n->draft == SCHEMA_DRAFT_7;
	const json_t *v;
	n->min_props = n->max_props = n->min_items = n->max_items = n->min_len = n->max_len = -1;
	n->max_contains = -1;
	n->min_contains = 1;

	n->ref_uri = ref_uri(c, j, "$ref", n->base);
	if (d7 && n->ref_uri) {
		/* draft-07: $ref takes the place of every keyword beside it, but what is
		 * under "definitions" may still be referred to */
		sub_object(c, json_object_get(j, "definitions"), "definitions", n, depth, &(size_t){0});
		return;
	}
	if (!d7) {
		n->dynref_uri = ref_uri(c, j, "$dynamicRef", n->base);
		anchor(c, n, j, "$anchor", false);
		anchor(c, n, j, "$dynamicAnchor", true);
		sub_object(c, json_object_get(j, "$defs"), "$defs", n, depth, &(size_t){0});
	} else
		sub_object(c, json_object_get(j, "definitions"), "definitions", n, depth, &(size_t){0});

	if ((v = json_object_get(j, "type")))
		compile_type(c, n, v);
	n->constv = json_object_get(j, "const");
	if ((n->enumv = json_object_get(j, "enum")) && !json_is_array(n->enumv))
		fail(c, "\"enum\" must be an array");
	n->allof = sub_array(c, json_object_get(j, "allOf"), "allOf", n, depth, &n->nallof);
	n->anyof = sub_array(c, json_object_get(j, "anyOf"), "anyOf", n, depth, &n->nanyof);
	n->oneof = sub_array(c, json_object_get(j, "oneOf"), "oneOf", n, depth, &n->noneof);
	n->not_ = sub(c, json_object_get(j, "not"), "not", n, depth);
	n->if_ = sub(c, json_object_get(j, "if"), "if", n, depth);
	n->then_ = sub(c, json_object_get(j, "then"), "then", n, depth);
	n->else_ = sub(c, json_object_get(j, "else"), "else", n, depth);

	n->props = sub_object(c, json_object_get(j, "properties"), "properties", n, depth, &n->nprops);
	if ((v = json_object_get(j, "patternProperties"))) {
		struct sprop *pp = sub_object(c, v, "patternProperties", n, depth, &n->npprops);
		n->pprops = palloc(c, n->npprops * sizeof *n->pprops);
		for (size_t i = 0; pp && n->pprops && i < n->npprops && !c->failed; i++) {
			n->pprops[i].re = compile_regex(c, pp[i].name);
			n->pprops[i].s = pp[i].s;
		}
	}
	n->addprops = sub(c, json_object_get(j, "additionalProperties"), "additionalProperties", n, depth);
	n->propnames = sub(c, json_object_get(j, "propertyNames"), "propertyNames", n, depth);
	if ((n->required = json_object_get(j, "required")) && !json_is_array(n->required))
		fail(c, "\"required\" must be an array");
	n->min_props = nonneg(c, j, "minProperties");
	n->max_props = nonneg(c, j, "maxProperties");

	if (d7) {
		const json_t *items = json_object_get(j, "items");
		if (json_is_array(items)) {
			n->prefix = sub_array(c, items, "items", n, depth, &n->nprefix);
			n->items = sub(c, json_object_get(j, "additionalItems"), "additionalItems", n, depth);
		} else
			n->items = sub(c, items, "items", n, depth);
		const json_t *deps = json_object_get(j, "dependencies");
		if (deps && !json_is_object(deps))
			fail(c, "\"dependencies\" must be an object");
		else if (deps) {
			size_t nd = json_object_size(deps);
			n->depreq = palloc(c, nd * sizeof *n->depreq);
			n->depschemas = palloc(c, nd * sizeof *n->depschemas);
			const char *k;
			json_t *dv;
			json_object_foreach((json_t *)deps, k, dv) {
				if (!n->depreq || !n->depschemas || c->failed)
					break;
				if (json_is_array(dv))
					n->depreq[n->ndepreq++] = (struct sdepreq){k, dv};
				else
					n->depschemas[n->ndepschemas++] = (struct sprop){k, sub(c, dv, "dependencies", n, depth)};
			}
		}
	} else {
		n->prefix = sub_array(c, json_object_get(j, "prefixItems"), "prefixItems", n, depth, &n->nprefix);
		n->items = sub(c, json_object_get(j, "items"), "items", n, depth);
		n->unevalitems = sub(c, json_object_get(j, "unevaluatedItems"), "unevaluatedItems", n, depth);
		n->unevalprops = sub(c, json_object_get(j, "unevaluatedProperties"), "unevaluatedProperties", n, depth);
		if (n->unevalitems || n->unevalprops)
			c->s->uses_uneval = true;
		n->depschemas = sub_object(c, json_object_get(j, "dependentSchemas"), "dependentSchemas", n, depth,
					   &n->ndepschemas);
		if ((v = json_object_get(j, "dependentRequired"))) {
			if (!json_is_object(v))
				fail(c, "\"dependentRequired\" must be an object");
			else {
				n->depreq = palloc(c, json_object_size(v) * sizeof *n->depreq);
				const char *k;
				json_t *dv;
				json_object_foreach((json_t *)v, k, dv) {
					if (!n->depreq)
						break;
					n->depreq[n->ndepreq++] = (struct sdepreq){k, dv};
				}
			}
		}
		long long mc = nonneg(c, j, "minContains");
		if (mc >= 0)
			n->min_contains = mc;
		n->max_contains = nonneg(c, j, "maxContains");
	}
	n->contains = sub(c, json_object_get(j, "contains"), "contains", n, depth);
	n->min_items = nonneg(c, j, "minItems");
	n->max_items = nonneg(c, j, "maxItems");
	n->unique = json_is_true(json_object_get(j, "uniqueItems"));

	n->minimum = number_kw(c, j, "minimum");
	n->maximum = number_kw(c, j, "maximum");
	n->xminimum = number_kw(c, j, "exclusiveMinimum");
	n->xmaximum = number_kw(c, j, "exclusiveMaximum");
	if ((n->multiple_of = number_kw(c, j, "multipleOf")) && json_num(n->multiple_of) <= 0)
		fail(c, "\"multipleOf\" must be greater than 0");

	n->min_len = nonneg(c, j, "minLength");
	n->max_len = nonneg(c, j, "maxLength");
	if ((v = json_object_get(j, "pattern"))) {
		if (!json_is_string(v))
			fail(c, "\"pattern\" must be a string");
		else {
			n->pattern_src = json_string_value(v);
			n->pattern = compile_regex(c, n->pattern_src);
		}
	}
	if (c->s->opts.formats && json_is_string(v = json_object_get(j, "format")))
		n->format = format_lookup(json_string_value(v));
	if (n->noval) {
		n->types = 0;
		n->constv = n->enumv = n->required = NULL;
		n->minimum = n->maximum = n->xminimum = n->xmaximum = n->multiple_of = NULL;
		n->min_props = n->max_props = n->min_items = n->max_items = n->min_len = n->max_len = -1;
		n->min_contains = 1;
		n->max_contains = -1;
		n->unique = false;
		n->pattern = NULL;
		n->ndepreq = 0;
	}
}

/* A custom meta-schema ($schema naming neither draft) that declares its
 * $vocabulary without the validation vocabulary: its schemas' validation keywords
 * (type, minimum, required...) are not asserted. Only its $vocabulary is read. */
static bool custom_metaschema_drops_validation(struct cc *c, const char *uri)
{
	if (!c->s->opts.resolve)
		return false;
	char *res = uri_split(uri, &(const char *){NULL});
	json_t *meta = res ? c->s->opts.resolve(res, c->s->opts.resolve_ctx) : NULL;
	free(res);
	const json_t *vocab = json_object_get(meta, "$vocabulary");
	bool drops = json_is_object(vocab) && !json_object_get(vocab, "https://json-schema.org/draft/2020-12/vocab/validation");
	json_decref(meta);
	return drops;
}

static struct snode *walk(struct cc *c, const json_t *j, const char *base, int draft, int depth)
{
	if (c->failed)
		return NULL;
	struct snode *n = map_get(c->s, j);
	if (n)
		return n;
	if (depth > SCHEMA_MAX_DEPTH) {
		fail(c, "the schema is nested deeper than %d levels", SCHEMA_MAX_DEPTH);
		return NULL;
	}
	if (!json_is_object(j) && !json_is_boolean(j)) {
		fail(c, "a schema must be an object or a boolean");
		return NULL;
	}
	n = palloc(c, sizeof *n);
	if (!n || !map_put(c, j, n) || !add_node(c, n))
		return NULL;
	n->json = j;
	n->draft = draft;
	n->base = base;
	if (json_is_boolean(j)) {
		n->is_bool = true;
		n->bool_value = json_is_true(j);
		return n;
	}
	bool saved_noval = c->noval;
	const json_t *sch = json_object_get(j, "$schema");
	if (json_is_string(sch)) {
		int d = draft_of_uri(json_string_value(sch));
		n->draft = c->s->opts.force_draft ? (int)c->s->opts.force_draft : d ? d : draft;
		if (!d && !c->s->opts.force_draft)
			c->noval = custom_metaschema_drops_validation(c, json_string_value(sch));
		else
			c->noval = false;
	}
	n->noval = c->noval;
	/* draft-07 ignores $id beside $ref */
	if (!(n->draft == SCHEMA_DRAFT_7 && json_object_get(j, "$ref")))
		n->base = enter_id(c, n, j, base);
	if (depth == 0 && !n->resource) {
		n->resource = true;
		reg(c, c->s->resources, n->base, n);
	}
	walk_keywords(c, n, j, depth);
	c->noval = saved_noval;
	return n;
}

/* --- resolving references --- */

static struct snode *load_document(struct cc *c, const char *uri, int draft)
{
	json_t *doc = meta_schema_document(uri);
	if (!doc && c->s->opts.resolve)
		doc = c->s->opts.resolve(uri, c->s->opts.resolve_ctx);
	if (!doc) {
		fail(c, "cannot resolve the reference to \"%s\": only references inside the document and to the "
			"draft-07 and 2020-12 meta-schemas are allowed",
		     uri);
		return NULL;
	}
	if (json_array_append_new(c->s->docs, doc) < 0)
		return fail(c, "out of memory"), NULL;
	const char *base = pkeep(c, strdup(uri));
	if (!base)
		return NULL;
	/* a document is registered under the URI it was fetched by, as well as its $id */
	struct snode *n = walk(c, doc, base, draft, 0);
	if (n)
		reg(c, c->s->resources, uri, n);
	return n;
}

static struct snode *resolve_ref(struct cc *c, const char *uri, int draft)
{
	const char *frag;
	char *res = uri_split(uri, &frag);
	if (!res)
		return fail(c, "out of memory"), NULL;
	struct snode *root = registered(c->s, c->s->resources, res);
	if (!root)
		root = load_document(c, res, draft);
	struct snode *target = NULL;
	if (!root) {
		free(res);
		return NULL;
	}
	if (!*frag) {
		target = root;
	} else if (frag[0] == '/') {
		char *ptr = uri_pct_decode(frag);
		if (!ptr) {
			free(res);
			return fail(c, "bad percent-escape in \"%s\"", uri), NULL;
		}
		const json_t *j = root->json;
		char *p = ptr;
		while (j && *p == '/') {
			p++;
			char *end = strchr(p, '/');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			char tok[len + 1];
			size_t t = 0;
			for (size_t i = 0; i < len; i++) {
				if (p[i] == '~' && i + 1 < len && (p[i + 1] == '0' || p[i + 1] == '1')) {
					tok[t++] = p[i + 1] == '0' ? '~' : '/';
					i++;
				} else
					tok[t++] = p[i];
			}
			tok[t] = 0;
			if (json_is_object(j))
				j = json_object_get(j, tok);
			else if (json_is_array(j)) {
				char *e;
				unsigned long idx = strtoul(tok, &e, 10);
				j = *tok && !*e ? json_array_get(j, idx) : NULL;
			} else
				j = NULL;
			p += len;
		}
		free(ptr);
		if (j)
			target = map_get(c->s, j);
		if (j && !target)
			target = walk(c, j, root->base, root->draft, 1);
	} else {
		char *key = malloc(strlen(res) + strlen(frag) + 2);
		if (!key) {
			free(res);
			return fail(c, "out of memory"), NULL;
		}
		sprintf(key, "%s#%s", res, frag);
		target = registered(c->s, c->s->anchors, key);
		free(key);
	}
	free(res);
	if (!target)
		fail(c, "the reference \"%s\" names nothing in the schema", uri);
	return target;
}

static void resolve_all(struct cc *c)
{
	for (size_t i = 0; i < c->s->nnodes && !c->failed; i++) {
		struct snode *n = c->s->nodes[i];
		if (n->ref_uri && !n->ref)
			n->ref = resolve_ref(c, n->ref_uri, n->draft);
		if (n->dynref_uri && !n->dynref && !c->failed) {
			n->dynref = resolve_ref(c, n->dynref_uri, n->draft);
			const char *frag = strchr(n->dynref_uri, '#');
			const json_t *da = n->dynref ? json_object_get(n->dynref->json, "$dynamicAnchor") : NULL;
			if (frag && frag[1] && frag[1] != '/' && json_is_string(da) && strcmp(json_string_value(da), frag + 1) == 0)
				n->dynref_anchor = frag + 1;
		}
	}
}

void schema_free(schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->npool; i++)
		free(s->pool[i]);
	for (size_t i = 0; i < s->nre; i++)
		pcre2_code_free(s->regexes[i]);
	free(s->regexes);
	free(s->pool);
	free(s->nodes);
	free(s->map_keys);
	free(s->map_vals);
	pcre2_match_context_free(s->mctx);
	json_decref(s->docs);
	json_decref(s->resources);
	json_decref(s->anchors);
	json_decref(s->dynanchors);
	json_decref(s->root_json);
	free(s);
}

schema *schema_compile(json_t *doc, const struct schema_opts *opts, char *err, size_t errlen)
{
	schema *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (opts)
		s->opts = *opts;
	s->root_json = json_incref(doc);
	s->docs = json_array();
	s->resources = json_object();
	s->anchors = json_object();
	s->dynanchors = json_object();
	s->mctx = pcre2_match_context_create(NULL);
	struct cc c = {s, err, errlen, false};
	if (!s->docs || !s->resources || !s->anchors || !s->dynanchors || !s->mctx) {
		schema_free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pcre2_set_match_limit(s->mctx, SCHEMA_REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(s->mctx, SCHEMA_REGEX_DEPTH_LIMIT);
	int draft = s->opts.force_draft ? (int)s->opts.force_draft
		    : s->opts.default_draft ? (int)s->opts.default_draft : SCHEMA_DRAFT_2020_12;
	s->root = walk(&c, doc, "", draft, 0);
	resolve_all(&c);
	if (c.failed) {
		schema_free(s);
		return NULL;
	}
	return s;
}

enum schema_draft schema_draft_of(const schema *s)
{
	return (enum schema_draft)s->root->draft;
}
