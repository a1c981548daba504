#!/usr/bin/env bash
# fuzz.sh - runs the libFuzzer harnesses built by `make fuzz-build` (docs/fuzzing.md).
#   scripts/fuzz.sh run SECONDS   each harness for SECONDS on a scratch corpus under
#                                 build/fuzz/corpus/ (seeded from tests/fuzz/corpus/,
#                                 kept between runs); prints a table: harness,
#                                 executions, exec/s, crashes. `make fuzz` runs this.
#   scripts/fuzz.sh smoke [SECONDS]  for `make test`: every committed seed once (past
#                                 crashes stay fixed), then each harness for SECONDS
#                                 (default 3) from the seeds alone; one line per
#                                 harness, then "N passed, N failed".
# FUZZ_ONLY="markdown sse" (names without fuzz_) limits either to those harnesses.
# Crash inputs go to build/fuzz/artifacts/<harness>-crash-<sha1> (also leak-, timeout-,
# oom-); reproduce one with build/fuzz/<harness> <file>. A harness stops at its first
# finding, so the crash count is 0 or 1 per run. Exits non-zero on any finding.
set -uo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
seconds=${2:-}
case "$mode" in
run) seconds=${seconds:-60} ;;
smoke) seconds=${seconds:-3} ;;
*) echo "usage: $0 run SECONDS | smoke [SECONDS]" >&2; exit 2 ;;
esac

# The largest input each harness is given: a bit beyond what the code treats as a
# limit where it has one (the router's 4096-byte slashed path), and otherwise large
# enough for several events, blocks or fields.
max_len() {
	case "$1" in
	router) echo 5000 ;;
	sse | openai | anthropic | anthropic_translate | markdown) echo 8192 ;;
	html | config | password) echo 1024 ;;
	*) echo 4096 ;;
	esac
}

art=build/fuzz/artifacts
logs=build/fuzz/logs
mkdir -p "$art" "$logs"
harnesses=()
for b in build/fuzz/fuzz_*; do
	[ -x "$b" ] && [ -f "$b" ] || continue
	# FUZZ_ONLY="markdown sse" runs only those.
	[ -z "${FUZZ_ONLY:-}" ] || [[ " $FUZZ_ONLY " == *" ${b#build/fuzz/fuzz_} "* ]] || continue
	harnesses+=("$(basename "$b")")
done
[ ${#harnesses[@]} -gt 0 ] || { echo "fuzz: no harness in build/fuzz (make fuzz-build)"; exit 1; }

findings() { ls "$art" 2>/dev/null | grep -cE "^$1-(crash|leak|timeout|oom)-" ; }

# Fuzzes harness $1 for $seconds on corpus dir $2; sets runs, rate, found.
fuzz_one() {
	local h=$1 corpus=$2 name=${1#fuzz_}
	local log=$logs/$h.log before
	before=$(findings "$h")
	build/fuzz/"$h" -max_total_time="$seconds" -max_len="$(max_len "$name")" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/$h-" "$corpus" >"$log" 2>&1
	local rc=$?
	runs=$(grep -oP '^stat::number_of_executed_units: *\K[0-9]+' "$log" | tail -1)
	runs=${runs:-$(grep -oP '^#\K[0-9]+' "$log" | tail -1)}
	runs=${runs:-0}
	rate=$(grep -oP '^stat::average_exec_per_sec: *\K[0-9]+' "$log" | tail -1)
	rate=${rate:-0}
	found=$(($(findings "$h") - before))
	# A sanitizer report or a failed property without an artifact is a finding too.
	if [ $rc -ne 0 ] && [ $found -eq 0 ]; then found=1; fi
}

if [ "$mode" = run ]; then
	total=0
	printf '%-18s %14s %10s %8s\n' harness executions exec/s crashes
	for h in "${harnesses[@]}"; do
		corpus=build/fuzz/corpus/${h#fuzz_}
		mkdir -p "$corpus"
		cp -n tests/fuzz/corpus/"${h#fuzz_}"/* "$corpus"/ 2>/dev/null
		fuzz_one "$h" "$corpus"
		printf '%-18s %14s %10s %8s\n' "$h" "$runs" "$rate" "$found"
		total=$((total + found))
		[ "$found" -eq 0 ] || grep -E 'ERROR|violated|SUMMARY|Test unit written' "$logs/$h.log" | sed 's/^/    /' | head -8
	done
	echo "$(date -u +%FT%TZ): ${#harnesses[@]} harnesses, ${seconds} s each, $total finding(s); logs in $logs, inputs in $art"
	[ "$total" -eq 0 ]
	exit
fi

passed=0 failed=0
for h in "${harnesses[@]}"; do
	name=${h#fuzz_}
	seeds=(tests/fuzz/corpus/"$name"/*)
	ok=1
	# Every committed input once: the regression check for past findings.
	if ! build/fuzz/"$h" -timeout=10 -rss_limit_mb=2048 "${seeds[@]}" >"$logs/$h-seeds.log" 2>&1; then
		ok=0
		echo "  $h: a committed input fails:"
		grep -E 'Running|ERROR|violated|SUMMARY' "$logs/$h-seeds.log" | tail -6 | sed 's/^/    /'
	fi
	scratch=$(mktemp -d)
	cp tests/fuzz/corpus/"$name"/* "$scratch"/
	fuzz_one "$h" "$scratch"
	rm -rf "$scratch"
	if [ "$found" -ne 0 ]; then
		ok=0
		echo "  $h: a finding, input in $art:"
		grep -E 'ERROR|violated|SUMMARY|Test unit written' "$logs/$h.log" | head -6 | sed 's/^/    /'
	fi
	printf '  %-20s %2d seeds, %8d executions in %ds: %s\n' "$h" "${#seeds[@]}" "$runs" "$seconds" "$([ $ok -eq 1 ] && echo clean || echo FAILED)"
	if [ $ok -eq 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
