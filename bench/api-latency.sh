#!/usr/bin/env bash
# api-latency.sh - the API's added latency (docs/api.md, docs/benchmarks.md): a small
# non-streamed chat completion answered at once by a mock upstream (nginx `return
# 200` with a fixed chat.completion), measured side by side with the same wrk
# settings:
#   1. the mock directly
#   2. nginx proxy_pass to the mock (keep-alive upstream)
#   3. llmmeta /v1/chat/completions to the mock, recording every call (SQLite,
#      synchronous=FULL, group commit)
#   4. llmmeta /v1/responses to the mock (a Responses request translated into the
#      same chat completion, its answer translated back), recorded the same way
#   5. llmmeta /v1/embeddings to the mock (one input of 16 floats), recorded the same
#      way, beside the mock's own /v1/embeddings
# prints p50 and p99 of each and what each proxy adds; then N calls at a fixed
# concurrency to check that the recorded calls equal the 200 responses.
# Figures only: nothing here passes or fails.
#   bench/api-latency.sh   (BENCH_SECONDS=5, BENCH_BIN=build/llmmeta, BENCH_COUNT=5000,
#                           BENCH_CONNECTIONS=32: 1 measures one call at a time, no queueing)
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/nginx-head.sh
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
dir=$(mktemp -d "${BENCH_TMP:-/tmp}/llmmeta-bench-api.XXXXXX") # BENCH_TMP=/dev/shm: no fsync cost
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
free_port() { node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

mport=$(free_port) pport=$(free_port) lport=$(free_port)
answer='{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there! How can I help?"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}}'
emb_answer='{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2,1.3,1.4,1.5,1.6]}],"model":"bench-emb","usage":{"prompt_tokens":2,"total_tokens":2}}'
mkdir -p "$dir/nginx"
nginx_head "$dir" >"$dir/nginx/nginx.conf"
cat >>"$dir/nginx/nginx.conf" <<CONF
    upstream mock { server 127.0.0.1:$mport; keepalive 128; }
    server { listen 127.0.0.1:$mport;
        location = /v1/embeddings { default_type application/json; return 200 '$emb_answer'; }
        location / { default_type application/json; return 200 '$answer'; } }
    server { listen 127.0.0.1:$pport;
        location / { proxy_pass http://mock; proxy_http_version 1.1; proxy_set_header Connection ""; } }
}
CONF
nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" &
bin=${BENCH_BIN:-build/llmmeta}
export DATABASE_URL="sqlite://$dir/api.db" SECRET_KEY=bench-secret-bench-secret-bench-secret! DATA_DIR=$dir \
	LLM_API_URL=http://127.0.0.1:$mport/v1 LLM_MODELS=bench LLM_EMBEDDING_MODELS=bench-emb MAX_ASKS_PER_USER=100000 MAX_CONNECTIONS_PER_IP=0
"$bin" migrate >/dev/null 2>&1 || { echo "bench: migrate failed" >&2; exit 1; }
echo 'Bench-Marks-2026' | "$bin" createuser --username bench --email bench@example.org --password-stdin >/dev/null
key=$("$bin" apikey --username bench --name bench) || exit 1
PORT=$lport "$bin" serve >/dev/null 2>"$dir/llmmeta.log" &
lpid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$lport/health/" >/dev/null && break; sleep 0.1; done
cat >"$dir/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"model":"bench","messages":[{"role":"user","content":"Say hi"}],"max_tokens":16}'
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("BENCH_KEY")
if key then wrk.headers["Authorization"] = "Bearer " .. key end
LUA
sed 's/^wrk.body = .*/wrk.body = '"'"'{"model":"bench","input":"Say hi","max_output_tokens":16}'"'"'/' "$dir/post.lua" >"$dir/resp.lua"
sed 's/^wrk.body = .*/wrk.body = '"'"'{"model":"bench-emb","input":"Say hi","encoding_format":"float"}'"'"'/' "$dir/post.lua" >"$dir/emb.lua"

declare -A p50 p99
ms() { # wrk latency (850.00us, 1.20ms, 2.00s) -> ms
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
run() { # label url [key [script]]
	local out
	local c=${BENCH_CONNECTIONS:-32}
	out=$(BENCH_KEY=${3:-} wrk -t$((c < 2 ? 1 : 2)) -c$c -d"${BENCH_SECONDS:-5}"s --latency -s "${4:-$dir/post.lua}" "$2" 2>&1)
	p50[$1]=$(ms "$(awk '$1=="50%" {print $2}' <<<"$out")")
	p99[$1]=$(ms "$(awk '$1=="99%" {print $2}' <<<"$out")")
	printf '%-36s %10s req/s   p50 %8s ms   p99 %8s ms   %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
		"${p50[$1]}" "${p99[$1]}" "$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ')"
}
echo "== the API's added latency: wrk -c${BENCH_CONNECTIONS:-32} -d${BENCH_SECONDS:-5}s, POST of a small completion (2 cores shared by all)"
run "mock (nginx return 200)" "http://127.0.0.1:$mport/v1/chat/completions"
run "nginx proxy_pass (keep-alive)" "http://127.0.0.1:$pport/v1/chat/completions"
run "llmmeta /v1/chat/completions" "http://127.0.0.1:$lport/v1/chat/completions" "$key"
awk -v m50="${p50[mock (nginx return 200)]}" -v m99="${p99[mock (nginx return 200)]}" \
	-v n50="${p50[nginx proxy_pass (keep-alive)]}" -v n99="${p99[nginx proxy_pass (keep-alive)]}" \
	-v l50="${p50[llmmeta /v1/chat/completions]}" -v l99="${p99[llmmeta /v1/chat/completions]}" 'BEGIN {
	printf "added by nginx:   p50 %.3f ms   p99 %.3f ms\n", n50 - m50, n99 - m99
	printf "added by llmmeta: p50 %.3f ms   p99 %.3f ms   (%.2fx nginx'"'"'s added p99; goal <= 1.5x)\n", l50 - m50, l99 - m99, (n99 - m99 > 0 ? (l99 - m99) / (n99 - m99) : 0) }'
run "llmmeta /v1/responses" "http://127.0.0.1:$lport/v1/responses" "$key" "$dir/resp.lua"
awk -v m50="${p50[mock (nginx return 200)]}" -v m99="${p99[mock (nginx return 200)]}" \
	-v l50="${p50[llmmeta /v1/responses]}" -v l99="${p99[llmmeta /v1/responses]}" 'BEGIN {
	printf "added by llmmeta to responses: p50 %.3f ms   p99 %.3f ms   (translated both ways)\n", l50 - m50, l99 - m99 }'
run "mock /v1/embeddings" "http://127.0.0.1:$mport/v1/embeddings" "" "$dir/emb.lua"
run "llmmeta /v1/embeddings" "http://127.0.0.1:$lport/v1/embeddings" "$key" "$dir/emb.lua"
awk -v m50="${p50[mock /v1/embeddings]}" -v m99="${p99[mock /v1/embeddings]}" \
	-v l50="${p50[llmmeta /v1/embeddings]}" -v l99="${p99[llmmeta /v1/embeddings]}" 'BEGIN {
	printf "added by llmmeta to embeddings: p50 %.3f ms   p99 %.3f ms\n", l50 - m50, l99 - m99 }'
