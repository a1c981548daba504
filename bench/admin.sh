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
# times (default 100) of the release build as an administrator, one request at a
# time (bench/admin-measure.mjs: p50 and p99 of the whole page, with its counts),
# next to the page's two main queries run as many times in sqlite3 / psql (.timer,
# \timing): the page of rows, and under a filter the read its counts are made from
# (ADMIN_SAMPLE rows at most). Last, EXPLAIN of both for the slowest page.
set -uo pipefail
cd "$(dirname "$0")/.."
rows=${1:-${BENCH_ADMIN_ROWS:-1000000}}
n=${BENCH_ADMIN_N:-100}
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
PSQL=$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)
PSQL=${PSQL:-psql}
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

free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# The cases: label, path, and the page's main query's WHERE and ORDER BY as
# src/model/admin.c writes them (on SQLite, then on PostgreSQL where they differ:
# the search, and where NULL sorts). {T} is the period's start.
ROWS="SELECT m.id, m.role, substr(m.content, 1, 120), CASE WHEN length(m.content) > 120 THEN 1 ELSE 0 END,
 m.model, m.total_tokens, m.elapsed_ms, m.created_at, u.username, c.uuid, c.title, m.status, m.source,
 m.conversation_id, m.words FROM messages m JOIN users u ON u.id = m.user_id JOIN conversations c ON c.id = m.conversation_id
 WHERE m.id IN (SELECT m.id"
FTS_FROM=" FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
NAMES="m.user_id IN (SELECT id FROM users WHERE lower(username) LIKE '%bench17%' ORDER BY lower(username) LIMIT 20)"
cases() { # $1: sqlite | postgres
	local pg=$([ "$1" = postgres ] && echo 1) t d
	t=$(( (now / 86400000) * 86400000 ))
	echo "none|/admin/messages/| FROM messages m|m.id DESC"
	echo "role=system|/admin/messages/?role=system| FROM messages m WHERE m.role = 'system'|m.id DESC"
	echo "role=user|/admin/messages/?role=user| FROM messages m WHERE m.role = 'user'|m.id DESC"
	echo "model=o1-mini|/admin/messages/?model=o1-mini| FROM messages m WHERE m.model = 'o1-mini'|m.id DESC"
	echo "date=today|/admin/messages/?date=today| FROM messages m WHERE m.created_at >= $t|m.created_at DESC, m.id DESC"
	echo "date=7d|/admin/messages/?date=7d| FROM messages m WHERE m.created_at >= $((t - 6 * 86400000))|m.created_at DESC, m.id DESC"
	d=$(date -u +%Y-%m-01); echo "date=month|/admin/messages/?date=month| FROM messages m WHERE m.created_at >= $(($(date -u -d "$d" +%s) * 1000))|m.created_at DESC, m.id DESC"
	d=$(date -u +%Y-01-01); echo "date=year|/admin/messages/?date=year| FROM messages m WHERE m.created_at >= $(($(date -u -d "$d" +%s) * 1000))|m.created_at DESC, m.id DESC"
	echo "user=bench7|/admin/messages/?user=bench7| FROM messages m WHERE m.user_id = (SELECT id FROM users WHERE lower(username) = 'bench7')|m.id DESC"
	echo "status=error|/admin/messages/?status=error| FROM messages m WHERE m.status = 'error'|m.id DESC"
	echo "status=interrupted|/admin/messages/?status=interrupted| FROM messages m WHERE m.status = 'interrupted'|m.id DESC"
	echo "source=import|/admin/messages/?source=import| FROM messages m WHERE m.source = 'import'|m.id DESC"
	for w in w4242 question; do
		if [ -n "$pg" ]; then
			echo "q=$w (content)|/admin/messages/?q=$w| FROM messages m WHERE m.search @@ to_tsquery('simple', '(''$w'')')|m.id DESC"
		else
			echo "q=$w (content)|/admin/messages/?q=$w|$FTS_FROM WHERE messages_fts MATCH '\"$w\"'|messages_fts.rowid DESC"
		fi
	done
	if [ -n "$pg" ]; then
		echo "q=bench17 (usernames)|/admin/messages/?q=bench17| FROM messages m WHERE (m.search @@ to_tsquery('simple', '(''bench17'')') OR $NAMES)|m.id DESC"
	else
		echo "q=bench17 (usernames)|/admin/messages/?q=bench17| FROM messages m WHERE (m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH '\"bench17\"') OR $NAMES)|m.id DESC"
	fi
	local name expr nullable dir nulls
	while read -r name expr nullable; do
		expr=${expr//\~/ }
		for dir in "" DESC; do
			nulls=
			[ -n "$pg" ] && [ "$nullable" = 1 ] && nulls=$([ -n "$dir" ] && echo " NULLS LAST" || echo " NULLS FIRST")
			local from=" FROM messages m"
			[ "$name" = username ] && from=" FROM messages m JOIN users u ON u.id = m.user_id"
			local tie=", m.id${dir:+ DESC}"
			[ "$name" = id ] && tie=
			echo "sort=${dir:+-}$name|/admin/messages/?sort=${dir:+-}$name|$from|$expr${dir:+ DESC}$nulls$tie"
		done
	done <<'SORTS'
id m.id 0
role m.role 0
content substr(m.content,~1,~50) 0
model m.model 1
tokens m.total_tokens 1
elapsed m.elapsed_ms 1
time m.created_at 0
username lower(u.username) 0
conversation m.conversation_id 0
SORTS
	echo "page=200|/admin/messages/?page=200| FROM messages m|m.id DESC|9950"
}

# One backend: the release build serving $2, the pages measured, then the same
# main queries in the shell $3 ("sqlite3 FILE" or "psql URL").
measure() { # label url
	local label=$1 url=$2 port pid
	port=$(free_port)
	DATABASE_URL="$url" PORT=$port "$bin" serve >/dev/null 2>"$dir/serve-$label.log" &
	pid=$!
	for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/health/" && break; sleep 0.1; done
	echo "== $label: /admin/messages/ with $rows messages, $n requests each (p50 / p99 ms), next to the page's main query in the shell"
	local backend=$([ "$label" = PostgreSQL ] && echo postgres || echo sqlite)
	cases "$backend" >"$dir/cases"
	cut -d'|' -f1,2 "$dir/cases" | tr '|' '\t' >"$dir/paths"
	printf 'overview\t/admin/\nusers\t/admin/users/\n' >>"$dir/paths"
	node bench/admin-measure.mjs "http://127.0.0.1:$port" "$TOKEN" "$n" <"$dir/paths" >"$dir/web"
	kill -TERM "$pid"
	wait "$pid" 2>/dev/null
	# The shell: each main query n times, the times of all but the first.
	shell_times() { # sql: "p50 / p99" of its n runs after the first
		if [ "$backend" = postgres ]; then
			{ echo '\timing on'; echo '\o /dev/null'; for _ in $(seq $((n + 1))); do echo "$1"; done; } |
				"$PSQL" -X -q "$url" 2>&1 | awk '/^Time:/ {print $2}' | tail -n +2 >"$dir/t"
		else
			# LIMIT and OFFSET bound, as llmmeta binds them: with the literal 51 SQLite
			# 3.40 plans the username sort otherwise (every message, then a sort).
			{ echo '.timer on'; echo '.output /dev/null'; echo ".param set :lim $2"; echo ".param set :off ${3:-0}"
				for _ in $(seq $((n + 1))); do echo "$1"; done; } |
				sqlite3 "${url#sqlite://}" 2>&1 | awk '/^Run Time/ {print $4 * 1000}' | tail -n +2 >"$dir/t"
		fi
		sort -n "$dir/t" | awk '{v[NR] = $1} END { if (NR == 0) { print "      ?" ; exit }
			printf "%5.1f / %5.1f", v[int((NR + 1) / 2)], v[NR - int(NR / 100)] }'
	}
	local i=0
	printf '%-58s %-27s %-19s %s\n' "page" "llmmeta p50 / p99 ms" "rows query" "counts' read"
	while IFS='|' read -r name path from order offset; do
		i=$((i + 1))
		# The rows in the page's order again, as the page reads them (by m.id where
		# the inner query ordered by the full-text table's rowid).
		local outer=${order//messages_fts.rowid/m.id}
		local lim="LIMIT 51 OFFSET ${offset:-0}" lim2="LIMIT 2001"
		[ "$backend" = sqlite ] && lim="LIMIT :lim OFFSET :off" && lim2="LIMIT :lim"
		local sql="$ROWS$from ORDER BY $order $lim) ORDER BY $outer;" counts="" ct="    –"
		# Under a filter (a WHERE), the counts' read (src/model/admin.c take_sample).
		case "$from" in *WHERE*) counts="SELECT m.role, m.status, m.source, m.model, m.created_at${from/ JOIN users u ON u.id = m.user_id/} $lim2;" ;; esac
		[ -n "$counts" ] && ct=$(shell_times "$counts" 2001)
		printf '%-58s %-27s %-19s %s\n' "$(awk '{print $1, $2}' <(sed -n "${i}p" "$dir/web"))" \
			"$(sed -n "${i}p" "$dir/web" | awk '{print $(NF-4), "/", $(NF-1)}')" "$(shell_times "$sql" 51 "${offset:-0}")" "$ct"
		echo "$sql" >"$dir/sql-$i"
		echo "$counts" >"$dir/counts-$i"
	done <"$dir/cases"
	tail -2 "$dir/web" | awk '{printf "%-58s %s / %s\n", $1 " " $2, $(NF-4), $(NF-1)}'
	# The plans of the slowest page's queries (by its p99).
	local worst
	worst=$(head -n "$i" "$dir/web" | awk '{print NR, $(NF-1)}' | sort -k2 -n | tail -1 | cut -d' ' -f1)
	echo "-- the slowest page: $(sed -n "${worst}p" "$dir/cases" | cut -d'|' -f1); its queries' plans:"
	for f in "$dir/sql-$worst" "$dir/counts-$worst"; do
		[ -s "$f" ] && [ "$(cat "$f")" != "" ] || continue
		if [ "$backend" = postgres ]; then
			"$PSQL" -X -q "$url" -c "EXPLAIN (ANALYZE, BUFFERS) $(cat "$f")" | sed 's/^/   /'
		else
			printf '.param set :lim 51\n.param set :off 0\nEXPLAIN QUERY PLAN %s\n' "$(cat "$f")" |
				sqlite3 "${url#sqlite://}" | sed 's/^/   /'
		fi
	done
}

echo "== admin: seeding $rows messages on SQLite"
t0=$(date +%s.%N)
seed_sqlite "$dir/admin.db" || exit 1
awk -v a="$t0" -v b="$(date +%s.%N)" -v s="$(du -m "$dir/admin.db" | cut -f1)" 'BEGIN { printf "  %.0f s, %s MiB\n", b - a, s }'
measure SQLite "sqlite://$dir/admin.db"
rm -f "$dir"/admin.db*

if [ "${BENCH_ADMIN_PG:-1}" = 1 ]; then
	pgport=$(free_port)
	if scripts/pg-cluster.sh start "$dir/pg" "$pgport" >"$dir/pg.log" 2>&1; then
		base=$(scripts/pg-cluster.sh url "$dir/pg" "$pgport")
		"$PSQL" "$base/postgres" -q -c "CREATE DATABASE admin_bench" >/dev/null
		echo "== admin: seeding $rows messages on PostgreSQL"
		t0=$(date +%s.%N)
		seed_pg "$base/admin_bench" || exit 1
		"$PSQL" "$base/admin_bench" -q -c "VACUUM ANALYZE" >/dev/null # what autovacuum does after such a load
		awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "  %.0f s\n", b - a }'
		measure PostgreSQL "$base/admin_bench"
	else
		echo "admin bench: no PostgreSQL cluster (scripts/pg-cluster.sh): $(tail -1 "$dir/pg.log")"
	fi
fi
