#!/usr/bin/env bash
# admin.sh - /admin/messages/ on 1,000,000 messages, on SQLite and on PostgreSQL
# (called by bench/run.sh; also runs alone: bench/admin.sh [ROWS]). Never
# pass/fail: docs/admin.md keeps the figures.
#
# The messages are generated straight into a migrated database by the sqlite3
# shell (a recursive CTE) and by psql (generate_series), the same rows on both:
# 200 users, conversations of 10 messages, questions and answers with a few system
# and tool messages, six models, 1% errors and some cancelled and interrupted,
# sources web, api and import, one message a minute over the last two years, and a
# text of words drawn from a vocabulary of 5,000 (a word is in about 0.1% of the
# messages) after "Question"/"Answer" (each in half of them).
#
# Then each filter, the search and every sort (both ways) is asked BENCH_ADMIN_N
# times (default 30) of the release build as an administrator, one request at a
# time (bench/admin-measure.mjs: p50 and p99 of the whole page, with its counts),
# next to the page's main query run as many times in sqlite3 / psql (.timer,
# \timing). Last, EXPLAIN of the slowest page's query on each backend.
set -uo pipefail
cd "$(dirname "$0")/.."
rows=${1:-${BENCH_ADMIN_ROWS:-1000000}}
n=${BENCH_ADMIN_N:-30}
bin=${BENCH_BIN:-build/llmmeta}
[ -x "$bin" ] || { echo "admin bench: build $bin first (make)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "admin bench: needs the sqlite3 shell"; exit 1; }
dir=$(mktemp -d /tmp/llmmeta-bench-admin.XXXXXX)
chmod 755 "$dir"
pgport=
cleanup() {
	kill $(jobs -p) 2>/dev/null
	wait 2>/dev/null
	[ -n "$pgport" ] && scripts/pg-cluster.sh stop "$dir/pg" "$pgport" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT
source scripts/node-env.sh >/dev/null || exit 1

TOKEN=benchadminbenchadminbenchadminbenchadmin123
HASH=$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)
now=$(($(date +%s) * 1000))
export SECRET_KEY=bench-secret-bench-secret-bench-secret! LLM_API_URL=http://127.0.0.1:9/v1 LLM_MODELS=none

# The rows, as SQL both backends run. users_sql: $1 the numbers 1..200 and $2 the
# numbers 1..conversations, each a FROM item "n(i)"; $3 a uuid made of i.
users_sql() {
	cat <<SQL
INSERT INTO users (username, email, password_hash, is_admin, created_at)
  SELECT 'bench' || i, 'bench' || i || '@example.org', '', 0, $((now - 800 * 86400000)) FROM $1;
INSERT INTO users (username, email, password_hash, is_admin, created_at)
  VALUES ('benchadmin', 'admin@example.org', '', 1, $((now - 800 * 86400000)));
INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
  SELECT '$HASH', id, $now, $now + 86400000 FROM users WHERE username = 'benchadmin';
INSERT INTO conversations (uuid, user_id, title, source, created_at, updated_at)
  SELECT $3, 1 + i % 200, 'Conversation ' || i, 'web', $now - ($rows - 10 * i) * 60000, $now - ($rows - 10 * i) * 60000
  FROM $2;
SQL
}
messages_sql() { # $1: the numbers 0 .. rows-1, a FROM item "n(i)"
	cat <<SQL
INSERT INTO messages (conversation_id, user_id, role, content, created_at, provider, model, max_tokens, temperature,
                      prompt_tokens, completion_tokens, total_tokens, elapsed_ms, ttft_ms, finish_reason, status,
                      error, source)
  SELECT 1 + i / 10, 1 + (1 + i / 10) % 200,
         CASE WHEN i % 5000 = 17 THEN 'system' WHEN i % 10000 = 19 THEN 'tool'
              WHEN i % 2 = 0 THEN 'user' ELSE 'assistant' END,
         CASE i % 2 WHEN 0 THEN 'Question ' ELSE 'Answer ' END || 'w' || (i * 7919 % 5000) || ' w' || ((i * 104729 + 1) % 5000)
           || ' w' || ((i * 1299709 + 2) % 5000) || ' w' || ((i * 15485863 + 3) % 5000) || ' w' || ((i * 179424673 + 4) % 5000)
           || ' about the yield strength of steel, in MPa.',
         $now - ($rows - i) * 60000, 'openai',
         CASE i % 13 WHEN 0 THEN 'gpt-4o' WHEN 1 THEN 'claude-3-5-sonnet' WHEN 2 THEN 'llama3.1:8b'
              WHEN 3 THEN 'mistral-large' WHEN 4 THEN 'o1-mini' ELSE 'gpt-4o-mini' END,
         1000, 0.7,
         CASE i % 2 WHEN 1 THEN 100 + i * 37 % 400 END, CASE i % 2 WHEN 1 THEN 50 + i * 53 % 900 END,
         CASE i % 2 WHEN 1 THEN 150 + i * 37 % 400 + i * 53 % 900 END,
         CASE i % 2 WHEN 1 THEN 300 + i * 71 % 9000 END, CASE i % 2 WHEN 1 THEN 100 + i * 29 % 700 END,
         CASE i % 2 WHEN 1 THEN 'stop' END,
         CASE WHEN i % 100 = 7 THEN 'error' WHEN i % 250 = 3 THEN 'cancelled' WHEN i % 1000 = 11 THEN 'interrupted'
              ELSE 'ok' END,
         CASE WHEN i % 100 = 7 THEN 'The provider answered 500.' END,
         CASE WHEN i % 20 = 0 THEN 'import' WHEN i % 7 = 1 THEN 'api' ELSE 'web' END
  FROM $1;
SQL
}

# The numbers from $1 to $2 as a FROM item n with a column i, on SQLite.
sqlite_nums() { echo "(WITH RECURSIVE c(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM c WHERE i < $2) SELECT i FROM c) n"; }

seed_sqlite() {
	local db=$1
	DATABASE_URL="sqlite://$db" "$bin" migrate >/dev/null 2>&1 || { echo "admin bench: migrate failed"; return 1; }
	{
		echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN;"
		users_sql "$(sqlite_nums 1 200)" "$(sqlite_nums 1 $(((rows + 9) / 10)))" "printf('%08x-0000-4000-8000-%012x', i, i)"
		messages_sql "$(sqlite_nums 0 $((rows - 1)))"
		echo "COMMIT;"
	} | sqlite3 -bail "$db" >/dev/null
}

seed_pg() {
	local url=$1
	DATABASE_URL="$url" "$bin" migrate >/dev/null 2>&1 || { echo "admin bench: migrate failed (PostgreSQL)"; return 1; }
	{
		echo "BEGIN;"
		users_sql "generate_series(1, 200) n(i)" "generate_series(1::bigint, $(((rows + 9) / 10))) n(i)" \
			"lpad(to_hex(i), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0')"
		messages_sql "generate_series(0::bigint, $((rows - 1))) n(i)"
		echo "COMMIT; ANALYZE;"
	} | "$PSQL" "$url" -q -v ON_ERROR_STOP=1 >/dev/null
}
