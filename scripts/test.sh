#!/usr/bin/env bash
# test.sh - `make test`: installs what the tests need, builds the release and the
# sanitizer (ASan+UBSan) binaries, then runs
#   0. the layer check, and make install/uninstall in a scratch root,
#   1. the cmocka unit tests (sanitized), the official JSON Schema test suites and
#      the differential check against python3-jsonschema (docs/schema.md), then the
#      fuzz smoke run (every libFuzzer harness on its committed seeds, then 3 s each:
#      scripts/fuzz.sh),
#   2. the black-box HTTP tests against the sanitized binary on SQLite,
#   3. on a throwaway PostgreSQL cluster: the unit tests of model/ again and those
#      that need one (LLMMETA_TEST_PG_URL), then the same HTTP tests,
#   4. the browser tests (Chromium via playwright-core) against the release binary,
# and ends with the tests that were skipped (name and reason), then one line
# "N passed, N failed, N skipped". Logs and screenshots: tests/out/.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/tests/out
rm -rf "$out" && mkdir -p "$out"

scripts/bootstrap.sh test || exit 1
make --no-print-directory -j2 all asan unit >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; echo "build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
source scripts/node-env.sh || { echo "Node.js 20 could not be set up"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
	(cd tests && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
fi

passed=0 failed=0 skipped=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + ${3:-0})); }
# One line per skipped test, "stage: name: reason", listed before the last line: a
# skip passes nothing, so it must be seen rather than vanish from the count.
skips=$out/skipped.txt
: >"$skips"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "== layers"
# The tree keeps its layers; and the check finds violations planted in a copy, or it
# would prove nothing: an include from http/ up into web/, SQL in auth/, html/
# reaching auth/ or http.h or sending a response, a page reaching the request
# pipeline (by include and by call), one page folder another's, a top-level web/
# file a page folder, the call machinery a page folder, a backend's insides
# included through ../../ from a folder, http/ keeping who is asking (a session)
# on the request, and the JSON Schema validator (schema/) using another layer.
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
echo '#include "../ask/ask.h"' >>"$p/web/call/call.c"
printf 'struct planted { char *session; };\n' >>"$p/http/request.c"
echo '#include "../core/log.h"' >>"$p/schema/csv.c"
scripts/check-layers.sh "$p" >"$out/layers-planted.log" 2>&1
rc=$?
missed=0
for want in 'http/request.c includes ../web/context.h' 'auth/csrf.c:.*SQL' 'html/markdown.c includes ../auth/auth.h' \
	'html/layout.c includes ../http/http.h' 'html/html.c:.*sends no response' 'web/admin/users.c includes ../app/app.h' \
	'web/admin/overview.c includes ../../db/db_impl.h: only db/' 'web/history/export.c:.*request pipeline' \
	'web/site/about.c includes ../history/thread_cache.h' 'web/errors.c includes admin/admin.h' \
	'web/call/call.c includes ../ask/ask.h' 'http/request.c:.*knows no users' \
	'schema/csv.c includes ../core/log.h: schema/ uses no other layer'; do
	grep -q "$want" "$out/layers-planted.log" || { missed=1; echo "    the layer check missed: $want"; }
done
if [ $rc -ne 0 ] && [ $missed -eq 0 ] && [ "$(grep -c . "$out/layers-planted.log")" -eq 13 ]; then
	lp=$((lp + 1))
else
	lf=$((lf + 1)); echo "    the layer check missed a planted violation (or found one more):"; sed 's/^/    /' "$out/layers-planted.log"
fi
rm -rf "$plant"
count "$lp" "$lf"
printf '  %d passed, %d failed\n' "$lp" "$lf"

echo "== install"
# make install and uninstall in a scratch DESTDIR (scripts/install-check.sh); the
# Debian package is make deb-check's (it takes a minute more).
scripts/install-check.sh >"$out/install.log" 2>&1
ip=$(grep -oP '^\K[0-9]+(?= passed, [0-9]+ failed$)' "$out/install.log" | tail -1)
if_=$(grep -oP ' passed, \K[0-9]+(?= failed$)' "$out/install.log" | tail -1)
if [ -z "$ip" ] || [ -z "$if_" ]; then ip=0 if_=1; fi
count "$ip" "$if_"
printf '  %d passed, %d failed\n' "$ip" "$if_"
[ "$if_" -eq 0 ] || grep -v '^  ok:' "$out/install.log" | sed 's/^/    /'

