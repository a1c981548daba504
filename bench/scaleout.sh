#!/usr/bin/env bash
# scaleout.sh - one llmmeta instance against two, behind nginx (round robin), on one
# PostgreSQL cluster (docs/deploy.md, "Several instances"; docs/benchmarks.md):
#   1. wrk through nginx: a logged-in page (/conversation/, the history) and a non-streamed API call
#      (POST /v1/chat/completions to a mock that answers at once, recorded), with one
#      instance behind nginx and with two; and the CPU each party used meanwhile
#      (PostgreSQL, llmmeta, nginx and wrk, from /proc), as a share of the machine
#   2. a rolling restart of the two instances under wrk: the failed requests
#   3. the database work of one request: the statements PostgreSQL logged
#      (log_statement = all) for 100 pages and 100 API calls in a row, each one a
#      round trip, minus what the instance does on its own meanwhile
# Figures only: nothing here passes or fails. On a 2-core machine the client, nginx,
# the instances and PostgreSQL share the same two cores, so a second instance adds no
# CPU: what bounds scaling here is the machine; on a bigger one it is the database
# work per request, which part 2 counts.
#   bench/scaleout.sh   (BENCH_SECONDS=5, BENCH_BIN=build/llmmeta, BENCH_CONNECTIONS=32)
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/nginx-head.sh
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d /tmp/llmmeta-bench-scale.XXXXXX)
[ "$(id -u)" -eq 0 ] && chmod 755 "$dir"
pgport=$((20000 + RANDOM % 20000))
cleanup() {
	kill $(jobs -p) 2>/dev/null
	wait 2>/dev/null
	scripts/pg-cluster.sh stop "$dir/pg" "$pgport" >/dev/null 2>&1
	rm -rf "$dir"
}
trap cleanup EXIT
free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
source scripts/node-env.sh >/dev/null || exit 1

base=$(scripts/pg-cluster.sh start "$dir/pg" "$pgport") || { echo "bench: no PostgreSQL cluster" >&2; exit 1; }
psql "$base/postgres" -qc "CREATE DATABASE bench" || exit 1
pglog=$dir/pg/server.log
postmaster=$(head -1 "$dir/pg/data/postmaster.pid")

