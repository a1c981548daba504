/* migrate.c - the schema, as numbered migrations. A released migration is never
 * edited: change the schema by appending a new one.
 *
 * The SQL is portable but for three words the dialects spell differently, written
 * here as {ID} (an auto-increment primary key), {BLOB} and {REAL}; where a change
 * must be made differently (SQLite cannot alter a CHECK constraint: it rebuilds the
 * table), the text between {SQLITE} and {END}, or {POSTGRES} and {END}, runs only
 * on that backend. Timestamps are BIGINT milliseconds since the epoch, UTC;
 * booleans are INTEGER 0/1. */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>

#include "../core/buf.h"
#include "../core/log.h"
#include "../core/util.h"

static const char *const migrations[] = {
	/* 1: users, sessions, login throttling, conversations, messages with all their
	 * metadata, uploads, and the health check's keep-alive table. */
	"CREATE TABLE users ("
	" id {ID},"
	" username TEXT NOT NULL,"
	" email TEXT NOT NULL DEFAULT '',"
	" password_hash TEXT NOT NULL DEFAULT '',"
	" is_admin INTEGER NOT NULL DEFAULT 0,"
	" is_active INTEGER NOT NULL DEFAULT 1,"
	" created_at BIGINT NOT NULL,"
	" last_login BIGINT);"
	"CREATE UNIQUE INDEX users_username_ci ON users (lower(username));"
	"CREATE UNIQUE INDEX users_email_ci ON users (lower(email)) WHERE email <> '';"

	"CREATE TABLE sessions ("
	" id {ID},"
	" token_hash TEXT NOT NULL UNIQUE,"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL);"
	"CREATE INDEX sessions_user ON sessions (user_id);"

	"CREATE TABLE login_failures ("
	" id {ID},"
	" scope TEXT NOT NULL,"
	" at BIGINT NOT NULL);"
	"CREATE INDEX login_failures_scope ON login_failures (scope, at);"

	"CREATE TABLE conversations ("
	" id {ID},"
	" uuid TEXT NOT NULL UNIQUE,"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" title TEXT NOT NULL DEFAULT '',"
	" source TEXT NOT NULL DEFAULT 'web' CHECK (source IN ('web','api','import')),"
	" created_at BIGINT NOT NULL,"
	" updated_at BIGINT NOT NULL);"
	"CREATE INDEX conversations_user ON conversations (user_id, updated_at);"

	"CREATE TABLE uploads ("
	" id {ID},"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" size BIGINT NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" content_type TEXT NOT NULL,"
	" data {BLOB} NOT NULL,"
	" created_at BIGINT NOT NULL);"
	"CREATE INDEX uploads_user ON uploads (user_id);"

	"CREATE TABLE messages ("
	" id {ID},"
	" conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" role TEXT NOT NULL CHECK (role IN ('user','assistant','system')),"
	" content TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" provider TEXT,"
	" model TEXT,"
	" model_reported TEXT,"
	" max_tokens INTEGER,"
	" temperature {REAL},"
	" top_k INTEGER,"
	" top_p {REAL},"
	" prompt_tokens INTEGER,"
	" completion_tokens INTEGER,"
	" total_tokens INTEGER,"
	" elapsed_ms BIGINT,"
	" ttft_ms BIGINT,"
	" finish_reason TEXT,"
	" status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok','error','cancelled')),"
	" error TEXT,"
	" source TEXT NOT NULL DEFAULT 'web' CHECK (source IN ('web','api','import')),"
	" upload_id BIGINT REFERENCES uploads(id) ON DELETE SET NULL);"
	"CREATE INDEX messages_conversation ON messages (conversation_id, id);"
	"CREATE INDEX messages_user_created ON messages (user_id, created_at);"
	"CREATE INDEX messages_created ON messages (created_at);"

	"CREATE TABLE keepalive ("
	" id {ID},"
	" at BIGINT NOT NULL);",

	/* 2: each user's saved prompts for the ask form. */
	"CREATE TABLE saved_prompts ("
	" id {ID},"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" title TEXT NOT NULL,"
	" text TEXT NOT NULL,"
	" created_at BIGINT NOT NULL);"
	"CREATE INDEX saved_prompts_user ON saved_prompts (user_id, id);",

	/* 3: an answer as it is shown, made once when it is stored rather than on every
	 * page view, with the version of what made it (the web layer re-makes it when
	 * that changes). Opaque text to the database and the model. */
	"ALTER TABLE messages ADD COLUMN rendered TEXT;"
	"ALTER TABLE messages ADD COLUMN rendered_version INTEGER;",

	/* 4: a question whose answer never came because the server stopped is marked
	 * 'interrupted' (status), and the role 'tool' is allowed for API traffic. A
	 * question in flight names the running instance that owns it (instance_id,
	 * cleared when its outcome is recorded), and instances keep a lease, so that a
	 * restart, or a surviving instance, can tell a question in flight from one whose
	 * instance died. Questions left unanswered by a crash before this version (the
	 * message after them is not their answer) are marked now. */
	"CREATE TABLE instances ("
	" id {ID},"
	" host TEXT NOT NULL,"
	" pid BIGINT NOT NULL,"
	" started_at BIGINT NOT NULL,"
	" seen_at BIGINT NOT NULL);"
	"{SQLITE}"
	"CREATE TABLE messages_v4 ("
	" id {ID},"
	" conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" role TEXT NOT NULL CHECK (role IN ('user','assistant','system','tool')),"
	" content TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" provider TEXT,"
	" model TEXT,"
	" model_reported TEXT,"
	" max_tokens INTEGER,"
	" temperature {REAL},"
	" top_k INTEGER,"
	" top_p {REAL},"
	" prompt_tokens INTEGER,"
	" completion_tokens INTEGER,"
	" total_tokens INTEGER,"
	" elapsed_ms BIGINT,"
	" ttft_ms BIGINT,"
	" finish_reason TEXT,"
	" status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok','error','cancelled','interrupted')),"
	" error TEXT,"
	" source TEXT NOT NULL DEFAULT 'web' CHECK (source IN ('web','api','import')),"
	" upload_id BIGINT REFERENCES uploads(id) ON DELETE SET NULL,"
	" rendered TEXT,"
	" rendered_version INTEGER,"
	" instance_id BIGINT);"
	"INSERT INTO messages_v4 SELECT id, conversation_id, user_id, role, content, created_at, provider, model,"
	" model_reported, max_tokens, temperature, top_k, top_p, prompt_tokens, completion_tokens, total_tokens,"
	" elapsed_ms, ttft_ms, finish_reason, status, error, source, upload_id, rendered, rendered_version, NULL"
	" FROM messages;"
	"DROP TABLE messages;"
	"ALTER TABLE messages_v4 RENAME TO messages;"
	"CREATE INDEX messages_conversation ON messages (conversation_id, id);"
	"CREATE INDEX messages_user_created ON messages (user_id, created_at);"
	"CREATE INDEX messages_created ON messages (created_at);"
	"{END}"
	"{POSTGRES}"
	"ALTER TABLE messages DROP CONSTRAINT messages_role_check, DROP CONSTRAINT messages_status_check;"
	"ALTER TABLE messages ADD CONSTRAINT messages_role_check CHECK (role IN ('user','assistant','system','tool')),"
	" ADD CONSTRAINT messages_status_check CHECK (status IN ('ok','error','cancelled','interrupted'));"
	"ALTER TABLE messages ADD COLUMN instance_id BIGINT;"
	"{END}"
	"CREATE INDEX messages_in_flight ON messages (instance_id) WHERE instance_id IS NOT NULL;"
	"UPDATE messages SET status = 'interrupted', error = 'The server stopped before the answer was complete.'"
	" WHERE role = 'user' AND status = 'ok' AND COALESCE((SELECT n.role FROM messages n"
	" WHERE n.conversation_id = messages.conversation_id AND n.id > messages.id ORDER BY n.id LIMIT 1), '')"
	" <> 'assistant';",

	/* 5: a counter that every change to a conversation's messages increments, so
	 * that a page rendered from them can be kept and known stale (docs/architecture.md). */
	"ALTER TABLE conversations ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;",

	/* 6: full-text search of the messages (docs/search.md). SQLite: an FTS5 table
	 * reading its text from messages (external content), kept in step by triggers,
	 * and built once here from the existing rows. PostgreSQL: a tsvector column the
	 * database computes from the content ('simple': no stemming, no stop words, as
	 * FTS5's unicode61), with a GIN index. */
	"{SQLITE}"
	"CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='id',"
	" tokenize='unicode61 remove_diacritics 2');"
	"CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
	" INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;"
	"CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
	" INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content); END;"
	"CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN"
	" INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);"
	" INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;"
	"INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');"
	"{END}"
	"{POSTGRES}"
	"ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED;"
	"CREATE INDEX messages_search ON messages USING GIN (search);"
	"{END}",

	/* 7: what the import from the Django app keeps (docs/import.md): an answer's old
	 * `token_usage`, which was a count of words and so is never put with the tokens a
	 * provider reports; and the Django row each imported user and message came from,
	 * so that importing again adds nothing. */
	"ALTER TABLE messages ADD COLUMN words INTEGER;"
	"ALTER TABLE messages ADD COLUMN import_id BIGINT;"
	"ALTER TABLE users ADD COLUMN import_id BIGINT;"
	"CREATE UNIQUE INDEX messages_import ON messages (user_id, import_id) WHERE import_id IS NOT NULL;",

	/* 8: password reset by e-mail (docs/accounts.md): a single-use token per request,
	 * of which only the SHA-256 is kept; used_at is set once, by the use that wins. */
	"CREATE TABLE password_resets ("
	" id {ID},"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" token_hash TEXT NOT NULL UNIQUE,"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT NOT NULL,"
	" used_at BIGINT);"
	"CREATE INDEX password_resets_user ON password_resets (user_id);"
	"CREATE INDEX password_resets_expires ON password_resets (expires_at);",

	/* 9: the OpenAI-compatible API (docs/api.md). API keys, stored as the SHA-256
	 * of the key (the key itself is shown once); calls and last use counted by the
	 * writer that records the calls. A call's question keeps the whole request body
	 * as the client sent it (request_json), its answer the tool calls (JSON), and
	 * both the key that made it. */
	"CREATE TABLE api_keys ("
	" id {ID},"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL,"
	" prefix TEXT NOT NULL,"
	" key_hash TEXT NOT NULL UNIQUE,"
	" created_at BIGINT NOT NULL,"
	" expires_at BIGINT,"
	" last_used_at BIGINT,"
	" calls BIGINT NOT NULL DEFAULT 0,"
	" revoked_at BIGINT);"
	"CREATE INDEX api_keys_user ON api_keys (user_id, id);"
	"ALTER TABLE messages ADD COLUMN request_json TEXT;"
	"ALTER TABLE messages ADD COLUMN tool_calls TEXT;"
	"ALTER TABLE messages ADD COLUMN api_key_id BIGINT REFERENCES api_keys(id) ON DELETE SET NULL;",

	/* 10: sign-in with Google, GitHub or an OpenID Connect issuer (docs/sign-in.md).
	 * An identity is a provider's account (provider, subject) linked to one user,
	 * with the e-mail it gave when linked. A sign-in in progress is a row of
	 * oauth_states, found by the SHA-256 of its `state` and deleted when used, so a
	 * state works once; it holds the nonce and PKCE verifier, where to go next, and
	 * the SHA-256 of the cookie that binds it to the browser that started it. */
	"CREATE TABLE identities ("
	" id {ID},"
	" provider TEXT NOT NULL,"
	" subject TEXT NOT NULL,"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" email TEXT NOT NULL DEFAULT '',"
	" created_at BIGINT NOT NULL,"
	" last_used BIGINT NOT NULL,"
	" UNIQUE (provider, subject));"
	"CREATE INDEX identities_user ON identities (user_id);"
	"CREATE TABLE oauth_states ("
	" state_hash TEXT PRIMARY KEY,"
	" browser_hash TEXT NOT NULL,"
	" provider TEXT NOT NULL,"
	" nonce TEXT NOT NULL,"
	" verifier TEXT NOT NULL,"
	" next TEXT NOT NULL,"
	" link_user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,"
	" addr TEXT NOT NULL,"
	" expires_at BIGINT NOT NULL);"
	"CREATE INDEX oauth_states_expires ON oauth_states (expires_at);"
	"CREATE INDEX oauth_states_addr ON oauth_states (addr, expires_at);",

	/* 11: the admin panel (docs/admin.md). The log of every administrator's change,
	 * which names the administrator and the object by text too, so that it still
	 * says who did what once either is deleted. And the indexes of the admin's list
	 * of all messages: one per filter and sort column, each ending in id, so that a
	 * page of 50 in any order (ties broken by id) or under any one filter is read in
	 * index order and stops after 50, whatever the size of the table. content sorts
	 * by its first 50 characters. */
	"CREATE TABLE admin_log ("
	" id {ID},"
	" at BIGINT NOT NULL,"
	" admin_id BIGINT REFERENCES users(id) ON DELETE SET NULL,"
	" admin_name TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" object_type TEXT NOT NULL,"
	" object_id BIGINT,"
	" object_label TEXT NOT NULL DEFAULT '',"
	" field TEXT,"
	" old_value TEXT,"
	" new_value TEXT);"
	"CREATE INDEX admin_log_admin ON admin_log (admin_name, id);"
	"CREATE INDEX admin_log_action ON admin_log (action, id);"
	"CREATE INDEX messages_role_id ON messages (role, id);"
	"CREATE INDEX messages_status_id ON messages (status, id);"
	"CREATE INDEX messages_source_id ON messages (source, id);"
	"CREATE INDEX messages_user_id ON messages (user_id, id);"
	"CREATE INDEX messages_content_id ON messages ((substr(content, 1, 50)), id);"
	/* Columns that may be NULL sort it first going up and last going down, as
	 * SQLite does by itself; PostgreSQL is told so (in the index and the query). */
	"{SQLITE}"
	"CREATE INDEX messages_model_id ON messages (model, id);"
	"CREATE INDEX messages_tokens_id ON messages (total_tokens, id);"
	"CREATE INDEX messages_elapsed_id ON messages (elapsed_ms, id);"
	"{END}"
	"{POSTGRES}"
	"CREATE INDEX messages_model_id ON messages (model NULLS FIRST, id);"
	"CREATE INDEX messages_tokens_id ON messages (total_tokens NULLS FIRST, id);"
	"CREATE INDEX messages_elapsed_id ON messages (elapsed_ms NULLS FIRST, id);"
	/* SQLite's messages_created already ends in the rowid, which is id. */
	"CREATE INDEX messages_created_id ON messages (created_at, id);"
	"{END}",

	/* 12: whether the account's e-mail is proven (docs/accounts.md, "Verified
	 * e-mail"): a sign-in with a provider links to an account by its e-mail only
	 * when it is, so that whoever signs up with someone else's address first does
	 * not get their provider sign-in. Unproven for every existing account (signup
	 * and the Django import never checked the mailbox), except one a provider
	 * sign-in made: it got the provider's verified address, which its identity
	 * still has, and no password. */
	"ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;"
	"UPDATE users SET email_verified = 1 WHERE email <> '' AND password_hash = '' AND EXISTS"
	" (SELECT 1 FROM identities i WHERE i.user_id = users.id AND lower(i.email) = lower(users.email));",

	/* 13: the source 'api-embeddings' (docs/api.md, "Embeddings"): a call of
	 * /v1/embeddings is recorded as a question and answer like a chat completion,
	 * and told apart from one by its source. SQLite cannot alter the CHECK: the
	 * table is rebuilt as it stands (the columns in the same order, so rows copy
	 * as they are, ids and so the full-text index's rowids kept), with its indexes
	 * and the full-text triggers, which go with the old table. */
	"{SQLITE}"
	"CREATE TABLE messages_v13 ("
	" id {ID},"
	" conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" role TEXT NOT NULL CHECK (role IN ('user','assistant','system','tool')),"
	" content TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" provider TEXT,"
	" model TEXT,"
	" model_reported TEXT,"
	" max_tokens INTEGER,"
	" temperature {REAL},"
	" top_k INTEGER,"
	" top_p {REAL},"
	" prompt_tokens INTEGER,"
	" completion_tokens INTEGER,"
	" total_tokens INTEGER,"
	" elapsed_ms BIGINT,"
	" ttft_ms BIGINT,"
	" finish_reason TEXT,"
	" status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok','error','cancelled','interrupted')),"
	" error TEXT,"
	" source TEXT NOT NULL DEFAULT 'web' CHECK (source IN ('web','api','api-embeddings','import')),"
	" upload_id BIGINT REFERENCES uploads(id) ON DELETE SET NULL,"
	" rendered TEXT,"
	" rendered_version INTEGER,"
	" instance_id BIGINT,"
	" words INTEGER,"
	" import_id BIGINT,"
	" request_json TEXT,"
	" tool_calls TEXT,"
	" api_key_id BIGINT REFERENCES api_keys(id) ON DELETE SET NULL);"
	"INSERT INTO messages_v13 SELECT * FROM messages;"
	"DROP TABLE messages;"
	"ALTER TABLE messages_v13 RENAME TO messages;"
	"CREATE INDEX messages_conversation ON messages (conversation_id, id);"
	"CREATE INDEX messages_user_created ON messages (user_id, created_at);"
	"CREATE INDEX messages_created ON messages (created_at);"
	"CREATE INDEX messages_in_flight ON messages (instance_id) WHERE instance_id IS NOT NULL;"
	"CREATE UNIQUE INDEX messages_import ON messages (user_id, import_id) WHERE import_id IS NOT NULL;"
	"CREATE INDEX messages_role_id ON messages (role, id);"
	"CREATE INDEX messages_status_id ON messages (status, id);"
	"CREATE INDEX messages_source_id ON messages (source, id);"
	"CREATE INDEX messages_user_id ON messages (user_id, id);"
	"CREATE INDEX messages_content_id ON messages ((substr(content, 1, 50)), id);"
	"CREATE INDEX messages_model_id ON messages (model, id);"
	"CREATE INDEX messages_tokens_id ON messages (total_tokens, id);"
	"CREATE INDEX messages_elapsed_id ON messages (elapsed_ms, id);"
	"CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
	" INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;"
	"CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
	" INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content); END;"
	"CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN"
	" INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);"
	" INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;"
	"{END}"
	"{POSTGRES}"
	"ALTER TABLE messages DROP CONSTRAINT messages_source_check;"
	"ALTER TABLE messages ADD CONSTRAINT messages_source_check"
	" CHECK (source IN ('web','api','api-embeddings','import'));"
	"{END}",

	/* 14: the source 'api-responses' (docs/api.md, "Responses"): a call of
	 * /v1/responses is recorded as a question and answer like a chat completion,
	 * told apart by its source; the messages table is rebuilt on SQLite as for 13.
	 * A stored response (store, the default) is also a row of api_responses: what
	 * GET /v1/responses/{id} returns, the input items of input_items, and the
	 * conversation as items (context), which previous_response_id continues
	 * without reading the messages back. It goes with its conversation. The
	 * question and answer are not foreign keys: a later rebuild of messages (as
	 * above) must not cascade into it. */
	"{SQLITE}"
	"CREATE TABLE messages_v14 ("
	" id {ID},"
	" conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" role TEXT NOT NULL CHECK (role IN ('user','assistant','system','tool')),"
	" content TEXT NOT NULL,"
	" created_at BIGINT NOT NULL,"
	" provider TEXT,"
	" model TEXT,"
	" model_reported TEXT,"
	" max_tokens INTEGER,"
	" temperature {REAL},"
	" top_k INTEGER,"
	" top_p {REAL},"
	" prompt_tokens INTEGER,"
	" completion_tokens INTEGER,"
	" total_tokens INTEGER,"
	" elapsed_ms BIGINT,"
	" ttft_ms BIGINT,"
	" finish_reason TEXT,"
	" status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok','error','cancelled','interrupted')),"
	" error TEXT,"
	" source TEXT NOT NULL DEFAULT 'web' CHECK (source IN ('web','api','api-embeddings','api-responses','import')),"
	" upload_id BIGINT REFERENCES uploads(id) ON DELETE SET NULL,"
	" rendered TEXT,"
	" rendered_version INTEGER,"
	" instance_id BIGINT,"
	" words INTEGER,"
	" import_id BIGINT,"
	" request_json TEXT,"
	" tool_calls TEXT,"
	" api_key_id BIGINT REFERENCES api_keys(id) ON DELETE SET NULL);"
	"INSERT INTO messages_v14 SELECT * FROM messages;"
	"DROP TABLE messages;"
	"ALTER TABLE messages_v14 RENAME TO messages;"
	"CREATE INDEX messages_conversation ON messages (conversation_id, id);"
	"CREATE INDEX messages_user_created ON messages (user_id, created_at);"
	"CREATE INDEX messages_created ON messages (created_at);"
	"CREATE INDEX messages_in_flight ON messages (instance_id) WHERE instance_id IS NOT NULL;"
	"CREATE UNIQUE INDEX messages_import ON messages (user_id, import_id) WHERE import_id IS NOT NULL;"
	"CREATE INDEX messages_role_id ON messages (role, id);"
	"CREATE INDEX messages_status_id ON messages (status, id);"
	"CREATE INDEX messages_source_id ON messages (source, id);"
	"CREATE INDEX messages_user_id ON messages (user_id, id);"
	"CREATE INDEX messages_content_id ON messages ((substr(content, 1, 50)), id);"
	"CREATE INDEX messages_model_id ON messages (model, id);"
	"CREATE INDEX messages_tokens_id ON messages (total_tokens, id);"
	"CREATE INDEX messages_elapsed_id ON messages (elapsed_ms, id);"
	"CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN"
	" INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;"
	"CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
	" INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content); END;"
	"CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN"
	" INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);"
	" INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content); END;"
	"{END}"
	"{POSTGRES}"
	"ALTER TABLE messages DROP CONSTRAINT messages_source_check;"
	"ALTER TABLE messages ADD CONSTRAINT messages_source_check"
	" CHECK (source IN ('web','api','api-embeddings','api-responses','import'));"
	"{END}"
	"CREATE TABLE api_responses ("
	" id TEXT PRIMARY KEY,"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
	" question_id BIGINT,"
	" answer_id BIGINT,"
	" created_at BIGINT NOT NULL,"
	" response TEXT NOT NULL,"
	" input_items TEXT NOT NULL,"
	" context TEXT NOT NULL);"
	"CREATE INDEX api_responses_conversation ON api_responses (conversation_id);",
	/* 15: the calls each user has in flight on each running instance, so that
	 * MAX_ASKS_PER_USER holds across instances sharing a PostgreSQL database
	 * (model/call_place.h). A row belongs to an instance's lease: it goes with the
	 * lease when the instance stops or is found dead. Unused on SQLite, which one
	 * instance serves and counts in memory. */
	"CREATE TABLE call_places ("
	" instance_id BIGINT NOT NULL,"
	" user_id BIGINT NOT NULL,"
	" n INTEGER NOT NULL,"
	" PRIMARY KEY (user_id, instance_id));",
	/* 16: a comparison (docs/compare.md): one question asked of several columns at
	 * once, each column a conversation of its own. The columns are linked through
	 * their own table rather than a column of messages, and keep their model and
	 * parameters, so that a vote still counts for its models when a column's
	 * conversation is deleted. label is the column's letter as shown (shuffled when
	 * blind); winner a label, 'tie' or 'all_bad', once voted. */
	"CREATE TABLE comparisons ("
	" id {ID},"
	" uuid TEXT NOT NULL UNIQUE,"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" created_at BIGINT NOT NULL,"
	" question TEXT NOT NULL,"
	" blind INTEGER NOT NULL DEFAULT 0,"
	" arena INTEGER NOT NULL DEFAULT 0,"
	" winner TEXT,"
	" voted_at BIGINT);"
	"CREATE INDEX comparisons_user ON comparisons (user_id, id);"
	"CREATE INDEX comparisons_voted ON comparisons (voted_at) WHERE winner IS NOT NULL;"
	"CREATE TABLE comparison_columns ("
	" comparison_id BIGINT NOT NULL REFERENCES comparisons(id) ON DELETE CASCADE,"
	" position INTEGER NOT NULL,"
	" label TEXT NOT NULL,"
	" conversation_id BIGINT REFERENCES conversations(id) ON DELETE SET NULL,"
	" provider TEXT NOT NULL,"
	" model TEXT NOT NULL,"
	" max_tokens INTEGER,"
	" temperature {REAL},"
	" top_k INTEGER,"
	" top_p {REAL},"
	" PRIMARY KEY (comparison_id, position));"
	"CREATE INDEX comparison_columns_conversation ON comparison_columns (conversation_id);",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int db_schema_version(void) { return NMIGRATIONS; }