# Runs one cmocka binary $1, logging to $out/$2.log, counting from its summary.
unit_binary() {
	local t=$1 name=$2
	local log=$out/$name.log
	timeout 300 "$t" >"$log" 2>&1
	local rc=$?
	local p f s
	p=$(grep -oP '\[  PASSED  \] \K[0-9]+' "$log" | tail -1)
	f=$(grep -oP '\[  FAILED  \] \K[0-9]+(?= test)' "$log" | tail -1)
	s=$(grep -oP '\[  SKIPPED \] \K[0-9]+(?= test)' "$log" | tail -1)
	p=${p:-0} f=${f:-0} s=${s:-0}
	# A crash or sanitizer report fails the file even if cmocka printed nothing.
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	count "$p" "$f" "$s"
	# cmocka names each skipped test twice (when it runs, and in the closing list);
	# the reason is the message the test printed just before skipping, if any.
	awk -v n="$name" '
		/^\[  SKIPPED \] [0-9]+ test/ { prev = ""; next }
		/^\[  SKIPPED \] / { t = substr($0, 14); if (!(t in seen)) { seen[t] = 1; print n ": " t ": " (prev != "" ? prev : "skip() without a message") } prev = ""; next }
		/^\[/ { prev = ""; next }
		/^[0-9]{4}-[0-9]{2}-[0-9]{2}T/ { next }
		{ prev = $0 }' "$log" >>"$skips"
	printf '  %-28s %3d passed, %d failed%s\n' "$name" "$p" "$f" "$([ "$s" -eq 0 ] || echo ", $s skipped")"
	[ "$f" -eq 0 ] || sed 's/^/    /' "$log" | tail -30
}

echo "== unit tests (ASan+UBSan)"
for t in build/asan/tests/test_*; do
	[ -x "$t" ] || continue
	unit_binary "$t" "$(basename "$t")"
done

# The official JSON Schema test suites (docs/schema.md): draft-07 from Debian's
# package and from the vendored upstream copy, 2020-12 from the vendored copy. Each
# required test passes or fails here; the optional/ figures are printed, not counted.
echo "== JSON Schema test suites (ASan+UBSan)"
schema_suite() {
	local label=$1 draft=$2 dir=$3
	local log=$out/schema-suite-$label.log
	timeout 600 build/asan/tests/schema_suite "$draft" "$dir" tests/schema/skips.tsv >"$log" 2>&1
	local rc=$?
	local line p f s
	line=$(grep '^required: ' "$log" | tail -1)
	p=$(echo "$line" | grep -oP '\K[0-9]+(?= passed)') f=$(echo "$line" | grep -oP '\K[0-9]+(?= failed)')
	s=$(echo "$line" | grep -oP '\K[0-9]+(?= skipped)')
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	count "$p" "$f" "$s"
	grep '^skip: ' "$log" | grep -v '^skip: optional/' | sed "s/^skip: /schema-$label: /" >>"$skips"
	printf '  %-22s required %4d passed, %d failed, %d skipped; %s\n' "$label" "$p" "$f" "$s" \
		"$(grep '^optional: ' "$log" | tail -1)"
	[ "$f" -eq 0 ] || grep -E '^(FAIL|       )' "$log" | grep -v '^FAIL optional/' | head -30 | sed 's/^/    /'
}
schema_suite draft7-debian 7 /usr/share/json-schema-test-suite
schema_suite draft7 7 tests/schema/JSON-Schema-Test-Suite
schema_suite draft2020-12 2020-12 tests/schema/JSON-Schema-Test-Suite
# Differential: 3,000 generated (schema, instance) pairs (fixed seed) through our
# validator and Debian's python3-jsonschema; one disagreement that is not a
# documented python3-jsonschema bug fails it.
if timeout 600 /usr/bin/python3 -W ignore tests/schema/differential.py build/asan/tests/schema_batch 3000 >"$out/schema-differential.log" 2>&1; then
	count 1 0
else
	count 0 1
	tail -40 "$out/schema-differential.log" | sed 's/^/    /'
fi
grep '^differential: ' "$out/schema-differential.log" | sed 's/^/  /'

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
	local p f s t
	p=$(grep -oP '^# pass \K[0-9]+' "$tap" | tail -1)
	f=$(grep -oP '^# fail \K[0-9]+' "$tap" | tail -1)
	s=$(grep -oP '^# skipped \K[0-9]+' "$tap" | tail -1)
	t=$(grep -oP '^# todo \K[0-9]+' "$tap" | tail -1)
	p=${p:-0} f=${f:-0} s=$((${s:-0} + ${t:-0}))
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	count "$p" "$f" "$s"
	# "ok 3 - name # SKIP reason", at any depth; a todo is not a pass either.
	N=$name perl -ne 'print "$ENV{N}: $1: ", ($2 eq "TODO" ? "todo: " : ""), ($3 // "no reason given"), "\n"
		if /^\s*(?:not )?ok \d+ - (.*) # (SKIP|TODO)(?: (.*))?$/' "$tap" >>"$skips"
	printf '  %d passed, %d failed%s\n' "$p" "$f" "$([ "$s" -eq 0 ] || echo ", $s skipped")"
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
	# Each unit test binary that can use PostgreSQL, in a fresh database of its own:
	# those of model/ through tests/unit/unit_db.h (all their tests on PostgreSQL),
	# and those with PostgreSQL-only tests, which the unit stage skipped.
	echo "== unit tests on PostgreSQL"
	for src in $(grep -l -e '"unit_db.h"' -e LLMMETA_TEST_PG_URL tests/unit/test_*.c); do
		t=$(basename "$src" .c)
		dbname=unit_${t#test_}
		if ! psql "$pgbase/postgres" -q -c "CREATE DATABASE $dbname" >>"$out/pg.log" 2>&1; then
			echo "  $t: CREATE DATABASE failed"; tail -5 "$out/pg.log"
			count 0 1
			continue
		fi
		LLMMETA_TEST_PG_URL=$pgbase/$dbname unit_binary "build/asan/tests/$t" "$t-postgres"
		# Here nothing may be skipped, and a test of model/ must say it opened
		# PostgreSQL: otherwise the database was not used.
		if grep -q '^\[  SKIPPED \]' "$out/$t-postgres.log"; then
			echo "  $t: a test was skipped although LLMMETA_TEST_PG_URL was set"; count 0 1
		fi
		if grep -q '"unit_db.h"' "$src" && ! grep -q '^unit database: postgres$' "$out/$t-postgres.log"; then
			echo "  $t: did not open PostgreSQL"; count 0 1
		fi
		psql "$pgbase/postgres" -q -c "DROP DATABASE $dbname" >>"$out/pg.log" 2>&1
	done
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
summary='^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$'
fp=$(grep -E "$summary" "$out/faults.log" | tail -1 | sed -E "s/$summary/\\1/")
ff=$(grep -E "$summary" "$out/faults.log" | tail -1 | sed -E "s/$summary/\\2/")
fs=$(grep -E "$summary" "$out/faults.log" | tail -1 | sed -E "s/$summary/\\3/")
if [ -z "$fp" ]; then fp=0 ff=1 fs=0; fi
if [ $rc -ne 0 ] && [ "$ff" -eq 0 ]; then ff=1; fi
count "$fp" "$ff" "$fs"
# The table from its header on (every row, its failure if any, the notes).
sed -n '/^fault /,$p' "$out/faults.log" | grep -vE "$summary|^skipped: " | sed 's/^/  /'
sed -n 's/^skipped: /faults: /p' "$out/faults.log" >>"$skips"
printf '  %d passed, %d failed%s\n' "$fp" "$ff" "$([ "$fs" -eq 0 ] || echo ", $fs skipped")"

if [ -s "$skips" ]; then
	echo "== skipped"
	sed 's/^/  /' "$skips"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
