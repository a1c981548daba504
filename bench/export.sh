#!/usr/bin/env bash
# export.sh - the export's speed and memory on 1,000,000 messages (called by
# bench/run.sh; also runs alone: bench/export.sh [ROWS]). Never pass/fail.
#
# The messages are generated straight into a migrated SQLite database by the
# sqlite3 shell with a recursive CTE (seconds, where a million questions through
# the web would take an hour). They fill the same columns src/model/conversation.c
# msg_insert writes - conversation, user, role, content, time, provider, model,
# parameters, tokens, times, finish reason, status, source, and a file on some
# questions - with text that needs CSV quoting (commas, quotes, line breaks) and
# a formula guard (a leading '=').
#
# Then `llmmeta export --format csv` writes them to /dev/null under /usr/bin/time,
# next to `sqlite3 -csv` running the export's own SELECT (the reference: the same
# rows and joins, no formatting of ours). Printed: rows/s and peak RSS of each.
set -uo pipefail
cd "$(dirname "$0")/.."
rows=${1:-${BENCH_EXPORT_ROWS:-1000000}}
dir=$(mktemp -d /tmp/llmmeta-bench-export.XXXXXX)
trap 'rm -rf "$dir"' EXIT
db="$dir/export.db"
bin=build/llmmeta
[ -x "$bin" ] || { echo "export bench: build $bin first (make)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "export bench: needs the sqlite3 shell"; exit 1; }
[ -x /usr/bin/time ] || { echo "export bench: needs /usr/bin/time (apt-get install time)"; exit 1; }

export DATABASE_URL="sqlite://$db"
"$bin" migrate >/dev/null 2>&1 || { echo "export bench: llmmeta migrate failed"; exit 1; }

started=$(date +%s.%N)
sqlite3 "$db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=OFF;
BEGIN;
INSERT INTO users (username, email, password_hash, created_at)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
  SELECT 'bench' || i, 'bench' || i || '@example.org', '', 1767225600000 FROM n;
-- Ten messages (five exchanges) per conversation.
INSERT INTO conversations (uuid, user_id, title, source, created_at, updated_at)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ($rows + 9) / 10)
  SELECT lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-8'
               || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
         1 + i % 20, 'Conversation ' || i, 'web', 1767225600000 + i * 10000, 1767225600000 + i * 10000 FROM n;
INSERT INTO uploads (user_id, name, size, sha256, content_type, data, created_at)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
  SELECT i, 'data ' || i || '.csv', 8, lower(hex(randomblob(32))), 'text/csv', 'a,b' || char(10) || '1,2' || char(10),
         1767225600000 FROM n;
INSERT INTO messages (conversation_id, user_id, role, content, created_at, provider, model, model_reported,
                      max_tokens, temperature, top_k, top_p, prompt_tokens, completion_tokens, total_tokens,
                      elapsed_ms, ttft_ms, finish_reason, status, error, source, upload_id)
  WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $rows - 1)
  SELECT 1 + i / 10, 1 + (1 + i / 10) % 20,
         CASE i % 2 WHEN 0 THEN 'user' ELSE 'assistant' END,
         CASE i % 2 WHEN 0 THEN 'Question ' || i || ': what is the yield strength of "S355", in MPa?'
                    ELSE '=' || 'Answer ' || i || ', in short: about 355 MPa.' || char(10)
                         || 'It depends on the thickness, see EN 10025-2, table 7; "nominal" values.' END,
         1767225600000 + i * 1000, 'openai', 'gpt-4o-mini',
         CASE i % 2 WHEN 1 THEN 'gpt-4o-mini-2024-07-18' END,
         1000, 0.7, CASE i % 3 WHEN 0 THEN NULL ELSE 40 END, 0.9,
         CASE i % 2 WHEN 1 THEN 120 + i % 50 END, CASE i % 2 WHEN 1 THEN 40 + i % 30 END,
         CASE i % 2 WHEN 1 THEN 160 + i % 80 END,
         CASE i % 2 WHEN 1 THEN 800 + i % 900 END, CASE i % 2 WHEN 1 THEN 200 + i % 300 END,
         CASE i % 2 WHEN 1 THEN 'stop' END, 'ok', NULL, 'web',
         CASE WHEN i % 1000 = 0 THEN 1 + (1 + i / 10) % 20 END
  FROM n;
