/* rows.c - the one loop that reads a query's rows into a growing array and frees
 * all of it on any failure (see rows_read in field.h), for every model file that
 * lists things. */
#include <assert.h>
#include <string.h>

#include "field.h"

int rows_read(db_rows *r, size_t size, rows_fn row, void *ctx, rows_free_fn free_all, void **arr, size_t *n)
{
	*arr = NULL;
	*n = 0;
	if (!r)
		return -1;
	void *a = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = db_step(r)) == 1) {
		void *grown = room_for_one(a, len, &cap, size);
		if (!grown) {
			rc = -1;
			break;
		}
		a = grown;
		assert(len < cap);
		char *e = (char *)a + len * size;
		memset(e, 0, size);
		len++;
		int kept = row(r, e, ctx);
		if (kept == 1)
			len--; /* skipped: nothing of it to free */
		else if (kept < 0) {
			rc = -1;
			break;
		}
	}
	db_done(r);
	if (rc < 0) {
		if (free_all)
			free_all(a, len);
		else
			free(a);
		return -1;
	}
	*arr = a;
	*n = len;
	return 0;
}