recorded() { sqlite3 "$dir/api.db" "PRAGMA busy_timeout=5000; SELECT count(*) FROM messages WHERE role='assistant' AND source='api' AND status='ok'" | tail -1; }
echo "recorded answers after the wrk run: $(recorded)"

# A fixed number of calls, all waited for: the 200s counted by the client, the
# records by the database.
before=$(recorded)
n=${BENCH_COUNT:-5000}
ok=$(node -e '
const [port, key, n] = process.argv.slice(1); const http = require("http");
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 }); let ok = 0, sent = 0;
const body = JSON.stringify({ model: "bench", messages: [{ role: "user", content: "Say hi" }] });
const one = () => new Promise((res) => { const r = http.request({ host: "127.0.0.1", port, method: "POST", path: "/v1/chat/completions", agent,
  headers: { "content-type": "application/json", authorization: "Bearer " + key, "content-length": Buffer.byteLength(body) } },
  (s) => { s.resume(); s.on("end", () => { if (s.statusCode === 200) ok++; res(); }); }); r.on("error", () => res()); r.end(body); });
const worker = async () => { while (sent < n) { sent++; await one(); } };
Promise.all(Array.from({ length: 32 }, worker)).then(() => { console.log(ok); agent.destroy(); });' "$lport" "$key" "$n")
after=$(recorded)
echo "fixed run: $n calls, 32 at a time: $ok answered 200, $((after - before)) recorded"
# Each call one question and one answer, none left marked in flight: a call's
# beginning and end, written apart or together, never make two questions.
echo "consistency: $(sqlite3 "$dir/api.db" "SELECT (SELECT COUNT(*) FROM messages WHERE role = 'user') || ' questions, ' ||
	(SELECT COUNT(*) FROM messages WHERE role = 'assistant') || ' answers, ' ||
	(SELECT COUNT(*) FROM messages WHERE instance_id IS NOT NULL) || ' still marked in flight'")"
echo "llmmeta RSS after load: $(awk '/VmRSS/ {print $2/1024 " MiB"}' /proc/$lpid/status), peak $(awk '/VmHWM/ {print $2/1024 " MiB"}' /proc/$lpid/status)"
kill -TERM $lpid
kill -QUIT "$(cat "$dir/nginx/nginx.pid")" 2>/dev/null
wait 2>/dev/null
