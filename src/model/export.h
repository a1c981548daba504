/* export.h - every recorded message as rows for analysis: the filters (user, time
 * range, model), the rows read a batch at a time, and their CSV and JSONL forms,
 * written in one place for the web exports (/export/messages.csv, .jsonl) and
 * `llmmeta export`. See docs/export.md. */
#ifndef LLMMETA_EXPORT_H
#define LLMMETA_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../db/db.h"

#define EXPORT_NCOLUMNS 24
/* The column names, in the order every row has them. */
extern const char *const export_columns[EXPORT_NCOLUMNS];

struct export_filter {
	int64_t user_id;   /* 0: every user's messages */
	int64_t since_ms;  /* -1: no lower bound; else created_at >= since_ms */
	int64_t until_ms;  /* -1: no upper bound; else created_at < until_ms */
	const char *model; /* NULL: any model */
	int64_t conv_id;   /* 0: every conversation; else only that one's messages */
};

/* Reads a `since` (until = false) or `until` (true) value into milliseconds since
 * the epoch: an ISO date YYYY-MM-DD (UTC; `until` includes the whole day), or an
 * ISO 8601 timestamp YYYY-MM-DDTHH:MM[:SS[.fraction]] with Z, ±HH:MM or ±HHMM
 * (none: UTC; `until` includes that millisecond). false when s is not one. */
bool export_parse_time(const char *s, bool until, int64_t *ms);

/* One message. Unknown values: NULL strings, -1 integers, NAN reals. The strings
 * live until the callback returns. */
struct export_row {
	int64_t id;
	const char *conversation_id; /* the conversation's UUID */
	int64_t created_at;
	const char *username, *role, *source, *provider, *model, *status, *content;
	int64_t max_tokens;
	double temperature;
	int64_t top_k;
	double top_p;
	int64_t prompt_tokens, completion_tokens, total_tokens, elapsed_ms, ttft_ms;
	const char *finish_reason, *file_name, *file_sha256, *error;
	const char *comparison_id; /* the UUID of the comparison its conversation is a column of */
};

/* Called once per row; a negative return stops the export with that value. */
typedef int (*export_fn)(void *ctx, const struct export_row *row);

/* The next rows after message id *after (0 to start), in id order, at most limit:
 * each goes to fn and *after moves past it. Returns how many rows there were (0 at
 * the end), or -1 (or fn's negative value). No statement stays open between calls,
 * so a reader that stops between batches holds nothing in the database. */
int export_batch(db *d, const struct export_filter *f, int64_t *after, int limit, export_fn fn, void *ctx);
/* Every row, batch after batch: 0 or -1 (or fn's negative value). */
int export_each(db *d, const struct export_filter *f, export_fn fn, void *ctx);

/* The id of the user named `username` (case-insensitive): 1 found, 0 not, -1 error. */
int export_user_id(db *d, const char *username, int64_t *id);

enum export_format { EXPORT_CSV, EXPORT_JSONL };
/* What comes before the rows: the CSV header row (CRLF-terminated); nothing for JSONL. */
void export_header(buf *b, enum export_format fmt);
/* One row: an RFC 4180 record ending in CRLF (unknown values empty; a text field
 * that starts with = + - @ tab or CR gets a leading ' so that spreadsheets do not
 * run it as a formula), or one JSON object and "\n" (unknown values null). */
void export_row_write(buf *b, enum export_format fmt, const struct export_row *row);

/* Any other table written the same way (the votes of comparisons): a field's value,
 * whichever its type, so that both writers walk the same list. */
enum export_kind { K_TEXT, K_INT, K_REAL };
struct export_field {
	enum export_kind kind;
	const char *s; /* K_TEXT; NULL unknown */
	int64_t i;     /* K_INT; < 0 unknown */
	double r;      /* K_REAL; NAN unknown */
};
#define EXPORT_TEXT(x) ((struct export_field){.kind = K_TEXT, .s = (x)})
#define EXPORT_INT(x) ((struct export_field){.kind = K_INT, .i = (x)})
#define EXPORT_REAL(x) ((struct export_field){.kind = K_REAL, .r = (x)})
/* The CSV header row of the n columns names (nothing for JSONL). */
void export_names_header(buf *b, enum export_format fmt, const char *const *names, int n);
/* One record of n fields named names, as export_row_write writes a message's. */
void export_fields_write(buf *b, enum export_format fmt, const char *const *names, const struct export_field *f, int n);

#endif
