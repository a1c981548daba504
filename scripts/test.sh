#!/usr/bin/env bash
# test.sh - `make test`: installs what the tests need, builds the release and the
# sanitizer (ASan+UBSan) binaries, then runs
#   1. the cmocka unit tests (sanitized), then the fuzz smoke run (every libFuzzer
#      harness on its committed seeds, then 3 s each: scripts/fuzz.sh),
#   2. the black-box HTTP tests against the sanitized binary on SQLite,
#   3. on a throwaway PostgreSQL cluster: the unit tests that need one
#      (LLMMETA_TEST_PG_URL), then the same HTTP tests,
#   4. the browser tests (Chromium via playwright-core) against the release binary,
# and ends with one line "N passed, N failed". Logs and screenshots: tests/out/.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/tests/out
rm -rf "$out" && mkdir -p "$out"

scripts/bootstrap.sh test || exit 1
make --no-print-directory -j2 all asan unit >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
source scripts/node-env.sh || { echo "Node.js 20 could not be set up"; echo "0 passed, 1 failed"; exit 1; }
if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
	(cd tests && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
fi

passed=0 failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "== layers"
# The tree keeps its layers; and the check finds violations planted in a copy, or it
# would prove nothing: an include from http/ up into web/, SQL in auth/, html/
# reaching auth/ or http.h or sending a response, a page reaching the request
# pipeline (by include and by call), one page folder another's, a top-level web/
# file a page folder, a backend's insides included through ../../ from a folder, and
# http/ keeping who is asking (a session) on the request.
lp=0 lf=0
if scripts/check-layers.sh >"$out/layers.log" 2>&1; then lp=$((lp + 1)); else lf=$((lf + 1)); sed 's/^/    /' "$out/layers.log"; fi
plant=$(mktemp -d)
cp -r src "$plant/"
p=$plant/src
echo '#include "../web/context.h"' >>"$p/http/request.c"
printf 'void planted(db *d);\nvoid planted(db *d) { db_exec(d, "DELETE FROM users", 0, NULL); }\n' >>"$p/auth/csrf.c"
echo '#include "../auth/auth.h"' >>"$p/html/markdown.c"
echo '#include "../http/http.h"' >>"$p/html/layout.c"
printf 'void planted(void *r);\nvoid planted(void *r) { http_send_text(r, 200, "text/plain", ""); }\n' >>"$p/html/html.c"
echo '#include "../app/app.h"' >>"$p/web/admin/users.c"
echo '#include "../../db/db_impl.h"' >>"$p/web/admin/overview.c"
printf 'void planted(http_req *r);\nvoid planted(http_req *r) { app_handle(r); }\n' >>"$p/web/history/export.c"
echo '#include "../history/thread_cache.h"' >>"$p/web/site/about.c"
echo '#include "admin/admin.h"' >>"$p/web/errors.c"
printf 'struct planted { char *session; };\n' >>"$p/http/request.c"
scripts/check-layers.sh "$p" >"$out/layers-planted.log" 2>&1
rc=$?
missed=0
for want in 'http/request.c includes ../web/context.h' 'auth/csrf.c:.*SQL' 'html/markdown.c includes ../auth/auth.h' \
	'html/layout.c includes ../http/http.h' 'html/html.c:.*sends no response' 'web/admin/users.c includes ../app/app.h' \
	'web/admin/overview.c includes ../../db/db_impl.h: only db/' 'web/history/export.c:.*request pipeline' \
	'web/site/about.c includes ../history/thread_cache.h' 'web/errors.c includes admin/admin.h' \
	'http/request.c:.*knows no users'; do
	grep -q "$want" "$out/layers-planted.log" || { missed=1; echo "    the layer check missed: $want"; }
done
if [ $rc -ne 0 ] && [ $missed -eq 0 ] && [ "$(grep -c . "$out/layers-planted.log")" -eq 11 ]; then
	lp=$((lp + 1))
else
	lf=$((lf + 1)); echo "    the layer check missed a planted violation (or found one more):"; sed 's/^/    /' "$out/layers-planted.log"
fi
rm -rf "$plant"
count "$lp" "$lf"
printf '  %d passed, %d failed\n' "$lp" "$lf"

# Runs one cmocka binary $1, logging to $out/$2.log, counting from its summary.
unit_binary() {
	local t=$1 name=$2
	local log=$out/$name.log
	timeout 300 "$t" >"$log" 2>&1
	local rc=$?
	local p f
	p=$(grep -oP '\[  PASSED  \] \K[0-9]+' "$log" | tail -1)
	f=$(grep -oP '\[  FAILED  \] \K[0-9]+(?= test)' "$log" | tail -1)
	p=${p:-0} f=${f:-0}
	# A crash or sanitizer report fails the file even if cmocka printed nothing.
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	count "$p" "$f"
	printf '  %-28s %3d passed, %d failed\n' "$name" "$p" "$f"
	[ "$f" -eq 0 ] || sed 's/^/    /' "$log" | tail -30
}

echo "== unit tests (ASan+UBSan)"
for t in build/asan/tests/test_*; do
	[ -x "$t" ] || continue
	unit_binary "$t" "$(basename "$t")"
done

echo "== fuzz smoke (libFuzzer, ASan+UBSan)"
# One pass per harness that ran clean, one fail per harness with a finding.
if make --no-print-directory -j2 fuzz-build >"$out/fuzz-build.log" 2>&1; then
	scripts/fuzz.sh smoke 3 >"$out/fuzz.log" 2>&1
	grep -v ' passed, .* failed$' "$out/fuzz.log"
	fp=$(grep -oP '^\K[0-9]+(?= passed, [0-9]+ failed$)' "$out/fuzz.log" | tail -1)
	ff=$(grep -oP ' passed, \K[0-9]+(?= failed$)' "$out/fuzz.log" | tail -1)
	if [ -z "$fp" ] || [ -z "$ff" ]; then fp=0 ff=1; fi
	count "$fp" "$ff"
	printf '  %d passed, %d failed\n' "$fp" "$ff"
else
	echo "  the harnesses did not build:"; tail -20 "$out/fuzz-build.log" | sed 's/^/    /'
	count 0 1
fi

# Runs node's test runner on $@, counting from its TAP output.
node_suite() {
	local name=$1; shift
	local tap=$out/$name.tap
	echo "== $name"
	timeout 900 node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
		--test-reporter=tap --test-reporter-destination="$tap" "$@" >"$out/$name.log" 2>&1
	local rc=$?
	local p f
	p=$(grep -oP '^# pass \K[0-9]+' "$tap" | tail -1)
	f=$(grep -oP '^# fail \K[0-9]+' "$tap" | tail -1)
	p=${p:-0} f=${f:-0}
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	count "$p" "$f"
	printf '  %d passed, %d failed\n' "$p" "$f"
	[ "$f" -eq 0 ] || grep -vE '^\s*$' "$out/$name.log" | tail -60 | sed 's/^/    /'
}

LLMMETA_BIN=$root/build/asan/llmmeta node_suite http-sqlite tests/http/

pgdir=$(mktemp -d /tmp/llmmeta-pg.XXXXXX)
# A random port may be taken (by another test run on a shared machine): try a few.
pg_started=0
for _ in 1 2 3 4 5; do
	pgport=$((20000 + RANDOM % 20000))
	if scripts/pg-cluster.sh start "$pgdir" "$pgport" >>"$out/pg.log" 2>&1; then pg_started=1; break; fi
done
if [ "$pg_started" -eq 1 ]; then
	pgbase=$(scripts/pg-cluster.sh url "$pgdir" "$pgport")
	# The statement cache's PostgreSQL test (skipped in the unit stage) in a database
	# of its own.
	echo "== unit tests on PostgreSQL"
	if psql "$pgbase/postgres" -q -c "CREATE DATABASE unit_stmt_cache" >>"$out/pg.log" 2>&1; then
		LLMMETA_TEST_PG_URL=$pgbase/unit_stmt_cache unit_binary build/asan/tests/test_stmt_cache test_stmt_cache-postgres
		# Here nothing may be skipped: a skip would mean the database was not used.
		if grep -q '^\[  SKIPPED \]' "$out/test_stmt_cache-postgres.log"; then
			echo "  a test was skipped although LLMMETA_TEST_PG_URL was set"; count 0 1
		fi
		psql "$pgbase/postgres" -q -c "DROP DATABASE unit_stmt_cache" >>"$out/pg.log" 2>&1
	else
		echo "  CREATE DATABASE failed"; tail -5 "$out/pg.log"
		count 0 1
	fi
	LLMMETA_BIN=$root/build/asan/llmmeta TEST_DATABASE_URL_BASE=$pgbase \
		PG_CLUSTER_DIR=$pgdir PG_CLUSTER_PORT=$pgport node_suite http-postgres tests/http/
	scripts/pg-cluster.sh stop "$pgdir" "$pgport" >>"$out/pg.log" 2>&1
else
	echo "== http-postgres: the PostgreSQL cluster did not start"; tail -20 "$out/pg.log"
	count 0 1
fi
rm -rf "$pgdir"

LLMMETA_BIN=$root/build/llmmeta node_suite browser tests/browser/

# The fault suite's fast subset (make faults runs it whole), on the release binary.
echo "== faults (quick)"
LLMMETA_BIN=$root/build/llmmeta timeout 600 node tests/faults/faults.mjs --quick >"$out/faults.log" 2>&1
rc=$?
fp=$(grep -oP '^\K[0-9]+(?= passed, [0-9]+ failed$)' "$out/faults.log" | tail -1)
ff=$(grep -oP '^[0-9]+ passed, \K[0-9]+(?= failed$)' "$out/faults.log" | tail -1)
fp=${fp:-0} ff=${ff:-0}
if [ $rc -ne 0 ] && [ "$ff" -eq 0 ]; then ff=1; fi
count "$fp" "$ff"
grep -E '^(fault|provider|[0-9]+ |kill|database|uploads:|kill -9:)' "$out/faults.log" | grep -v 'passed, ' | sed 's/^/  /'
printf '  %d passed, %d failed\n' "$fp" "$ff"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
