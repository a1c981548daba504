#!/usr/bin/env bash
# run.sh - `make bench`: speed and memory figures, never pass/fail.
#   1. 1,000 questions in flight against a provider answering after 2 s (ask-load.mjs)
#   2. wrk on llmmeta (static file, home page, a conversation of 200 messages, the
#      history of a user with 200 messages, a search over 100,000 messages, /health/)
#      next to nginx serving the same bytes from disk (the pages saved from llmmeta), on
#      this machine, same client settings, with llmmeta's requests/s as a ratio of
#      nginx's. BENCH_N=0 skips 1.
#   3. the export of 1,000,000 messages (CLI and web) next to sqlite3 -csv (export.sh)
#   4. the API: added latency next to nginx proxy_pass (api-latency.sh), and 10,000
#      streaming calls in flight (api-stream-load.mjs)
#   5. the admin's list of messages on 1,000,000 messages, SQLite and PostgreSQL, each
#      filter, search and sort next to its query in sqlite3/psql (admin.sh, about 10
#      minutes; BENCH_ADMIN=0 skips it, BENCH_ADMIN_ROWS sets the size)
#   6. the JSON Schema validator next to python3-jsonschema: a 25 MB document and
#      100,000 small ones (schema.sh; BENCH_SCHEMA=0 skips it)
#   7. one instance against two behind nginx on one PostgreSQL, pages and API calls,
#      PostgreSQL's share of the CPU and the statements of one request (scaleout.sh;
#      BENCH_SCALEOUT=0 skips it)
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/nginx-head.sh
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d /tmp/llmmeta-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
source scripts/node-env.sh || exit 1
[ -d tests/node_modules ] || (cd tests && npm ci --no-audit --no-fund --loglevel=error)

if [ "${BENCH_N:-1000}" != 0 ]; then
	echo "== asking: 1,000 questions in flight"
	node bench/ask-load.mjs --n "${BENCH_N:-1000}" --delay "${BENCH_DELAY:-2000}"
fi

free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# llmmeta on SQLite, release build (BENCH_BIN: another one, to compare), quiet log; its database holds one user with a
# conversation of 200 messages (bench/conversation-seed.mjs).
lport=$(free_port)
bin=${BENCH_BIN:-build/llmmeta}
export DATABASE_URL="sqlite://$dir/w.db" SECRET_KEY=bench-secret-bench-secret-bench-secret! DATA_DIR=$dir \
	LLM_API_URL=http://127.0.0.1:9/v1 LLM_MODELS=none
"$bin" migrate >/dev/null 2>&1 || { echo "bench: migrate failed" >&2; exit 1; }
node bench/conversation-seed.mjs | sqlite3 "$dir/w.db" || exit 1
# Two more users: a history of 200 messages, and 100,000 messages to search (history-seed.mjs).
node bench/history-seed.mjs | sqlite3 "$dir/w.db" || exit 1
PORT=$lport "$bin" serve >/dev/null 2>"$dir/llmmeta.log" &
lpid=$!
read -r token uuid < <(node --input-type=module -e \
	'import("./bench/conversation-seed.mjs").then((m) => console.log(m.TOKEN, m.UUID))')
cookie="Cookie: llmmeta_session=$token"
read -r hist_token search_token search_word < <(node --input-type=module -e \
	'import("./bench/history-seed.mjs").then((m) => console.log(m.HIST_TOKEN, m.SEARCH_TOKEN, m.SEARCH_WORD))')
hist_cookie="Cookie: llmmeta_session=$hist_token"
search_cookie="Cookie: llmmeta_session=$search_token"
search_prefix="${search_word%?}*" # w424*: eleven words, some 13,000 messages to rank
conv=/conversation/$uuid/

# nginx serving the same stylesheet, and the same bytes as llmmeta's home page and
# conversation page (saved from llmmeta once it answers; the first view of the
# conversation also renders and stores its answers, as an old database's would be).
nport=$(free_port)
mkdir -p "$dir/www/static" "$dir/nginx"
cp assets/style.css "$dir/www/static/style.css"
save() { # url file [header]
	node -e 'const [u, f, h] = process.argv.slice(1); const H = h ? {[h.split(": ")[0]]: h.split(": ")[1]} : {};
		(async () => { for (let i = 0; i < 50; i++) { try { const r = await fetch(u, {headers: H});
		if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
		require("fs").writeFileSync(f, Buffer.from(await r.arrayBuffer())); return; }
		catch (e) { if (i === 49) throw e; await new Promise(z => setTimeout(z, 100)); } } })()' "$@"
}
save "http://127.0.0.1:$lport/" "$dir/www/index.html" || exit 1
save "http://127.0.0.1:$lport$conv" "$dir/www/conversation.html" "$cookie" || exit 1
save "http://127.0.0.1:$lport/conversation/" "$dir/www/history.html" "$hist_cookie" || exit 1
save "http://127.0.0.1:$lport/conversation/?q=$search_word" "$dir/www/search.html" "$search_cookie" || exit 1
save "http://127.0.0.1:$lport/conversation/?q=$search_prefix" "$dir/www/search-prefix.html" "$search_cookie" || exit 1
chmod -R a+rX "$dir"
nginx_head "$dir" 2 1000 >"$dir/nginx/nginx.conf"
cat >>"$dir/nginx/nginx.conf" <<CONF
    server { listen 127.0.0.1:$nport; root $dir/www; location / { } }
}
CONF
nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" &
sleep 1

