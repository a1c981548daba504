#!/usr/bin/env bash
# install-check.sh - 'make install' and 'make uninstall' into a scratch DESTDIR:
# every file where docs/deploy.md says, the installed binary and man page usable,
# and nothing left behind by uninstall. A stage of scripts/test.sh (about a second);
# needs build/llmmeta. Ends with "N passed, N failed".
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok: $*"; }
bad() { fail=$((fail + 1)); echo "  FAILED: $*"; }
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

if make --no-print-directory -s install DESTDIR="$dest" PREFIX=/usr >"$dest.log" 2>&1; then ok "make install"; else bad "make install: $(tail -3 "$dest.log")"; fi
rm -f "$dest.log"
want=(usr/bin/llmmeta usr/share/man/man1/llmmeta.1 usr/share/doc/llmmeta/README.md)
for f in docs/*.md examples/*; do want+=("usr/share/doc/llmmeta/$f"); done
missing=()
for f in "${want[@]}"; do [ -f "$dest/$f" ] || missing+=("$f"); done
[ ${#missing[@]} -eq 0 ] && ok "${#want[@]} files in place" || bad "missing: ${missing[*]}"
[ "$(stat -c %a "$dest/usr/bin/llmmeta" 2>/dev/null)" = 755 ] && ok "the binary is 0755" || bad "the binary is not 0755"
extra=$(cd "$dest" && find . -type f | sed 's|^\./||' | sort | comm -23 - <(printf '%s\n' "${want[@]}" | sort))
[ -z "$extra" ] && ok "nothing else installed" || bad "installed besides: $extra"
"$dest/usr/bin/llmmeta" --version | grep -q '^llmmeta [0-9]' && ok "the installed binary runs" || bad "the installed binary does not run"
if command -v mandoc >/dev/null; then
	mandoc -T lint "$dest/usr/share/man/man1/llmmeta.1" && ok "the installed man page: mandoc -T lint clean" ||
		bad "mandoc -T lint on the installed page"
else
	bad "mandoc is missing (scripts/bootstrap.sh test installs it)"
fi
make --no-print-directory -s uninstall DESTDIR="$dest" PREFIX=/usr
left=$(cd "$dest" && find . -type f)
[ -z "$left" ] && ok "make uninstall removes every file" || bad "left after uninstall: $left"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