static char *dialect(db *d, const char *sql)
{
	bool pg = db_backend(d) == DB_POSTGRES;
	static const char *const words[][3] = {
		{"{ID}", "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
		{"{BLOB}", "BLOB", "BYTEA"},
		{"{REAL}", "REAL", "DOUBLE PRECISION"},
	};
	buf b = BUF_INIT;
	for (const char *s = sql; *s;) {
		/* A section for one backend: kept on it, skipped on the other. */
		bool mine_sqlite = str_starts(s, "{SQLITE}"), mine_pg = str_starts(s, "{POSTGRES}");
		if (mine_sqlite || mine_pg) {
			const char *end = strstr(s, "{END}");
			if (!end)
				break;
			if (mine_pg != pg)
				s = end + 5;
			else
				s += mine_pg ? 10 : 8;
			continue;
		}
		if (str_starts(s, "{END}")) {
			s += 5;
			continue;
		}
		bool hit = false;
		for (size_t i = 0; i < sizeof words / sizeof words[0] && *s == '{'; i++) {
			if (str_starts(s, words[i][0])) {
				buf_puts(&b, words[i][pg ? 2 : 1]);
				s += strlen(words[i][0]);
				hit = true;
				break;
			}
		}
		if (!hit)
			buf_putc(&b, *s++);
	}
	return buf_detach(&b, NULL);
}

static int apply(db *d, int version)
{
	char *sql = dialect(d, migrations[version - 1]);
	if (!sql) {
		db_set_err(d, "out of memory");
		return -1;
	}
	int rc = db_begin(d);
	int64_t done = 0;
	if (rc == 0)
		rc = db_query_int(d, "SELECT count(*) FROM schema_migrations WHERE version = ?",
				  DB_ARGS(db_v_int(version)), &done) < 0 ? -1 : 0;
	if (rc == 0 && !done) {
		rc = db_exec_script(d, sql);
		if (rc == 0)
			rc = db_exec(d, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
				     DB_ARGS(db_v_int(version), db_v_int(now_ms()))) < 0 ? -1 : 0;
	}
	free(sql);
	if (rc < 0) {
		db_rollback(d);
		return -1;
	}
	if (db_commit(d) < 0)
		return -1;
	return done ? 0 : 1;
}

/* The lock every instance takes to migrate: one migrates, the others wait for it,
 * then find nothing left to do. It is taken before the table of migrations is
 * created, since PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against a
 * concurrent one (both may see no table; the loser fails on the catalog's unique
 * index). Session-level: a process that dies lets go of it with its connection. */
#define MIGRATE_LOCK "4242001"

/* Refuses a database that a newer llmmeta has migrated further than this binary
 * knows: this one would run on a schema it cannot know the rules of. */
static int check_not_newer(db *d)
{
	int64_t newest = 0;
	if (db_query_int(d, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL, &newest) < 0)
		return -1;
	if (newest > NMIGRATIONS) {
		db_set_err(d, "the database is at schema version %lld, newer than this llmmeta (%s, schema version %d): "
			   "run the llmmeta that migrated it, or a later one", (long long)newest, LLMMETA_VERSION, NMIGRATIONS);
		return -1;
	}
	return 0;
}

int db_migrate(db *d)
{
	bool pg = db_backend(d) == DB_POSTGRES;
	if (pg && db_exec_script(d, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")") < 0)
		return -1;
	int applied = 0;
	if (db_exec_script(d, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			      " version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)") < 0 ||
	    check_not_newer(d) < 0)
		applied = -1;
	for (int v = 1; applied >= 0 && v <= NMIGRATIONS; v++) {
		int rc = apply(d, v);
		if (rc < 0) {
			char why[512];
			snprintf(why, sizeof why, "migration %d failed: %s", v, db_errmsg(d));
			db_set_err(d, "%s", why);
			applied = -1;
			break;
		}
		if (rc == 1)
			log_info("applied migration %d", v);
		applied += rc;
	}
	if (pg) {
		char keep[512];
		snprintf(keep, sizeof keep, "%s", db_errmsg(d));
		db_exec_script(d, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")");
		db_set_err(d, "%s", keep);
	}
	return applied;
}
