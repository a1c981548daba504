/* validate.c - walks a compiled schema over an instance. Errors are recorded only
 * where they decide the result (not inside an anyOf branch, a "not" or an "if"),
 * each with the instance's and the keyword's JSON Pointers. unevaluatedProperties
 * and unevaluatedItems need to know what the other keywords evaluated: those
 * annotations are collected only when the schema uses them, and kept from a
 * subschema only when it passed. Depth and $ref loops are bounded. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_impl.h"

/* A JSON Pointer under construction, as a chain of segments on the C stack. */
struct seg {
	const struct seg *up;
	const char *key; /* NULL: idx */
	size_t idx;
};

struct scope {
	const struct scope *up;
	const char *base;
};

/* $ref calls in progress, to see the same schema applied to the same instance again. */
struct call {
	const struct call *up;
	const struct snode *node;
	const json_t *inst;
};

/* What the keywords of a schema evaluated, for unevaluated*. */
struct ann {
	const char **keys;
	size_t nkeys, capkeys;
	size_t items; /* items [0, items) evaluated */
	bool all_items;
	bool *item; /* per item, from contains (NULL: none) */
	size_t nitem;
};

struct run {
	const schema *s;
	struct schema_result *res;
	bool collect; /* annotations wanted at all */
	int depth;
	unsigned long steps, max_steps;
	bool stopped; /* the step limit was reached: everything fails, silently */
};

struct ctx {
	const struct seg *ipath, *kpath;
	const struct scope *scope;
	const struct call *calls;
	bool report;
};

static void ptr_write(char *out, size_t *o, const struct seg *s, bool write)
{
	if (!s)
		return;
	ptr_write(out, o, s->up, write);
	char num[24];
	const char *k = s->key;
	if (!k) {
		snprintf(num, sizeof num, "%zu", s->idx);
		k = num;
	}
	if (write)
		out[*o] = '/';
	(*o)++;
	for (; *k; k++) {
		if (*k == '~' || *k == '/') {
			if (write)
				out[*o] = '~', out[*o + 1] = *k == '~' ? '0' : '1';
			*o += 2;
		} else {
			if (write)
				out[*o] = *k;
			(*o)++;
		}
	}
}

static char *ptr_string(const struct seg *s, const char *last)
{
	struct seg tail = {s, last, 0};
	const struct seg *p = last ? &tail : s;
	size_t n = 0;
	ptr_write(NULL, &n, p, false);
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	ptr_write(out, &o, p, true);
	out[o] = 0;
	return out;
}

static void add_error(struct run *r, const struct ctx *x, const char *kw, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add_error(struct run *r, const struct ctx *x, const char *kw, const char *fmt, ...)
{
	struct schema_result *res = r->res;
	if (!x->report)
		return;
	if (res->n >= SCHEMA_MAX_ERRORS) {
		res->truncated = true;
		return;
	}
	if (res->n == res->cap) {
		size_t cap = res->cap ? res->cap * 2 : 8;
		struct schema_error *e = realloc(res->errors, cap * sizeof *e);
		if (!e) {
			res->oom = true;
			return;
		}
		res->errors = e;
		res->cap = cap;
	}
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct schema_error *e = &res->errors[res->n];
	e->instance_location = ptr_string(x->ipath, NULL);
	e->keyword_location = ptr_string(x->kpath, kw);
	e->message = strdup(msg);
	if (!e->instance_location || !e->keyword_location || !e->message) {
		free(e->instance_location);
		free(e->keyword_location);
		free(e->message);
		res->oom = true;
		return;
	}
	res->n++;
}

/* A limit reached: always recorded, whatever the context, since it is no verdict
 * on the instance. */
static void limit_error(struct run *r, const struct ctx *x, const char *kw, const char *msg)
{
	struct ctx y = *x;
	y.report = true;
	r->res->limit = true;
	add_error(r, &y, kw, "%s", msg);
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: return "null";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return json_type_bits(v) & T_INTEGER ? "integer" : "number";
	}
	return "?";
}

static void types_text(unsigned t, char *out, size_t n)
{
	static const char *const names[] = {"null", "boolean", "object", "array", "number", "string", "integer"};
	size_t o = 0;
	out[0] = 0;
	for (unsigned i = 0; i < 7; i++)
		if (t & (1u << i))
			o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s%s", o ? " or " : "", names[i]);
}

