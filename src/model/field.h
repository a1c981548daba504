/* field.h - what the model files share when they read rows: copying a database
 * text into a fixed-size field of a struct (a uuid, a role, a status), an optional
 * integer column read or bound, the one growth rule of the arrays they fill a row
 * at a time, and the one loop that fills them (rows_read, in rows.c). */
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

/* Fills one element from the current row of r: 0 when kept, 1 when the row is
 * skipped (having allocated nothing), -1 on failure (out of memory). The element is
 * zeroed first and already counted, so a list's free function frees what a failed
 * row had allocated. */
typedef int (*rows_fn)(db_rows *r, void *elem, void *ctx);
/* Frees a list of n elements and the array itself (any of them may be zeroed). */
typedef void (*rows_free_fn)(void *arr, size_t n);

/* Reads every row of r (NULL: the query failed) into a fresh array of elements of
 * `size` bytes, one row_fn call per row, and ends r. Returns 0 with the array in
 * *arr (NULL when no rows) and its length in *n; or -1 when the query, a step or a
 * row failed, having freed everything (free_all may be NULL for elements that own
 * nothing) and set *arr to NULL and *n to 0. */
int rows_read(db_rows *r, size_t size, rows_fn row, void *ctx, rows_free_fn free_all, void **arr, size_t *n);

#endif
