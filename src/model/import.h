/* import.h - the import of the Django app's users and messages (docs/import.md): the
 * SQL of `llmmeta import-django`.
 *
 * The source database is opened read-only (import_open_source) and read through the
 * db layer, SQLite or PostgreSQL alike. Each Django user is imported in one
 * transaction with their conversations, messages and files, so that an interrupted
 * import can be run again: a user imported before (users.import_id) is skipped
 * whole, and a username or e-mail address that belongs to someone here is reported,
 * never merged. */
#ifndef LLMMETA_IMPORT_H
#define LLMMETA_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/buf.h"
#include "../db/db.h"

/* A Django timestamp as milliseconds since the epoch, UTC: SQLite's text
 * ("2024-05-01 12:34:56.789012", UTC without an offset) or PostgreSQL's timestamptz
 * as text ("2024-05-01 14:34:56.789+02", "...+05:30"). Fractions past the
 * millisecond are dropped. False when s is not such a time. */
bool import_parse_time(const char *s, int64_t *ms);
/* A Django UUID (32 hex digits in SQLite, 8-4-4-4-12 in PostgreSQL, either case) in
 * the 8-4-4-4-12 lower-case form of this application's URLs. False when it is not. */
bool import_uuid(const char *s, char out[37]);

/* Opens the Django database at url (sqlite:///abs/path, sqlite://rel/path or
 * postgres://...) for reading only: a SQLite file is neither created nor changed,
 * a PostgreSQL session is read-only. NULL with the reason in err. */
db *import_open_source(const char *url, char *err, size_t errlen);

/* A file named by a Django message (its file_upload path): 1 with the file's name,
 * content type and bytes filled in, 0 when it cannot be had (why says so: missing,
 * too large...), -1 out of memory. Given by the caller, which knows where the files
 * are and which types the application accepts. */
typedef int (*import_file_fn)(void *ctx, const char *path, buf *data, const char **name, const char **type,
			      buf *why);
/* One line of the report: what was imported, skipped and why. */
typedef void (*import_note_fn)(void *ctx, const char *line);

struct import_stats {
	int64_t users, users_skipped, users_failed;
	int64_t conversations, messages, messages_skipped, files, files_missing;
};

/* Imports every user of the Django database src (auth_user) with their messages
 * (conversations) into dst. Returns 0 when it could read the source (a user that
 * failed is counted in users_failed and noted), -1 when it could not. */
int import_django(db *dst, db *src, import_file_fn load_file, import_note_fn note, void *ctx,
		  struct import_stats *st);

#endif
