/* csv.c - CSV to an array of row objects (csv.h). One pass over the bytes; each cell
 * is checked for valid UTF-8 as it ends, so an error names its row and column. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

struct cell {
	char *s;
	size_t len, cap;
	bool quoted;
};

struct parser {
	char *err;
	size_t errlen;
	struct csv_limits lim;
	struct cell *cells;
	size_t ncells, capcells;
	json_t *header; /* array of strings */
	json_t *rows;
	size_t row; /* 1-based, the header is 1 */
};

static bool fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* Length of the valid UTF-8 sequence at s (1 to 4), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned cp;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		len = 3, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

static bool cell_put(struct parser *p, struct cell *c, char ch)
{
	if (c->len + 1 > p->lim.max_cell)
		return fail(p, "row %zu, column %zu: a cell is longer than %zu bytes", p->row, p->ncells, p->lim.max_cell);
	if (c->len + 1 >= c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		char *s = realloc(c->s, cap);
		if (!s)
			return fail(p, "out of memory");
		c->s = s;
		c->cap = cap;
	}
	c->s[c->len++] = ch;
	c->s[c->len] = 0;
	return true;
}

static struct cell *cell_new(struct parser *p)
{
	if (p->ncells == p->capcells) {
		size_t cap = p->capcells ? p->capcells * 2 : 16;
		struct cell *v = realloc(p->cells, cap * sizeof *v);
		if (!v)
			return fail(p, "out of memory"), NULL;
		memset(v + p->capcells, 0, (cap - p->capcells) * sizeof *v);
		p->cells = v;
		p->capcells = cap;
	}
	if (p->ncells >= p->lim.max_columns)
		return fail(p, "row %zu: more than %zu columns", p->row, p->lim.max_columns), NULL;
	struct cell *c = &p->cells[p->ncells++];
	c->len = 0;
	c->quoted = false;
	if (c->s)
		c->s[0] = 0;
	return c;
}

static bool cell_check(struct parser *p, const struct cell *c, size_t col)
{
	for (size_t i = 0; i < c->len;) {
		size_t k = utf8_seq((const unsigned char *)c->s + i, c->len - i);
		if (!k)
			return fail(p, "row %zu, column %zu: invalid UTF-8 (byte 0x%02x at offset %zu of the cell)", p->row, col,
				    (unsigned char)c->s[i], i);
		i += k;
	}
	return true;
}

/* JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s, size_t n, bool *integral)
{
	size_t i = 0;
	*integral = true;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return false;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return false;
	if (i < n && s[i] == '.') {
		*integral = false;
		size_t j = ++i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == j)
			return false;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		*integral = false;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t j = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == j)
			return false;
	}
	return i == n;
}

static json_t *typed(const struct cell *c)
{
	if (c->quoted)
		return json_stringn(c->s ? c->s : "", c->len);
	if (c->len == 0)
		return json_null();
	if (strcmp(c->s, "true") == 0)
		return json_true();
	if (strcmp(c->s, "false") == 0)
		return json_false();
	bool integral;
	if (is_json_number(c->s, c->len, &integral)) {
		errno = 0;
		if (integral) {
			long long v = strtoll(c->s, NULL, 10);
			if (errno == 0)
				return json_integer(v);
			errno = 0;
		}
		double d = strtod(c->s, NULL);
		if (isfinite(d) && errno == 0)
			return json_real(d);
	}
	return json_stringn(c->s, c->len);
}

static bool end_record(struct parser *p)
{
	/* a blank line (one empty unquoted cell) is no record */
	if (p->ncells == 1 && p->cells[0].len == 0 && !p->cells[0].quoted) {
		p->ncells = 0;
		return true;
	}
	for (size_t i = 0; i < p->ncells; i++)
		if (!cell_check(p, &p->cells[i], i + 1))
			return false;
	if (!p->header) {
		p->header = json_array();
		if (!p->header)
			return fail(p, "out of memory");
		for (size_t i = 0; i < p->ncells; i++) {
			const struct cell *c = &p->cells[i];
			if (c->len == 0)
				return fail(p, "row 1, column %zu: the header names no column", i + 1);
			for (size_t j = 0; j < i; j++)
				if (p->cells[j].len == c->len && memcmp(p->cells[j].s, c->s, c->len) == 0)
					return fail(p, "row 1, column %zu: the column \"%.100s\" is named twice", i + 1, c->s);
			if (memchr(c->s, 0, c->len))
				return fail(p, "row 1, column %zu: a column name holds a NUL character", i + 1);
			if (json_array_append_new(p->header, json_stringn(c->s, c->len)) < 0)
				return fail(p, "out of memory");
		}
	} else {
		if (p->row - 1 > p->lim.max_rows)
			return fail(p, "row %zu: more than %zu data rows", p->row, p->lim.max_rows);
		size_t ncols = json_array_size(p->header);
		if (p->ncells != ncols)
			return fail(p, "row %zu: %zu cells, but the header has %zu columns", p->row, p->ncells, ncols);
		json_t *o = json_object();
		if (!o || json_array_append_new(p->rows, o) < 0)
			return fail(p, "out of memory");
		for (size_t i = 0; i < ncols; i++) {
			json_t *v = typed(&p->cells[i]);
			if (!v || json_object_set_new(o, json_string_value(json_array_get(p->header, i)), v) < 0)
				return fail(p, "out of memory");
		}
	}
	p->row++;
	p->ncells = 0;
	return true;
}

