/* export_format.c - a message as a CSV record or a JSON line (see export.h). The
 * one place both forms are written, for the web and the command line. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../core/jsonw.h"
#include "../core/util.h"
#include "export.h"

const char *const export_columns[EXPORT_NCOLUMNS] = {
	"id", "conversation_id", "created_at", "username", "role", "source", "provider", "model",
	"status", "content", "max_tokens", "temperature", "top_k", "top_p", "prompt_tokens",
	"completion_tokens", "total_tokens", "elapsed_ms", "ttft_ms", "finish_reason", "file_name",
	"file_sha256", "error", "comparison_id",
};

static void fields_of(const struct export_row *w, struct export_field f[EXPORT_NCOLUMNS], char created[32])
{
	fmt_iso8601(created, w->created_at);
#define T(x) EXPORT_TEXT(x)
#define I(x) EXPORT_INT(x)
#define R(x) EXPORT_REAL(x)
	struct export_field all[EXPORT_NCOLUMNS] = {
		I(w->id), T(w->conversation_id), T(created), T(w->username), T(w->role), T(w->source),
		T(w->provider), T(w->model), T(w->status), T(w->content), I(w->max_tokens), R(w->temperature),
		I(w->top_k), R(w->top_p), I(w->prompt_tokens), I(w->completion_tokens), I(w->total_tokens),
		I(w->elapsed_ms), I(w->ttft_ms), T(w->finish_reason), T(w->file_name), T(w->file_sha256), T(w->error),
		T(w->comparison_id),
	};
#undef T
#undef I
#undef R
	memcpy(f, all, sizeof all);
}

/* OWASP's advice on CSV injection: a cell that starts with one of these is a
 * formula to a spreadsheet, so it is made text with a leading quote. */
static bool formula_start(char c)
{
	return c && strchr("=+-@\t\r", c);
}

/* Where a spreadsheet may start a new cell: the separators of the common locales
 * (',' here; ';' where the decimal point is a comma; tab) and a line break. Opened
 * with another separator than ours, the file is split at these regardless of our
 * quotes, so each part is guarded as if it began a cell. */
#define CSV_CELL_BREAKS ",;\t\r\n"

static void csv_text(buf *b, const char *s)
{
	if (!formula_start(s[0]) && !strpbrk(s, CSV_CELL_BREAKS "\"")) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	const char *run = s; /* the bytes not yet written */
	for (const char *p = s; *p; p++) {
		/* A part after a separator: a tab or CR there is a separator itself, and the
		 * part after it is looked at in turn. */
		if (p == s ? formula_start(*p) : strchr(CSV_CELL_BREAKS, p[-1]) && strchr("=+-@", *p)) {
			buf_append(b, run, (size_t)(p - run));
			buf_putc(b, '\'');
			run = p;
		}
		if (*p == '"') {
			buf_append(b, run, (size_t)(p + 1 - run));
			buf_putc(b, '"'); /* quotes doubled */
			run = p + 1;
		}
	}
	buf_puts(b, run);
	buf_putc(b, '"');
}

void export_names_header(buf *b, enum export_format fmt, const char *const *names, int n)
{
	if (fmt != EXPORT_CSV)
		return;
	for (int i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		buf_puts(b, names[i]);
	}
	buf_puts(b, "\r\n");
}

void export_header(buf *b, enum export_format fmt) { export_names_header(b, fmt, export_columns, EXPORT_NCOLUMNS); }

void export_fields_write(buf *b, enum export_format fmt, const char *const *names, const struct export_field *f, int n)
{
	bool csv = fmt == EXPORT_CSV;
	if (!csv)
		buf_putc(b, '{');
	for (int i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		if (!csv) {
			buf_putc(b, '"');
			buf_puts(b, names[i]);
			buf_puts(b, "\":");
		}
		bool unknown = f[i].kind == K_TEXT ? !f[i].s : f[i].kind == K_INT ? f[i].i < 0 : !isfinite(f[i].r);
		if (unknown) {
			if (!csv)
				buf_puts(b, "null");
		} else if (f[i].kind == K_INT) {
			buf_printf(b, "%lld", (long long)f[i].i);
		} else if (f[i].kind == K_REAL) {
			jsonw_real(b, f[i].r);
		} else if (csv) {
			csv_text(b, f[i].s);
		} else {
			jsonw_string(b, f[i].s, strlen(f[i].s));
		}
	}
	buf_puts(b, csv ? "\r\n" : "}\n");
}

void export_row_write(buf *b, enum export_format fmt, const struct export_row *row)
{
	struct export_field f[EXPORT_NCOLUMNS];
	char created[32];
	fields_of(row, f, created);
	export_fields_write(b, fmt, export_columns, f, EXPORT_NCOLUMNS);
}