/* --- annotations --- */

static void ann_key(struct run *r, struct ann *a, const char *k)
{
	if (!a)
		return;
	if (a->nkeys == a->capkeys) {
		size_t cap = a->capkeys ? a->capkeys * 2 : 8;
		const char **p = realloc(a->keys, cap * sizeof *p);
		if (!p) {
			r->res->oom = true;
			return;
		}
		a->keys = p;
		a->capkeys = cap;
	}
	a->keys[a->nkeys++] = k;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts the evaluated keys once, before unevaluatedProperties looks each instance
 * key up: a large object costs n log n, not n squared. */
static void ann_sort_keys(struct ann *a)
{
	if (a->nkeys > 1)
		qsort(a->keys, a->nkeys, sizeof *a->keys, cmp_key);
}

static bool ann_has_key(const struct ann *a, const char *k)
{
	return a->nkeys && bsearch(&k, a->keys, a->nkeys, sizeof *a->keys, cmp_key) != NULL;
}

static void ann_item(struct run *r, struct ann *a, size_t i, size_t n)
{
	if (!a)
		return;
	if (!a->item) {
		a->item = calloc(n ? n : 1, sizeof *a->item);
		a->nitem = n;
		if (!a->item) {
			r->res->oom = true;
			return;
		}
	}
	if (i < a->nitem)
		a->item[i] = true;
}

static void ann_merge(struct run *r, struct ann *into, const struct ann *from)
{
	if (!into)
		return;
	for (size_t i = 0; i < from->nkeys; i++)
		ann_key(r, into, from->keys[i]);
	if (from->items > into->items)
		into->items = from->items;
	into->all_items |= from->all_items;
	for (size_t i = 0; from->item && i < from->nitem; i++)
		if (from->item[i])
			ann_item(r, into, i, from->nitem);
}

static void ann_free(struct ann *a)
{
	free(a->keys);
	free(a->item);
}

/* --- the walk --- */

static bool eval(struct run *r, const struct snode *n, const json_t *inst, const struct ctx *x, struct ann *out);

/* Applies n to inst at the same instance location, under keyword path kw[/idx]. */
static bool eval_sub(struct run *r, const struct snode *n, const json_t *inst, const struct ctx *x, const char *kw,
		     const size_t *idx, bool report, struct ann *out)
{
	struct seg k1 = {x->kpath, kw, 0}, k2 = {&k1, NULL, idx ? *idx : 0};
	struct ctx y = *x;
	y.kpath = idx ? &k2 : &k1;
	y.report = x->report && report;
	return eval(r, n, inst, &y, out);
}

/* Applies n to a child of the instance (key, or index when key is NULL). */
static bool eval_child(struct run *r, const struct snode *n, const json_t *child, const struct ctx *x, const char *key,
		       size_t idx, const char *kw, const char *kwkey, const size_t *kwidx)
{
	struct seg i1 = {x->ipath, key, idx};
	struct seg k1 = {x->kpath, kw, 0}, k2 = {&k1, kwkey, kwidx ? *kwidx : 0};
	struct ctx y = *x;
	y.ipath = &i1;
	y.kpath = (kwkey || kwidx) ? &k2 : &k1;
	return eval(r, n, child, &y, NULL);
}

static const struct snode *dynamic_target(const struct run *r, const struct snode *n, const struct scope *sc)
{
	if (!n->dynref_anchor)
		return n->dynref;
	/* the outermost resource in the dynamic scope with that $dynamicAnchor */
	const struct scope *chain[SCHEMA_MAX_DEPTH + 2];
	size_t k = 0;
	for (; sc && k < sizeof chain / sizeof chain[0]; sc = sc->up)
		chain[k++] = sc;
	while (k-- > 0) {
		char key[1024];
		if ((size_t)snprintf(key, sizeof key, "%s#%s", chain[k]->base, n->dynref_anchor) >= sizeof key)
			continue;
		json_t *v = json_object_get(r->s->dynanchors, key);
		if (v)
			return r->s->nodes[json_integer_value(v)];
	}
	return n->dynref;
}

#define FAIL()                                   \
	do {                                     \
		valid = false;                   \
		if (!x->report && !want)         \
			goto done;               \
	} while (0)

static bool eval_object(struct run *r, const struct snode *n, const json_t *inst, const struct ctx *x, struct ann *la,
			bool want)
{
	bool valid = true;
	size_t size = json_object_size(inst);
	if (n->min_props >= 0 && size < (size_t)n->min_props) {
		add_error(r, x, "minProperties", "has %zu properties, fewer than %lld", size, n->min_props);
		FAIL();
	}
	if (n->max_props >= 0 && size > (size_t)n->max_props) {
		add_error(r, x, "maxProperties", "has %zu properties, more than %lld", size, n->max_props);
		FAIL();
	}
	if (n->required) {
		size_t i;
		json_t *k;
		json_array_foreach(n->required, i, k) {
			if (json_is_string(k) && !json_object_get(inst, json_string_value(k))) {
				add_error(r, x, "required", "required property \"%s\" is missing", json_string_value(k));
				FAIL();
			}
		}
	}
	for (size_t i = 0; i < n->ndepreq; i++) {
		if (!json_object_get(inst, n->depreq[i].name))
			continue;
		size_t j;
		json_t *k;
		json_array_foreach(n->depreq[i].required, j, k) {
			if (json_is_string(k) && !json_object_get(inst, json_string_value(k))) {
				add_error(r, x, n->draft == SCHEMA_DRAFT_7 ? "dependencies" : "dependentRequired",
					  "property \"%s\" requires property \"%s\"", n->depreq[i].name, json_string_value(k));
				FAIL();
			}
		}
	}
	for (size_t i = 0; i < n->ndepschemas; i++) {
		if (!json_object_get(inst, n->depschemas[i].name))
			continue;
		const char *kw = n->draft == SCHEMA_DRAFT_7 ? "dependencies" : "dependentSchemas";
		struct seg k1 = {x->kpath, kw, 0};
		struct ctx y = *x;
		y.kpath = &k1;
		if (!eval_sub(r, n->depschemas[i].s, inst, &y, n->depschemas[i].name, NULL, true, la))
			FAIL();
	}
	const json_t *props_json = json_object_get(n->json, "properties");
	if (n->props) {
		for (size_t i = 0; i < n->nprops; i++) {
			const json_t *v = json_object_get(inst, n->props[i].name);
			if (!v)
				continue;
			/* the key as the instance stores it: annotations compare keys */
			void *it = json_object_iter_at((json_t *)inst, n->props[i].name);
			const char *key = json_object_iter_key(it);
			ann_key(r, la, key);
			if (!eval_child(r, n->props[i].s, v, x, key, 0, "properties", key, NULL))
				FAIL();
		}
	}
	if (n->pprops || n->addprops || n->propnames || n->unevalprops) {
		const char *key;
		json_t *v;
		json_object_foreach((json_t *)inst, key, v) {
			size_t klen = strlen(key);
			if (n->propnames) {
				json_t *ks = json_stringn(key, klen);
				if (!ks) {
					r->res->oom = true;
					return false;
				}
				struct seg i1 = {x->ipath, key, 0};
				struct ctx y = *x;
				y.ipath = &i1;
				bool ok = eval_sub(r, n->propnames, ks, &y, "propertyNames", NULL, true, NULL);
				json_decref(ks);
				if (!ok)
					FAIL();
			}
			bool matched = props_json && json_object_get(props_json, key);
			for (size_t i = 0; i < n->npprops; i++) {
				int m = regex_search(n->pprops[i].re, key, klen, r->s->mctx);
				if (m < 0) {
					limit_error(r, x, "patternProperties", "the regular expression took too long (match limit)");
					valid = false;
					goto done;
				}
				if (m) {
					matched = true;
					ann_key(r, la, key);
					size_t pi = i;
					if (!eval_child(r, n->pprops[i].s, v, x, key, 0, "patternProperties", NULL, &pi))
						FAIL();
				}
			}
			if (!matched && n->addprops) {
				ann_key(r, la, key);
				if (!eval_child(r, n->addprops, v, x, key, 0, "additionalProperties", NULL, NULL))
					FAIL();
			}
		}
	}
done:
	return valid;
}

/* A hash that equal values (json_equal_value: 1 and 1.0 alike, objects in any key
 * order) share. */
static uint64_t value_hash(const json_t *v)
{
	uint64_t h = 1469598103934665603ull;
	switch (json_typeof(v)) {
	case JSON_INTEGER:
	case JSON_REAL: {
		double d = json_num(v);
		if (d == 0)
			d = 0; /* -0.0 and 0 */
		uint64_t bits;
		memcpy(&bits, &d, sizeof bits);
		return (bits ^ 0x9E3779B97F4A7C15ull) * 1099511628211ull;
	}
	case JSON_STRING: {
		const unsigned char *p = (const unsigned char *)json_string_value(v);
		for (size_t i = 0; i < json_string_length(v); i++)
			h = (h ^ p[i]) * 1099511628211ull;
		return h ^ 3;
	}
	case JSON_ARRAY: {
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e) h = (h ^ value_hash(e)) * 1099511628211ull;
		return h ^ 5;
	}
	case JSON_OBJECT: {
		uint64_t sum = 0;
		const char *k;
		json_t *e;
		json_object_foreach((json_t *)v, k, e) {
			uint64_t kh = 1469598103934665603ull;
			for (const unsigned char *p = (const unsigned char *)k; *p; p++)
				kh = (kh ^ *p) * 1099511628211ull;
			sum += (kh * 31) ^ value_hash(e); /* order-independent */
		}
		return sum ^ 7;
	}
	default: return (uint64_t)json_typeof(v) + (json_is_true(v) ? 11 : 13);
	}
}

