#!/usr/bin/env bash
# deb.sh - the Debian package (docs/deploy.md, "Debian package").
#   scripts/deb.sh build   builds build/deb/llmmeta_<version>_<arch>.deb with
#                          dpkg-buildpackage, in a copy of the tree (it writes beside it)
#   scripts/deb.sh check   build, then: lintian (errors fail, warnings are listed),
#                          the package's files unpacked into a scratch root (dpkg -x),
#                          systemd-analyze verify and security on its unit, and
#                          'llmmeta migrate' and 'serve' run from the installed path
# Ends with "N passed, N failed" for check.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=$root/build/deb
version=$(sed -n 's/^VERSION := //p' Makefile)
arch=$(dpkg --print-architecture)
deb=$out/llmmeta_${version}_${arch}.deb

build() {
	rm -rf "$out" && mkdir -p "$out/src"
	local src=$out/src/llmmeta-$version
	mkdir -p "$src"
	# The files git knows or would add: no build/, no node_modules.
	git ls-files -z --cached --others --exclude-standard | grep -zv '^tests/node_modules' |
		xargs -0 cp --parents -t "$src" 2>/dev/null
	[ "$(sed -n '1s/^llmmeta (\([^)]*\)).*/\1/p' debian/changelog)" = "$version" ] ||
		{ echo "deb: debian/changelog's version is not the Makefile's $version" >&2; return 1; }
	(cd "$src" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
		{ tail -30 "$out/build.log"; echo "deb: dpkg-buildpackage failed (build/deb/build.log)" >&2; return 1; }
	mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/ 2>/dev/null
	[ -f "$deb" ] || { echo "deb: $deb was not made" >&2; return 1; }
	echo "deb: $deb"
}

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "  ok: $*"; }
bad() { fail=$((fail + 1)); echo "  FAILED: $*"; }

check() {
	build || { echo "0 passed, 1 failed"; exit 1; }
	echo "== lintian"
	lintian --tag-display-limit 0 "$deb" >"$out/lintian.log" 2>&1
	sed 's/^/  /' "$out/lintian.log"
	if grep -q '^E: ' "$out/lintian.log"; then bad "lintian reports errors"; else ok "lintian: no errors ($(grep -c '^W: ' "$out/lintian.log") warnings)"; fi

	echo "== the files, unpacked in a scratch root"
	local r=$out/root
	rm -rf "$r" && dpkg -x "$deb" "$r"
	for f in usr/bin/llmmeta usr/share/man/man1/llmmeta.1.gz usr/share/doc/llmmeta/README.md \
		usr/share/doc/llmmeta/docs/deploy.md usr/share/doc/llmmeta/examples/nginx.conf \
		usr/share/doc/llmmeta/examples/llmmeta.service lib/systemd/system/llmmeta.service \
		lib/systemd/system/llmmeta.socket etc/llmmeta/llmmeta.env; do
		if [ -e "$r/$f" ]; then ok "/$f"; else bad "/$f missing"; fi
	done
	[ "$(stat -c %a "$r/etc/llmmeta/llmmeta.env" 2>/dev/null)" = 600 ] && ok "/etc/llmmeta/llmmeta.env is 0600" ||
		bad "/etc/llmmeta/llmmeta.env is not 0600"
	dpkg-deb -f "$deb" Depends | grep -q 'libmicrohttpd' && ok "Depends names the libraries: $(dpkg-deb -f "$deb" Depends)" ||
		bad "Depends lacks the libraries"
	dpkg-deb -e "$deb" "$out/control" && grep -q 'adduser --system' "$out/control/postinst" &&
		ok "postinst creates the system user" || bad "postinst creates no user"
	grep -qx '/etc/llmmeta/llmmeta.env' "$out/control/conffiles" && ok "the settings are a conffile" ||
		bad "/etc/llmmeta/llmmeta.env is not a conffile"

	echo "== the unit"
	local u=$out/unit
	rm -rf "$u" && mkdir -p "$u"
	# verify checks that ExecStart's program exists: the unpacked one stands in.
	sed "s|/usr/bin/llmmeta|$r/usr/bin/llmmeta|" "$r/lib/systemd/system/llmmeta.service" >"$u/llmmeta.service"
	cp "$r/lib/systemd/system/llmmeta.socket" "$u/"
	if MANPATH=$r/usr/share/man systemd-analyze verify "$u/llmmeta.service" "$u/llmmeta.socket" >"$out/verify.log" 2>&1; then
		ok "systemd-analyze verify: clean"
	else
		bad "systemd-analyze verify:"; sed 's/^/    /' "$out/verify.log"
	fi
	local score
	score=$(systemd-analyze security --offline=yes "$u/llmmeta.service" 2>&1 | sed -n 's/.*Overall exposure level for llmmeta.service: \([0-9.]*\).*/\1/p')
	if [ -n "$score" ] && awk "BEGIN { exit !($score <= 2.0) }"; then ok "systemd-analyze security: exposure $score (at most 2.0)"; else bad "systemd-analyze security: exposure '${score}'"; fi

	echo "== migrate and serve from the installed path"
	local data port pid
	data=$(mktemp -d)
	port=$((20000 + RANDOM % 20000))
	local bin=$r/usr/bin/llmmeta
	if env -i PATH=/usr/bin:/bin DATA_DIR="$data" DATABASE_URL="sqlite://$data/llmmeta.db" "$bin" migrate >"$out/migrate.log" 2>&1; then
		ok "llmmeta migrate: $(tail -1 "$out/migrate.log")"
	else
		bad "llmmeta migrate:"; sed 's/^/    /' "$out/migrate.log"
	fi
	env -i PATH=/usr/bin:/bin DATA_DIR="$data" DATABASE_URL="sqlite://$data/llmmeta.db" PORT=$port \
		LLM_API_URL=http://127.0.0.1:9/v1 "$bin" serve >"$out/serve.log" 2>&1 &
	pid=$!
	local status=
	for _ in $(seq 100); do
		status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/" 2>/dev/null) && [ "$status" = 200 ] && break
		sleep 0.1
	done
	[ "$status" = 200 ] && ok "llmmeta serve answers /health/ 200" || { bad "llmmeta serve: /health/ gave '$status'"; tail -5 "$out/serve.log"; }
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" && ok "serve exits 0 on SIGTERM" || bad "serve did not exit 0 on SIGTERM"
	"$bin" --version | grep -qx "llmmeta $version" && ok "--version says $version" || bad "--version"
	rm -rf "$data"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

case "${1:-}" in
build) build ;;
check) check ;;
*) echo "usage: $0 build|check" >&2; exit 2 ;;
esac