mport=$(free_port) f1=$(free_port) f2=$(free_port) p1=$(free_port) p2=$(free_port)
answer='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}'
mkdir -p "$dir/nginx"
nginx_head "$dir" >"$dir/nginx/nginx.conf"
cat >>"$dir/nginx/nginx.conf" <<CONF
    upstream one { server 127.0.0.1:$p1; keepalive 64; keepalive_timeout 50s; }
    upstream two { server 127.0.0.1:$p1; server 127.0.0.1:$p2; keepalive 64; keepalive_timeout 50s; }
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_buffering off;
    server { listen 127.0.0.1:$mport; location / { default_type application/json; return 200 '$answer'; } }
    server { listen 127.0.0.1:$f1; location / { proxy_pass http://one; } }
    server { listen 127.0.0.1:$f2; location / { proxy_pass http://two; } }
}
CONF
nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" &

bin=${BENCH_BIN:-build/llmmeta}
export DATABASE_URL="$base/bench" SECRET_KEY=bench-secret-bench-secret-bench-secret! DATA_DIR=$dir \
	LLM_API_URL=http://127.0.0.1:$mport/v1 LLM_MODELS=bench MAX_ASKS_PER_USER=100000 TRUST_PROXY=1
"$bin" migrate >/dev/null 2>&1 || { echo "bench: migrate failed" >&2; exit 1; }
echo 'Bench-Marks-2026' | "$bin" createuser --username bench --email bench@example.org --password-stdin >/dev/null
key=$("$bin" apikey --username bench --name bench) || exit 1

declare -a ipids
start_instances() { # how many
	ipids=()
	local i port
	for ((i = 0; i < $1; i++)); do
		port=$([ $i -eq 0 ] && echo $p1 || echo $p2)
		PORT=$port "$bin" serve >/dev/null 2>>"$dir/llmmeta.log" &
		ipids+=($!)
		for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health/" >/dev/null && break; sleep 0.1; done
	done
}
stop_instances() {
	kill -TERM "${ipids[@]}" 2>/dev/null
	for p in "${ipids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
}

# A session for the page, logged in through the form.
start_instances 1
jar=$dir/cookies
csrf=$(curl -s -c "$jar" "http://127.0.0.1:$f1/accounts/login/" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -s -b "$jar" -c "$jar" -o /dev/null -X POST --data-urlencode "csrf_token=$csrf" --data-urlencode login=bench \
	--data-urlencode password=Bench-Marks-2026 "http://127.0.0.1:$f1/accounts/login/"
session=$(awk '$6 == "llmmeta_session" {print $7}' "$jar")
[ -n "$session" ] || { echo "bench: could not log in" >&2; exit 1; }
stop_instances

cat >"$dir/page.lua" <<LUA
wrk.headers["Cookie"] = "llmmeta_session=$session"
LUA
cat >"$dir/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"model":"bench","messages":[{"role":"user","content":"Say hi"}],"max_tokens":16}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $key"
LUA

ticks() { # pids... -> their CPU ticks (user + system), children included
	local t=0 p s
	for p in "$@"; do
		s=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null) && t=$((t + s))
	done
	echo $t
}
pg_pids() { echo "$postmaster" $(ps -o pid= --ppid "$postmaster"); }
nginx_pids() { local m; m=$(cat "$dir/nginx/nginx.pid"); echo "$m" $(ps -o pid= --ppid "$m"); }
hz=$(getconf CLK_TCK)
cores=$(nproc)

run() { # label url script
	local c=${BENCH_CONNECTIONS:-32} secs=${BENCH_SECONDS:-5} out pg0 ll0 ng0 t0 pg1 ll1 ng1 t1 wall
	pg0=$(ticks $(pg_pids)) ll0=$(ticks "${ipids[@]}") ng0=$(ticks $(nginx_pids)) t0=$(date +%s%N)
	out=$(wrk -t2 -c"$c" -d"$secs"s --latency -s "$3" "$2" 2>&1)
	pg1=$(ticks $(pg_pids)) ll1=$(ticks "${ipids[@]}") ng1=$(ticks $(nginx_pids)) t1=$(date +%s%N)
	wall=$(((t1 - t0) / 1000000))
	awk -v l="$1" -v rps="$(awk '/Requests\/sec/ {print $2}' <<<"$out")" -v p99="$(awk '$1=="99%" {print $2}' <<<"$out")" \
		-v pg=$((pg1 - pg0)) -v ll=$((ll1 - ll0)) -v ng=$((ng1 - ng0)) -v hz="$hz" -v ms="$wall" -v cores="$cores" \
		-v errs="$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ')" 'BEGIN {
		m = ms / 1000 * cores
		printf "%-34s %9s req/s  p99 %8s   CPU of %d cores: postgres %4.0f%%  llmmeta %4.0f%%  nginx %4.0f%%  %s\n",
			l, rps, p99, cores, 100 * pg / hz / m, 100 * ll / hz / m, 100 * ng / hz / m, errs }'
}

echo "== 1 and 2 instances behind nginx on one PostgreSQL: wrk -c${BENCH_CONNECTIONS:-32} -d${BENCH_SECONDS:-5}s ($cores cores shared by all)"
for n in 1 2; do
	start_instances $n
	front=$([ $n -eq 1 ] && echo $f1 || echo $f2)
	run "$n instance(s): GET /conversation/" "http://127.0.0.1:$front/conversation/" "$dir/page.lua"
	run "$n instance(s): POST /v1/chat/completions" "http://127.0.0.1:$front/v1/chat/completions" "$dir/post.lua"
	stop_instances
done

# A rolling restart under load: wrk on the page through nginx while each of two
# instances in turn is replaced by a new process on its port (started first), then
# sent SIGTERM; wrk counts every answer that was not 2xx and every socket error.
echo "== a rolling restart of two instances under wrk -c${BENCH_CONNECTIONS:-32} (GET /conversation/ through nginx)"
start_instances 2
wrk -t2 -c"${BENCH_CONNECTIONS:-32}" -d12s -s "$dir/page.lua" "http://127.0.0.1:$f2/conversation/" >"$dir/wrk-restart.txt" 2>&1 &
wrkpid=$!
sleep 2
for i in 0 1; do
	port=$([ $i -eq 0 ] && echo $p1 || echo $p2)
	PORT=$port "$bin" serve >/dev/null 2>>"$dir/llmmeta.log" &
	new=$!
	sleep 2 # until the new process listens next to the old one
	kill -TERM "${ipids[$i]}"
	while kill -0 "${ipids[$i]}" 2>/dev/null; do sleep 0.1; done
	ipids[$i]=$new
	sleep 2
done
wait $wrkpid
awk '/requests in/ {print "  " $0} /Requests\/sec/ {print "  " $0}' "$dir/wrk-restart.txt"
failed=$(grep -E 'Non-2xx|Socket errors' "$dir/wrk-restart.txt" | tr '\n' ' ')
echo "  failed: ${failed:-none (no answer other than 2xx, no socket error)}"
stop_instances

# The statements of one request: every statement logged, 100 requests one after
# another through one instance, less the instance's own (its lease) over as long idle.
psql "$base/postgres" -qc "ALTER DATABASE bench SET log_statement = 'all'" || exit 1
start_instances 1
logged() { grep -cE 'LOG:  (statement|execute)' "$pglog"; }
count() { # label curl-args...
	local label=$1 before after i
	shift
	for i in 1 2 3; do curl -s -o /dev/null "$@"; done # prepared on first use: not counted
	before=$(logged)
	for i in $(seq 100); do curl -s -o /dev/null "$@"; done
	after=$(logged)
	awk -v l="$label" -v n=$((after - before)) 'BEGIN { printf "%-34s %5.1f statements (round trips) a request\n", l, n / 100 }'
}
idle_before=$(logged)
sleep 5
idle=$(($(logged) - idle_before))
echo "== database work per request (PostgreSQL's log; the instance alone logged $idle statements in 5 s idle)"
count "GET /conversation/ (logged in)" -H "Cookie: llmmeta_session=$session" "http://127.0.0.1:$p1/conversation/"
count "GET / (anonymous)" "http://127.0.0.1:$p1/"
count "POST /v1/chat/completions" -X POST -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
	--data '{"model":"bench","messages":[{"role":"user","content":"Say hi"}]}' "http://127.0.0.1:$p1/v1/chat/completions"
count "GET /v1/models" -H "Authorization: Bearer $key" "http://127.0.0.1:$p1/v1/models"
echo "-- the statements of one API call, in order (the recorder may group several calls' into one transaction under load)"
lines=$(wc -l <"$pglog")
curl -s -o /dev/null -X POST -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
	--data '{"model":"bench","messages":[{"role":"user","content":"Say hi"}]}' "http://127.0.0.1:$p1/v1/chat/completions"
sleep 0.5
tail -n +$((lines + 1)) "$pglog" | grep -oE 'LOG:  (statement|execute [^:]*): .*' | sed -E 's/^LOG:  (statement|execute [^:]*): //' | cut -c1-90 | sed 's/^/   /'
stop_instances
kill -QUIT "$(cat "$dir/nginx/nginx.pid")" 2>/dev/null
