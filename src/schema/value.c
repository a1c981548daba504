/* value.c - JSON values as JSON Schema sees them: 1 and 1.0 are the same number and
 * both integers, multipleOf is exact on decimals (0.0075 is a multiple of 0.0001,
 * which binary floating point division gets wrong), and string lengths count code
 * points, not bytes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_impl.h"

double json_num(const json_t *v)
{
	return json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
}

unsigned json_type_bits(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_NULL: return T_NULL;
	case JSON_TRUE:
	case JSON_FALSE: return T_BOOLEAN;
	case JSON_OBJECT: return T_OBJECT;
	case JSON_ARRAY: return T_ARRAY;
	case JSON_STRING: return T_STRING;
	case JSON_INTEGER: return T_NUMBER | T_INTEGER;
	case JSON_REAL: {
		double d = json_real_value(v);
		return T_NUMBER | (isfinite(d) && d == floor(d) ? T_INTEGER : 0);
	}
	}
	return 0;
}

static bool num_equal(const json_t *a, const json_t *b)
{
	if (json_is_integer(a) && json_is_integer(b))
		return json_integer_value(a) == json_integer_value(b);
	/* An integer beyond 2^53 is compared exactly against an integral real. */
	if (json_is_integer(a) || json_is_integer(b)) {
		const json_t *i = json_is_integer(a) ? a : b, *r = json_is_integer(a) ? b : a;
		double d = json_real_value(r);
		if (d != floor(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
			return false;
		return (long long)d == json_integer_value(i);
	}
	return json_real_value(a) == json_real_value(b);
}

bool json_equal_value(const json_t *a, const json_t *b)
{
	unsigned ta = json_type_bits(a), tb = json_type_bits(b);
	if ((ta & T_NUMBER) && (tb & T_NUMBER))
		return num_equal(a, b);
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
		       memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
	case JSON_ARRAY: {
		size_t n = json_array_size(a);
		if (n != json_array_size(b))
			return false;
		for (size_t i = 0; i < n; i++)
			if (!json_equal_value(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	case JSON_OBJECT: {
		if (json_object_size(a) != json_object_size(b))
			return false;
		const char *k;
		json_t *va;
		json_object_foreach((json_t *)a, k, va) {
			json_t *vb = json_object_get(b, k);
			if (!vb || !json_equal_value(va, vb))
				return false;
		}
		return true;
	}
	default: return true; /* null, true, false: same type is same value */
	}
}

/* A finite double as m * 10^e with m an integer of at most 17 digits: the shortest
 * decimal that reads back as the same double (what the document said). */
static bool decimal_of(double d, uint64_t *m, int *e)
{
	char s[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(s, sizeof s, "%.*e", prec - 1, d);
		if (strtod(s, NULL) == d)
			break;
	}
	/* s is "[-]D.DDDDe[+-]XX" */
	const char *p = s;
	if (*p == '-')
		p++;
	uint64_t mant = 0;
	int digits_after = 0;
	bool after = false;
	for (; *p && *p != 'e'; p++) {
		if (*p == '.') {
			after = true;
			continue;
		}
		mant = mant * 10 + (uint64_t)(*p - '0');
		if (after)
			digits_after++;
	}
	if (*p != 'e')
		return false;
	int exp = atoi(p + 1) - digits_after;
	while (mant && mant % 10 == 0) {
		mant /= 10;
		exp++;
	}
	*m = mant;
	*e = exp;
	return true;
}

/* 10^k mod m without overflow. */
static uint64_t pow10_mod(int k, uint64_t m)
{
	unsigned __int128 r = 1 % m, b = 10 % m;
	while (k > 0) {
		if (k & 1)
			r = r * b % m;
		b = b * b % m;
		k >>= 1;
	}
	return (uint64_t)r;
}

bool number_multiple_of(const json_t *value, const json_t *divisor)
{
	if (json_is_integer(value) && json_is_integer(divisor)) {
		long long d = json_integer_value(divisor);
		if (d == 0)
			return false;
		if (d == -1)
			return true;
		return json_integer_value(value) % d == 0;
	}
	double v = json_num(value), d = json_num(divisor);
	if (!isfinite(v) || !isfinite(d) || d == 0)
		return false;
	if (v == 0)
		return true;
	uint64_t mv, md;
	int ev, ed;
	if (!decimal_of(fabs(v), &mv, &ev) || !decimal_of(fabs(d), &md, &ed) || md == 0)
		return false;
	/* v/d = (mv/md) * 10^(ev-ed): an integer iff md divides mv * 10^(ev-ed). */
	int k = ev - ed;
	if (k >= 0)
		return (unsigned __int128)mv % md * pow10_mod(k, md) % md == 0;
	/* md * 10^-k must divide mv: mv has at most 17 digits, so -k <= 17 or it cannot. */
	if (-k > 19)
		return false;
	unsigned __int128 den = md;
	for (int i = 0; i < -k; i++)
		den *= 10;
	return (unsigned __int128)mv % den == 0;
}

size_t utf8_length(const char *s, size_t bytes)
{
	size_t n = 0;
	for (size_t i = 0; i < bytes; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}