json_t *csv_to_json(const char *data, size_t len, const struct csv_limits *lim, char *err, size_t errlen)
{
	struct parser p = {.err = err, .errlen = errlen, .row = 1};
	if (lim)
		p.lim = *lim;
	if (!p.lim.max_rows)
		p.lim.max_rows = CSV_MAX_ROWS;
	if (!p.lim.max_columns)
		p.lim.max_columns = CSV_MAX_COLUMNS;
	if (!p.lim.max_cell)
		p.lim.max_cell = CSV_MAX_CELL;
	p.rows = json_array();
	bool ok = p.rows != NULL || fail(&p, "out of memory");
	size_t i = 0;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	struct cell *c = NULL;
	bool in_quotes = false, after_quote = false;
	while (ok && i < len) {
		char ch = data[i++];
		if (!c && !(c = cell_new(&p))) {
			ok = false;
			break;
		}
		if (in_quotes) {
			if (ch == '"') {
				if (i < len && data[i] == '"') {
					ok = cell_put(&p, c, '"');
					i++;
				} else {
					in_quotes = false;
					after_quote = true;
				}
			} else
				ok = cell_put(&p, c, ch);
			continue;
		}
		if (ch == ',') {
			c = cell_new(&p);
			ok = c != NULL;
			after_quote = false;
		} else if (ch == '\n' || ch == '\r') {
			if (ch == '\r' && i < len && data[i] == '\n')
				i++;
			ok = end_record(&p);
			c = NULL;
			after_quote = false;
		} else if (ch == '"' && c->len == 0 && !c->quoted) {
			c->quoted = true;
			in_quotes = true;
		} else if (after_quote || ch == '"') {
			ok = fail(&p, "row %zu, column %zu: a quote inside a cell that is not quoted as a whole (write \"\" in a "
				      "quoted cell)", p.row, p.ncells);
		} else
			ok = cell_put(&p, c, ch);
	}
	if (ok && in_quotes)
		ok = fail(&p, "row %zu, column %zu: a quoted cell is not closed", p.row, p.ncells);
	if (ok && c)
		ok = end_record(&p);
	if (ok && !p.header)
		ok = fail(&p, "the file is empty: a CSV file needs a header row");
	for (size_t k = 0; k < p.capcells; k++)
		free(p.cells[k].s);
	free(p.cells);
	json_decref(p.header);
	if (!ok) {
		json_decref(p.rows);
		return NULL;
	}
	return p.rows;
}

int csv_locate(const json_t *rows, const char *loc, size_t *row, size_t *col)
{
	if (loc[0] != '/' || loc[1] < '0' || loc[1] > '9')
		return -1;
	char *end;
	unsigned long n = strtoul(loc + 1, &end, 10);
	const json_t *obj = json_array_get(rows, n);
	if (!obj || (*end && *end != '/'))
		return -1;
	*row = n + 2;
	*col = 0;
	if (!*end)
		return 0;
	/* the column's name: the pointer's next token, ~1 and ~0 unescaped */
	const char *tok = end + 1;
	size_t len = strcspn(tok, "/");
	char *name = malloc(len + 1);
	if (!name)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		if (tok[i] == '~' && i + 1 < len && (tok[i + 1] == '0' || tok[i + 1] == '1'))
			name[o++] = tok[++i] == '0' ? '~' : '/';
		else
			name[o++] = tok[i];
	}
	name[o] = 0;
	size_t k = 0;
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		k++;
		if (strcmp(key, name) == 0) {
			*col = k;
			break;
		}
	}
	free(name);
	return *col ? 0 : -1;
}
