#!/usr/bin/env bash
# check-layers.sh - fails when a source file reaches a layer it must not (see
# docs/architecture.md, "Layers"). Reads #include lines and database calls only.
#   Usage: scripts/check-layers.sh [SRC_DIR]     (default: src)
# Prints one line per violation and exits 1 when there is any.
set -uo pipefail
src=${1:-src}

# What each layer may include, besides itself. Requests flow one way:
# http -> web -> model -> db, and web -> llm, mail and oauth; core is under everything.
declare -A allowed=(
	[core]=""
	[db]="core"
	[http]="core"
	[llm]="core"
	[mail]="core"
	[oauth]="core"
	[model]="core db"
	[auth]="core db http model"
	[html]="core http auth"
	[web]="core db http html auth model llm mail oauth"
)
# Statements and transactions belong to model/ (and db/ itself).
sql_calls='\bdb_(query|query_int|query_text|exec|exec_script|begin|commit|rollback|step)\('

bad=0
report() { echo "layers: $*"; bad=1; }
# REPLY = path $1 with its "." and ".." folded away (no subshell: it runs per include).
normalize() {
	local IFS=/ part
	local -a out=()
	for part in $1; do
		case $part in
		'' | .) ;;
		..) [ ${#out[@]} -gt 0 ] && unset 'out[-1]' ;;
		*) out+=("$part") ;;
		esac
	done
	REPLY="${out[*]}"
}

for file in $(find "$src" -name '*.[ch]' | sort); do
	rel=${file#"$src"/}
	layer=${rel%%/*}
	[ "$layer" = "$rel" ] && continue # src/main.c wires everything together
	if [ -z "${allowed[$layer]+x}" ]; then
		report "$rel: directory $layer/ has no rule in scripts/check-layers.sh"
		continue
	fi
	dir=$(dirname "$rel")
	while IFS= read -r inc; do
		# The included file's path from src/, whatever folder of its layer the
		# including file is in (web/ask/x.c includes ../../core/y.h, ../call/z.h).
		normalize "$dir/$inc"
		target=$REPLY
		tl=${target%%/*}
		if [ "$tl" = "$layer" ]; then
			continue # the same layer
		fi
		if [ "$tl" = "db" ] && [ "${target#db/}" != "db.h" ] && [ "$layer" != "db" ]; then
			report "$rel includes $inc: only db/ sees a backend's insides"
		elif [[ " ${allowed[$layer]} " != *" $tl "* ]]; then
			report "$rel includes $inc: $layer/ may use only: ${allowed[$layer]:-nothing above core}"
		fi
	done < <(grep -oE '^\s*#\s*include\s+"[^"]+"' "$file" | sed -E 's/.*"([^"]+)"/\1/')
	if [ "$layer" != "db" ] && [ "$layer" != "model" ]; then
		grep -nE "$sql_calls" "$file" | while IFS= read -r hit; do
			echo "layers: $rel:${hit%%:*}: SQL or a transaction outside model/: ${hit#*:}" | cut -c1-160
		done | grep . && bad=1
	fi
done
exit $bad
