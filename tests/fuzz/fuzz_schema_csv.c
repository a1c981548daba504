/* fuzz_schema_csv.c - CSV to row objects (src/schema/csv.c), with small limits
 * chosen by the first byte so that they are reached.
 *
 * Checks: a table is either converted or refused with a message; a converted one
 * has one object per data row with the header's columns, each value null, a
 * boolean, a number or a string; and it round-trips: written back as CSV (strings
 * quoted, numbers as JSON writes them, null as an empty cell) it converts to the
 * same array. */
#include "fuzz.h"

#include <stdbool.h>

#include "../../src/core/buf.h"
#include "../../src/schema/csv.h"

static void put_cell(buf *b, const json_t *v)
{
	if (json_is_null(v))
		return;
	if (json_is_string(v)) {
		buf_putc(b, '"');
		const char *s = json_string_value(v);
		for (size_t i = 0; i < json_string_length(v); i++) {
			if (s[i] == '"')
				buf_putc(b, '"');
			buf_putc(b, s[i]);
		}
		buf_putc(b, '"');
		return;
	}
	char *t = json_dumps(v, JSON_ENCODE_ANY);
	FUZZ_CHECK(t != NULL, "out of memory");
	buf_puts(b, t);
	free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct csv_limits lim = {.max_rows = 1 + data[0] % 16, .max_columns = 1 + (data[0] >> 4), .max_cell = 64};
	char err[256] = "";
	json_t *rows = csv_to_json((const char *)data + 1, size - 1, &lim, err, sizeof err);
	if (!rows) {
		FUZZ_CHECK(err[0] != '\0', "refused without a message");
		return 0;
	}
	FUZZ_CHECK(json_array_size(rows) <= lim.max_rows, "%zu rows for a limit of %zu", json_array_size(rows), lim.max_rows);
	/* the header, from the first row's keys (jansson keeps insertion order) */
	json_t *first = json_array_get(rows, 0);
	size_t ncols = first ? json_object_size(first) : 0;
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		FUZZ_CHECK(json_object_size(row) == ncols, "row %zu has %zu columns, not %zu", i, json_object_size(row), ncols);
		const char *k;
		json_t *v;
		json_object_foreach(row, k, v)
			FUZZ_CHECK(json_is_null(v) || json_is_boolean(v) || json_is_number(v) || json_is_string(v), "a cell of type %d",
				   json_typeof(v));
	}
	if (first) {
		buf b = BUF_INIT;
		const char *k;
		json_t *v;
		bool comma = false;
		json_object_foreach(first, k, v) {
			if (comma)
				buf_putc(&b, ',');
			comma = true;
			json_t *name = json_string(k);
			FUZZ_CHECK(name != NULL, "a column name that is not UTF-8");
			put_cell(&b, name);
			json_decref(name);
		}
		buf_puts(&b, "\r\n");
		json_array_foreach(rows, i, row) {
			comma = false;
			json_object_foreach(first, k, v) {
				if (comma)
					buf_putc(&b, ',');
				comma = true;
				put_cell(&b, json_object_get(row, k));
			}
			buf_puts(&b, "\r\n");
		}
		FUZZ_CHECK(!b.oom, "out of memory");
		struct csv_limits big = {.max_rows = lim.max_rows, .max_columns = lim.max_columns, .max_cell = 4 * 64 + 8};
		json_t *again = csv_to_json(b.data, b.len, &big, err, sizeof err);
		FUZZ_CHECK(again != NULL, "the written CSV is refused: %s", err);
		FUZZ_CHECK(json_equal(rows, again), "the round trip changed the table");
		json_decref(again);
		buf_free(&b);
	}
	json_decref(rows);
	return 0;
}