struct hashed {
	uint64_t h;
	size_t i;
};

static int cmp_hashed(const void *a, const void *b)
{
	const struct hashed *x = a, *y = b;
	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* uniqueItems in n log n: items sorted by hash, equal hashes compared. Returns 1 with
 * the two indices (the first pair found), 0 when all differ, -1 out of memory. */
static int find_duplicate(const json_t *arr, size_t *first, size_t *second)
{
	size_t n = json_array_size(arr);
	struct hashed *h = malloc(n * sizeof *h);
	if (!h)
		return -1;
	for (size_t i = 0; i < n; i++)
		h[i] = (struct hashed){value_hash(json_array_get(arr, i)), i};
	qsort(h, n, sizeof *h, cmp_hashed);
	int found = 0;
	for (size_t i = 0; i < n && !found; i++)
		for (size_t j = i + 1; j < n && h[j].h == h[i].h; j++)
			if (json_equal_value(json_array_get(arr, h[i].i), json_array_get(arr, h[j].i))) {
				*first = h[i].i < h[j].i ? h[i].i : h[j].i;
				*second = h[i].i < h[j].i ? h[j].i : h[i].i;
				found = 1;
				break;
			}
	free(h);
	return found;
}

static bool eval_array(struct run *r, const struct snode *n, const json_t *inst, const struct ctx *x, struct ann *la,
		       bool want)
{
	bool valid = true;
	size_t size = json_array_size(inst);
	if (n->min_items >= 0 && size < (size_t)n->min_items) {
		add_error(r, x, "minItems", "has %zu items, fewer than %lld", size, n->min_items);
		FAIL();
	}
	if (n->max_items >= 0 && size > (size_t)n->max_items) {
		add_error(r, x, "maxItems", "has %zu items, more than %lld", size, n->max_items);
		FAIL();
	}
	if (n->unique && size > 1) {
		size_t first, second;
		int dup = find_duplicate(inst, &first, &second);
		if (dup < 0) {
			r->res->oom = true;
			return false;
		}
		if (dup) {
			add_error(r, x, "uniqueItems", "items %zu and %zu are equal", first, second);
			FAIL();
		}
	}
	const char *pkw = n->draft == SCHEMA_DRAFT_7 ? "items" : "prefixItems";
	const char *ikw = n->draft == SCHEMA_DRAFT_7 && n->prefix ? "additionalItems" : "items";
	for (size_t i = 0; i < size; i++) {
		const json_t *v = json_array_get(inst, i);
		if (i < n->nprefix) {
			if (!eval_child(r, n->prefix[i], v, x, NULL, i, pkw, NULL, &i))
				FAIL();
		} else if (n->items) {
			if (!eval_child(r, n->items, v, x, NULL, i, ikw, NULL, NULL))
				FAIL();
		} else
			break;
	}
	if (la) {
		if (n->items)
			la->all_items = true;
		else if (n->nprefix > la->items)
			la->items = n->nprefix < size ? n->nprefix : size;
	}
	if (n->contains) {
		size_t found = 0;
		for (size_t i = 0; i < size; i++) {
			struct seg i1 = {x->ipath, NULL, i};
			struct ctx y = *x;
			y.ipath = &i1;
			if (eval_sub(r, n->contains, json_array_get(inst, i), &y, "contains", NULL, false, NULL)) {
				found++;
				ann_item(r, la, i, size);
			}
		}
		if (found < (size_t)n->min_contains) {
			if (found == 0 && n->min_contains == 1)
				add_error(r, x, "contains", "no item matches \"contains\"");
			else
				add_error(r, x, json_object_get(n->json, "minContains") ? "minContains" : "contains",
					  "%zu items match \"contains\", fewer than %lld", found, n->min_contains);
			FAIL();
		}
		if (n->max_contains >= 0 && found > (size_t)n->max_contains) {
			add_error(r, x, "maxContains", "%zu items match \"contains\", more than %lld", found, n->max_contains);
			FAIL();
		}
	}
done:
	return valid;
}

static bool eval_number(struct run *r, const struct snode *n, const json_t *inst, const struct ctx *x, bool want)
{
	bool valid = true;
	double v = json_num(inst);
	if (n->minimum && v < json_num(n->minimum)) {
		add_error(r, x, "minimum", "%.17g is less than the minimum %.17g", v, json_num(n->minimum));
		FAIL();
	}
	if (n->maximum && v > json_num(n->maximum)) {
		add_error(r, x, "maximum", "%.17g is greater than the maximum %.17g", v, json_num(n->maximum));
		FAIL();
	}
	if (n->xminimum && v <= json_num(n->xminimum)) {
		add_error(r, x, "exclusiveMinimum", "%.17g is not greater than %.17g", v, json_num(n->xminimum));
		FAIL();
	}
	if (n->xmaximum && v >= json_num(n->xmaximum)) {
		add_error(r, x, "exclusiveMaximum", "%.17g is not less than %.17g", v, json_num(n->xmaximum));
		FAIL();
	}
	if (n->multiple_of && !number_multiple_of(inst, n->multiple_of)) {
		add_error(r, x, "multipleOf", "%.17g is not a multiple of %.17g", v, json_num(n->multiple_of));
		FAIL();
	}
done:
	return valid;
}

static bool eval_string(struct run *r, const struct snode *n, const json_t *inst, const struct ctx *x, bool want)
{
	bool valid = true;
	const char *s = json_string_value(inst);
	size_t bytes = json_string_length(inst);
	if (n->min_len >= 0 || n->max_len >= 0) {
		size_t len = utf8_length(s, bytes);
		if (n->min_len >= 0 && len < (size_t)n->min_len) {
			add_error(r, x, "minLength", "is %zu characters long, shorter than %lld", len, n->min_len);
			FAIL();
		}
		if (n->max_len >= 0 && len > (size_t)n->max_len) {
			add_error(r, x, "maxLength", "is %zu characters long, longer than %lld", len, n->max_len);
			FAIL();
		}
	}
	if (n->pattern) {
		int m = regex_search(n->pattern, s, bytes, r->s->mctx);
		if (m < 0) {
			limit_error(r, x, "pattern", "the regular expression took too long (match limit)");
			return false;
		}
		if (!m) {
			add_error(r, x, "pattern", "does not match the pattern \"%.200s\"", n->pattern_src);
			FAIL();
		}
	}
	if (n->format != F_NONE && !format_check(n->format, s, bytes)) {
		add_error(r, x, "format", "is not a valid %s", json_string_value(json_object_get(n->json, "format")));
		FAIL();
	}
done:
	return valid;
}

static bool eval(struct run *r, const struct snode *n, const json_t *inst, const struct ctx *xin, struct ann *out)
{
	if (r->stopped)
		return false;
	if (++r->steps > r->max_steps) {
		char msg[96];
		snprintf(msg, sizeof msg, "the validation takes more than %lu steps (subschemas applied)", r->max_steps);
		limit_error(r, xin, NULL, msg);
		r->stopped = true;
		return false;
	}
	if (n->is_bool) {
		if (!n->bool_value)
			add_error(r, xin, NULL, "the schema false allows nothing");
		return n->bool_value;
	}
	if (r->depth > SCHEMA_MAX_DEPTH) {
		limit_error(r, xin, NULL, "the schema is applied deeper than the nesting limit");
		return false;
	}
	r->depth++;
	struct scope sc = {xin->scope, n->base};
	struct ctx xs = *xin;
	/* the dynamic scope: each resource entered, whether at its root or (through a
	 * $ref) at a subschema inside it */
	if (n->resource || !xin->scope || strcmp(xin->scope->base, n->base) != 0)
		xs.scope = &sc;
	const struct ctx *x = &xs;
	bool want = out != NULL; /* annotations wanted: evaluate everything */
	struct ann a = {0}, *la = r->collect ? &a : NULL;
	bool valid = true;
	unsigned tb = json_type_bits(inst);

	if (n->ref) {
		for (const struct call *c = x->calls; c; c = c->up)
			if (c->node == n->ref && c->inst == inst) {
				limit_error(r, x, "$ref", "the $ref loops back to itself without consuming the instance");
				valid = false;
				goto done;
			}
		struct call c = {x->calls, n->ref, inst};
		struct ctx y = *x;
		y.calls = &c;
		if (!eval_sub(r, n->ref, inst, &y, "$ref", NULL, true, la))
			FAIL();
	}
	if (n->dynref) {
		const struct snode *t = dynamic_target(r, n, x->scope);
		for (const struct call *c = x->calls; c; c = c->up)
			if (c->node == t && c->inst == inst) {
				limit_error(r, x, "$dynamicRef", "the $dynamicRef loops back to itself");
				valid = false;
				goto done;
			}
		struct call c = {x->calls, t, inst};
		struct ctx y = *x;
		y.calls = &c;
		if (!eval_sub(r, t, inst, &y, "$dynamicRef", NULL, true, la))
			FAIL();
	}
	if (n->types && !(n->types & tb)) {
		char want_t[80];
		types_text(n->types, want_t, sizeof want_t);
		add_error(r, x, "type", "expected %s, got %s", want_t, type_name(inst));
		FAIL();
	}
	if (n->constv && !json_equal_value(inst, n->constv)) {
		add_error(r, x, "const", "is not the constant value");
		FAIL();
	}
	if (n->enumv) {
		bool found = false;
		size_t i;
		json_t *e;
		json_array_foreach(n->enumv, i, e) if (json_equal_value(inst, e))
		{
			found = true;
			break;
		}
		if (!found) {
			add_error(r, x, "enum", "is not one of the enumerated values");
			FAIL();
		}
	}
	if ((tb & T_NUMBER) && !eval_number(r, n, inst, x, want))
		FAIL();
	if ((tb & T_STRING) && !eval_string(r, n, inst, x, want))
		FAIL();
	if ((tb & T_ARRAY) && !eval_array(r, n, inst, x, la, want))
		FAIL();
	if ((tb & T_OBJECT) && !eval_object(r, n, inst, x, la, want))
		FAIL();

	for (size_t i = 0; i < n->nallof; i++)
		if (!eval_sub(r, n->allof[i], inst, x, "allOf", &i, true, la))
			FAIL();
	if (n->anyof) {
		bool any = false;
		for (size_t i = 0; i < n->nanyof; i++) {
			struct ann b = {0};
			if (eval_sub(r, n->anyof[i], inst, x, "anyOf", &i, false, la ? &b : NULL)) {
				any = true;
				ann_merge(r, la, &b);
			}
			ann_free(&b);
			if (any && !la)
				break;
		}
		if (!any) {
			add_error(r, x, "anyOf", "matches none of the schemas of anyOf");
			FAIL();
		}
	}
	if (n->oneof) {
		size_t matched = 0, first = 0, second = 0;
		for (size_t i = 0; i < n->noneof; i++) {
			struct ann b = {0};
			if (eval_sub(r, n->oneof[i], inst, x, "oneOf", &i, false, la ? &b : NULL)) {
				if (matched++ == 0) {
					first = i;
					ann_merge(r, la, &b);
				} else
					second = i;
			}
			ann_free(&b);
			if (matched > 1)
				break;
		}
		if (matched == 0) {
			add_error(r, x, "oneOf", "matches none of the schemas of oneOf");
			FAIL();
		} else if (matched > 1) {
			add_error(r, x, "oneOf", "matches more than one schema of oneOf (%zu and %zu)", first, second);
			FAIL();
		}
	}
	if (n->not_) {
		if (eval_sub(r, n->not_, inst, x, "not", NULL, false, NULL)) {
			add_error(r, x, "not", "must not match the schema of \"not\"");
			FAIL();
		}
	}
	if (n->if_) {
		struct ann b = {0};
		bool ok = true;
		if (eval_sub(r, n->if_, inst, x, "if", NULL, false, la ? &b : NULL)) {
			ann_merge(r, la, &b);
			ok = !n->then_ || eval_sub(r, n->then_, inst, x, "then", NULL, true, la);
		} else
			ok = !n->else_ || eval_sub(r, n->else_, inst, x, "else", NULL, true, la);
		ann_free(&b);
		if (!ok)
			FAIL();
	}
	/* unevaluated*: after every other keyword of this schema */
	if (n->unevalprops && (tb & T_OBJECT)) {
		const char *key;
		json_t *v;
		size_t sorted = la->nkeys; /* the keys appended below are not looked up again */
		ann_sort_keys(la);
		json_object_foreach((json_t *)inst, key, v) {
			struct ann view = {.keys = la->keys, .nkeys = sorted};
			if (ann_has_key(&view, key))
				continue;
			if (!eval_child(r, n->unevalprops, v, x, key, 0, "unevaluatedProperties", NULL, NULL))
				FAIL();
			ann_key(r, la, key);
		}
	}
	if (n->unevalitems && (tb & T_ARRAY) && !la->all_items) {
		size_t size = json_array_size(inst);
		for (size_t i = la->items; i < size; i++) {
			if (la->item && i < la->nitem && la->item[i])
				continue;
			if (!eval_child(r, n->unevalitems, json_array_get(inst, i), x, NULL, i, "unevaluatedItems", NULL, NULL))
				FAIL();
		}
		la->all_items = true;
	}
done:
	if (valid && out && la)
		ann_merge(r, out, la);
	ann_free(&a);
	r->depth--;
	return valid;
}

/* Values in v, itself included (arrays and objects counted with their members),
 * down to the depth validation can reach. */
static unsigned long count_values(const json_t *v, int depth)
{
	unsigned long n = 1;
	if (depth > SCHEMA_MAX_DEPTH)
		return n;
	if (json_is_array(v)) {
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e) n += count_values(e, depth + 1);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *e;
		json_object_foreach((json_t *)v, k, e) n += count_values(e, depth + 1);
	}
	return n;
}

