#!/usr/bin/env bash
# schema.sh - the JSON Schema validator's speed and memory (part of `make bench`;
# docs/schema.md): a realistic metadata schema (a tensile test's, bench/schema_gen.py),
# one 25 MB document and 100,000 small ones, validated by llmmeta's validator
# (release build, bench/schema_bench.c) and by Debian's python3-jsonschema
# (bench/schema_py.py), same files, same machine. ajv is measured only when it is
# already installed in tests/node_modules (never installed for this).
#   BENCH_SCHEMA_MB (25) and BENCH_SCHEMA_N (100000) change the sizes.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/llmmeta-schema-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
make --no-print-directory build/schema_bench >/dev/null || exit 1
/usr/bin/python3 bench/schema_gen.py "$dir" "${BENCH_SCHEMA_MB:-25}" "${BENCH_SCHEMA_N:-100000}" || exit 1
echo "== JSON Schema: a document of $(stat -c %s "$dir/big.json") bytes, $(wc -l <"$dir/small.jsonl") small ones ($(stat -c %s "$dir/small.jsonl") bytes)"
echo "-- llmmeta (src/schema/, jansson)"
build/schema_bench "$dir" | sed 's/^/  /'
echo "-- python3-jsonschema $(dpkg-query -W -f='${Version}' python3-jsonschema 2>/dev/null)"
/usr/bin/python3 -W ignore bench/schema_py.py "$dir" | sed 's/^/  /'
if [ -d tests/node_modules/ajv ]; then
	echo "-- ajv: present, but no runner is written for it yet"
else
	echo "-- ajv: not measured (not in tests/node_modules, and the bench installs nothing)"
fi
