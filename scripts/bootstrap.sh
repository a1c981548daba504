#!/usr/bin/env bash
# bootstrap.sh - installs the Debian packages llmmeta needs, and nothing when all
# are there (quiet, idempotent). Usage: scripts/bootstrap.sh [build|test|bench|fuzz|deb]
#   fuzz:  build + clang and its runtime libraries (libFuzzer, ASan, UBSan); test has them too
#   build: compiler and the -dev libraries the binary links
#   test:  build + cmocka, PostgreSQL, Node.js/npm, Chromium, promtool (prometheus),
#          the JSON Schema test suite (draft-07) and python3-jsonschema (the differential
#          check), mandoc (the manual page's lint), nginx (in front of two instances)
#   bench: build + wrk, nginx, and sqlite3 (to seed its database)
#   deb:   build + what make deb needs: dpkg-buildpackage, debhelper, lintian, fakeroot,
#          mandoc, and systemd (systemd-analyze checks the unit)
set -euo pipefail

need=(build-essential pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev libpq-dev libsodium-dev
      libcurl4-openssl-dev libinih-dev libmd4c-dev libcjose-dev libpcre2-dev)
# Debian 12's clang is 14; libFuzzer and the sanitizer runtimes come apart from it.
fuzz=(clang libclang-rt-14-dev)
case "${1:-build}" in
build) ;;
fuzz) need+=("${fuzz[@]}") ;;
test) need+=(libcmocka-dev postgresql chromium fonts-dejavu-core sqlite3 procps prometheus json-schema-test-suite
            python3-jsonschema mandoc nginx-light "${fuzz[@]}")
      # Node.js: any recent one will do; Debian's only when none is installed, since
      # Debian's npm package conflicts with NodeSource's nodejs.
      if ! command -v node >/dev/null || ! command -v npm >/dev/null; then need+=(nodejs npm); fi ;;
bench) need+=(wrk nginx-light procps sqlite3 time python3-jsonschema) ;;
deb) need+=(dpkg-dev debhelper lintian fakeroot mandoc systemd curl) ;;
*) echo "usage: $0 [build|test|bench|fuzz|deb]" >&2; exit 2 ;;
esac

missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >&2
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