COMMIT;
SQL
generated=$(date +%s.%N)
size=$(du -m "$db" | cut -f1)
awk -v n="$rows" -v a="$started" -v b="$generated" -v s="$size" \
	'BEGIN { printf "generated %d messages in %.1f s (database %s MiB)\n", n, b - a, s }'

# The SELECT of src/model/export.c export_batch without the keyset bounds.
query="SELECT m.id, c.uuid, m.created_at, u.username, m.role, m.source, m.provider, m.model, m.status,
 m.content, m.max_tokens, m.temperature, m.top_k, m.top_p, m.prompt_tokens, m.completion_tokens,
 m.total_tokens, m.elapsed_ms, m.ttft_ms, m.finish_reason, up.name, up.sha256, m.error
 FROM messages m JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = m.user_id
 LEFT JOIN uploads up ON up.id = m.upload_id ORDER BY m.id"

measure() { # label command...: prints rows/s and peak RSS
	local label=$1
	shift
	/usr/bin/time -v -o "$dir/time" "$@" >"$dir/out" || { echo "$label failed"; return; }
	local secs rss bytes lines
	secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$dir/time")
	rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$dir/time")
	bytes=$(stat -c %s "$dir/out")
	lines=$(wc -l <"$dir/out")
	printf '%-32s %7.2f s  %10.0f rows/s  peak RSS %6s MiB  (%s MiB, %s lines)\n' "$label" "$secs" \
		"$(awk -v n="$rows" -v s="$secs" 'BEGIN { print n / s }')" "$rss" "$((bytes / 1048576))" "$lines"
	rm -f "$dir/out"
}

echo "== export of $rows messages as CSV"
measure "sqlite3 -csv (reference)" sqlite3 -csv -header "$db" "$query"
measure "llmmeta export --format csv" "$bin" export --format csv
measure "llmmeta export --format jsonl" "$bin" export --format jsonl

# The same through the web: GET /export/messages.csv?user=* as an administrator,
# streamed with chunked encoding, while the server's peak RSS (VmHWM) is read.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pw='Bench-export-password-1!'
echo "$pw" | "$bin" createuser --username benchadmin --email admin@bench.test --admin --password-stdin >/dev/null 2>&1
PORT=$port SECRET_KEY=bench-secret-bench-secret-bench-secret! LLM_API_URL=http://127.0.0.1:9/v1 LLM_MODELS=none \
	"$bin" serve >/dev/null 2>"$dir/serve.log" &
spid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/health/" >/dev/null && break; sleep 0.1; done
jar="$dir/cookies"
token=$(curl -s -c "$jar" "http://127.0.0.1:$port/accounts/login/" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$token" --data-urlencode "login=benchadmin" \
	--data-urlencode "password=$pw" "http://127.0.0.1:$port/accounts/login/"
# The login's Argon2id took 64 MiB: reset the high-water mark before the export.
echo 5 >"/proc/$spid/clear_refs" 2>/dev/null
before=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$spid/status")
out=$(curl -s -b "$jar" -o /dev/null -w '%{http_code} %{time_total} %{size_download}' "http://127.0.0.1:$port/export/messages.csv?user=*")
read -r code secs bytes <<<"$out"
hwm=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$spid/status")
printf '%-32s %7.2f s  %10.0f rows/s  server RSS %s MiB before, peak %s MiB  (HTTP %s, %s MiB)\n' \
	"GET /export/messages.csv" "$secs" "$(awk -v n="$rows" -v s="$secs" 'BEGIN { print n / s }')" "$before" "$hwm" \
	"$code" "$((bytes / 1048576))"
kill -TERM "$spid"
wait "$spid" 2>/dev/null
