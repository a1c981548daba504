#!/usr/bin/env bash
# run.sh - `make bench`: speed and memory figures, never pass/fail.
#   1. 1,000 questions in flight against a provider answering after 2 s (ask-load.mjs)
#   2. wrk on llmmeta (static file, home page, /health/) next to nginx serving the same
#      stylesheet from disk, on this machine, same client settings.
#   3. the export of 1,000,000 messages (CLI and web) next to sqlite3 -csv (export.sh)
set -uo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d /tmp/llmmeta-bench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
source scripts/node-env.sh || exit 1
[ -d tests/node_modules ] || (cd tests && npm ci --no-audit --no-fund --loglevel=error)

echo "== asking: 1,000 questions in flight"
node bench/ask-load.mjs --n "${BENCH_N:-1000}" --delay "${BENCH_DELAY:-2000}"

free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# llmmeta on SQLite, release build, quiet log.
lport=$(free_port)
PORT=$lport DATABASE_URL="sqlite://$dir/w.db" SECRET_KEY=bench-secret-bench-secret-bench-secret! DATA_DIR=$dir \
	LLM_API_URL=http://127.0.0.1:9/v1 LLM_MODELS=none build/llmmeta serve >/dev/null 2>"$dir/llmmeta.log" &
lpid=$!

# nginx serving the same stylesheet.
nport=$(free_port)
mkdir -p "$dir/www/static" "$dir/nginx"
cp assets/style.css "$dir/www/static/style.css"
chmod -R a+rX "$dir"
cat >"$dir/nginx/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $dir/nginx; proxy_temp_path $dir/nginx; fastcgi_temp_path $dir/nginx;
    uwsgi_temp_path $dir/nginx; scgi_temp_path $dir/nginx;
    server { listen 127.0.0.1:$nport; root $dir/www; location / { } }
}
CONF
nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" &
sleep 1

run_wrk() { # label url
	local out
	out=$(wrk -t2 -c64 -d"${BENCH_SECONDS:-5}"s --latency "$2" 2>&1)
	printf '%-34s %10s req/s   p50 %8s   p99 %8s\n' "$1" \
		"$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
		"$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
}

echo "== wrk -t2 -c64 (2 cores shared by client and server)"
run_wrk "nginx    /static/style.css" "http://127.0.0.1:$nport/static/style.css"
run_wrk "llmmeta  /static/style.css" "http://127.0.0.1:$lport/static/style.css"
run_wrk "llmmeta  / (home page)" "http://127.0.0.1:$lport/"
run_wrk "llmmeta  GET /health/ (3 queries)" "http://127.0.0.1:$lport/health/"
echo "llmmeta RSS after load: $(awk '/VmRSS/ {print $2/1024 " MiB"}' /proc/$lpid/status), threads: $(awk '/Threads/ {print $2}' /proc/$lpid/status)"
kill -TERM $lpid
kill -QUIT "$(cat "$dir/nginx/nginx.pid")" 2>/dev/null
wait 2>/dev/null

echo "== export: 1,000,000 messages (bench/export.sh)"
bench/export.sh "${BENCH_EXPORT_ROWS:-1000000}"
