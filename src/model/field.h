/* field.h - what the model files share when they read rows: copying a database
 * text into a fixed-size field of a struct (a uuid, a role, a status), an optional
 * integer column read or bound, and the one growth rule of the arrays they fill a row at a time. */
#ifndef LLMMETA_FIELD_H
#define LLMMETA_FIELD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../db/db.h"

/* Copies src into the n-byte field dst, cut to fit (snprintf("%s") without the
 * printf machinery, which a list would otherwise run several times per row). */
static inline void copy_field(char *dst, size_t n, const char *src)
{
	size_t k = strnlen(src, n - 1);
	memcpy(dst, src, k);
	dst[k] = '\0';
}

/* An optional integer column: -1 for NULL (the structs' "none"), and back. */
static inline int64_t int_or_none(db_rows *r, int col) { return db_null(r, col) ? -1 : db_int(r, col); }
static inline db_val none_or_int(int64_t v) { return v >= 0 ? db_v_int(v) : db_v_null(); }

/* The array p of n elements of `size` bytes, with room for one more: grown (the
 * capacity *cap doubling, from 16) only when full. NULL when memory ran out, p being
 * then unchanged (the caller still owns and frees it). */
static inline void *room_for_one(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	size_t c = *cap ? *cap * 2 : 16;
	if (c > SIZE_MAX / size)
		return NULL;
	void *q = realloc(p, c * size);
	if (q)
		*cap = c;
	return q;
}

#endif
