/* csv.h - a CSV table as JSON Schema data: an array of row objects, keyed by the
 * header's names, the values typed (numbers, booleans, empty cells null). The
 * command line (llmmeta validate) and the web validate uploaded CSV this one way. */
#ifndef LLMMETA_SCHEMA_CSV_H
#define LLMMETA_SCHEMA_CSV_H

#include <jansson.h>
#include <stddef.h>

/* The defaults: a table larger than this is refused with a message saying so. */
#define CSV_MAX_ROWS 100000     /* data rows, the header not counted */
#define CSV_MAX_COLUMNS 1000
#define CSV_MAX_CELL 1048576    /* bytes in one cell */

struct csv_limits {
	size_t max_rows, max_columns, max_cell; /* 0: the default above */
};

/* Converts RFC 4180 CSV (comma-separated; CRLF or LF line ends; "quoted" cells with
 * "" for a quote; a leading UTF-8 byte order mark skipped). The first row names the
 * columns (each non-empty and unique). Unquoted cells are typed: empty is null,
 * true/false are booleans, a JSON number is a number; anything else, and every
 * quoted cell, is a string. Every row has the header's number of cells. Returns a
 * new array, or NULL with a message naming the row and column (the header is row 1)
 * in err: invalid UTF-8, a stray quote, a limit passed, out of memory. */
json_t *csv_to_json(const char *data, size_t len, const struct csv_limits *lim, char *err, size_t errlen);

/* Where a validation error of a converted table lies in the CSV file: for the
 * instance location "/N/NAME" (or "/N"), *row is the file's row (the header is row 1,
 * so N + 2) and *col the 1-based column of NAME (0 for "/N", the whole row). Returns 0,
 * or -1 when the location names no row of rows (the whole table, or a bad pointer). */
int csv_locate(const json_t *rows, const char *instance_location, size_t *row, size_t *col);

#endif