int schema_validate(const schema *s, const json_t *instance, struct schema_result *res)
{
	memset(res, 0, sizeof *res);
	res->valid = true;
	unsigned long budget = s->opts.max_steps ? s->opts.max_steps
						 : SCHEMA_MAX_STEPS + SCHEMA_STEPS_PER_VALUE * count_values(instance, 0);
	struct run r = {s, res, s->uses_uneval, 0, 0, budget, false};
	struct ctx x = {NULL, NULL, NULL, NULL, true};
	bool ok = eval(&r, s->root, instance, &x, NULL);
	/* a limit reached anywhere leaves the instance unchecked: not valid */
	if (!ok || res->limit)
		res->valid = false;
	return res->oom ? -1 : 0;
}

void schema_result_free(struct schema_result *res)
{
	for (size_t i = 0; i < res->n; i++) {
		free(res->errors[i].instance_location);
		free(res->errors[i].keyword_location);
		free(res->errors[i].message);
	}
	free(res->errors);
	memset(res, 0, sizeof *res);
}

json_t *schema_result_json(const struct schema_result *res)
{
	json_t *errs = json_array();
	json_t *o = json_pack("{s:b,s:o}", "valid", res->valid, "errors", errs);
	if (!o)
		return NULL;
	for (size_t i = 0; i < res->n; i++) {
		const struct schema_error *e = &res->errors[i];
		if (json_array_append_new(errs, json_pack("{s:s,s:s,s:s}", "instanceLocation", e->instance_location,
							  "keywordLocation", e->keyword_location, "error", e->message)) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}
