#!/usr/bin/env bash
# overhead.sh - what a change costs per request: two builds side by side on the same
# database, `wrk -t2 -c64` rounds alternated between them, and each server's CPU time
# over its round (perf stat -e task-clock) divided by the requests it answered. CPU
# time per request is steadier than requests/s on a machine shared with other work.
#   bench/overhead.sh BEFORE_BIN AFTER_BIN [ROUNDS]
# e.g. the build of the previous commit against this one (docs/benchmarks.md,
# "Metrics"). Not part of `make bench`.
set -uo pipefail
[ $# -ge 2 ] || { echo "usage: $0 BEFORE_BIN AFTER_BIN [ROUNDS]" >&2; exit 2; }
before=$1 after=$2 rounds=${3:-4}
dir=$(mktemp -d /tmp/llmmeta-overhead.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait; rm -rf "$dir"' EXIT
export SECRET_KEY=bench-secret-bench-secret-bench-secret! DATA_DIR=$dir LLM_API_URL=http://127.0.0.1:9/v1 \
	LLM_MODELS=none THREADS=2 DATABASE_URL="sqlite://$dir/w.db"
"$after" migrate >/dev/null 2>&1 || { echo "overhead: migrate failed" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ports=() 
for bin in "$before" "$after"; do
	p=$(free_port)
	PORT=$p "$bin" serve >/dev/null 2>"$dir/$p.log" &
	pids+=($!)
	ports+=("$p")
done
sleep 1
for path in / /health/; do
	for ((i = 0; i < rounds; i++)); do
		for k in 0 1; do
			perf stat -e task-clock -p "${pids[$k]}" -o "$dir/perf" -- sleep 4.5 &
			ps=$!
			out=$(wrk -t2 -c64 -d4s "http://127.0.0.1:${ports[$k]}$path" 2>&1)
			wait $ps
			n=$(awk '/requests in/{print $1}' <<<"$out")
			ms=$(awk '/task-clock/{gsub(",","",$1); print $1}' "$dir/perf")
			printf '%-9s %-6s %10s req/s  %6.2f us CPU/request\n' "$path" "$([ $k = 0 ] && echo before || echo after)" \
				"$(awk '/Requests\/sec/{print $2}' <<<"$out")" "$(echo "$ms * 1000 / $n" | bc -l)"
		done
	done
done