rps=0
run_wrk() { # label url [header]: prints a line, leaves the requests/s in $rps
	local out
	out=$(wrk -t2 -c64 -d"${BENCH_SECONDS:-5}"s --latency ${3:+-H "$3"} "$2" 2>&1)
	rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
	printf '%-44s %10s req/s   p50 %8s   p99 %8s' "$1" "${rps:-?}" \
		"$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
}
# nginx, then llmmeta on the same bytes, with the ratio of their requests/s.
pair() { # label nginx-url llmmeta-url [header]
	run_wrk "nginx    $1" "$2" "${4:-}"
	local base=$rps
	echo
	run_wrk "llmmeta  $1" "$3" "${4:-}"
	awk -v a="$rps" -v b="$base" 'BEGIN { if (b > 0) printf "   %.2fx nginx", a / b }'
	echo
}

echo "== wrk -t2 -c64 (2 cores shared by client and server)"
pair "/static/style.css" "http://127.0.0.1:$nport/static/style.css" "http://127.0.0.1:$lport/static/style.css"
pair "/ (home page, $(wc -c <"$dir/www/index.html") B)" "http://127.0.0.1:$nport/index.html" "http://127.0.0.1:$lport/"
pair "conversation, 200 msgs ($(wc -c <"$dir/www/conversation.html") B)" \
	"http://127.0.0.1:$nport/conversation.html" "http://127.0.0.1:$lport$conv" "$cookie"
pair "history, 200 msgs ($(wc -c <"$dir/www/history.html") B)" \
	"http://127.0.0.1:$nport/history.html" "http://127.0.0.1:$lport/conversation/" "$hist_cookie"
pair "search $search_word in 100k msgs ($(wc -c <"$dir/www/search.html") B)" \
	"http://127.0.0.1:$nport/search.html" "http://127.0.0.1:$lport/conversation/?q=$search_word" "$search_cookie"
pair "search $search_prefix in 100k msgs ($(wc -c <"$dir/www/search-prefix.html") B)" \
	"http://127.0.0.1:$nport/search-prefix.html" "http://127.0.0.1:$lport/conversation/?q=$search_prefix" "$search_cookie"
run_wrk "llmmeta  GET /health/ (3 queries)" "http://127.0.0.1:$lport/health/"
echo
echo "llmmeta RSS after load: $(awk '/VmRSS/ {print $2/1024 " MiB"}' /proc/$lpid/status), threads: $(awk '/Threads/ {print $2}' /proc/$lpid/status)"
kill -TERM $lpid
kill -QUIT "$(cat "$dir/nginx/nginx.pid")" 2>/dev/null
wait 2>/dev/null

echo "== export: 1,000,000 messages (bench/export.sh)"
bench/export.sh "${BENCH_EXPORT_ROWS:-1000000}"

# The OpenAI-compatible API (docs/api.md): its added latency next to nginx's, every
# call recorded; then BENCH_API_STREAMS streaming calls in flight (0 skips it).
bench/api-latency.sh
if [ "${BENCH_API_STREAMS:-10000}" != 0 ]; then
	echo "== the API: ${BENCH_API_STREAMS:-10000} streaming calls in flight"
	node bench/api-stream-load.mjs --n "${BENCH_API_STREAMS:-10000}" --delay "${BENCH_DELAY:-2000}"
fi

if [ "${BENCH_ADMIN:-1}" != 0 ]; then
	echo "== admin: /admin/messages/ on ${BENCH_ADMIN_ROWS:-1000000} messages (bench/admin.sh)"
	bench/admin.sh "${BENCH_ADMIN_ROWS:-1000000}"
fi

if [ "${BENCH_SCHEMA:-1}" != 0 ]; then
	bench/schema.sh
fi

if [ "${BENCH_SCALEOUT:-1}" != 0 ]; then
	bench/scaleout.sh
fi
