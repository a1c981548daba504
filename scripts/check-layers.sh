#!/usr/bin/env bash
# check-layers.sh - fails when a source file reaches a layer it must not (see
# docs/architecture.md, "Layers"). Reads #include lines and a few calls only.
#   Usage: scripts/check-layers.sh [SRC_DIR]     (default: src)
# Prints one line per violation and exits 1 when there is any.
set -uo pipefail
set -f # paths are split on / below, never globbed
src=${1:-src}

# What each layer may include, besides itself. Requests flow one way:
# http -> web -> model -> db, and web -> llm, mail and oauth; core is under everything
# but schema/, which uses no other layer at all.
declare -A allowed=(
	[core]=""
	[db]="core"
	[http]="core"
	[llm]="core"
	[mail]="core"
	[oauth]="core"
	[model]="core db"
	[auth]="core db http model"
	[html]="core"
	[web]="core db http html auth model llm mail oauth schema"
	# The JSON Schema validator stands alone (jansson, libc and PCRE2): the command
	# line and the web both use it, and it knows neither.
	[schema]=""
)
# Single files a layer may include from a layer it may not otherwise use: html/
# links the static files by their versioned URLs (asset_url), and nothing else of
# http/ - it neither reads requests nor sends responses.
declare -A allowed_files=(
	[html]="http/assets.h"
)
# Statements and transactions belong to model/ (and db/ itself).
sql_calls='\bdb_(query|query_int|query_text|exec|exec_script|begin|commit|rollback|step)\('
# Sending a response: the web layer's, never html/'s.
send_calls='\bhttp_(send[a-z_]*|redirect|error|add_header|set_cookie|suspend|resume|stream_wait)\s*\('
# The request pipeline's functions (web/app/): main.c calls them, no page does.
app_calls='\bapp_[a-z_]+\s*\('
# Who is asking (user, session, CSRF) is the application's state of a request
# (auth/'s struct visitor, behind http_req.app): http/'s code names none of it.
app_state='\b(users?|[a-z_]*session[a-z_]*|[a-z_]*csrf[a-z_]*|visitor)\b'

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

# Sets $resolved to the path of include $2 seen from directory $1 (both relative to
# src), with . and .. taken out: web/admin + ../../core/log.h -> core/log.h.
resolve() {
	local path="$1/$2" IFS=/ p
	local -a out=()
	for p in $path; do
		case $p in
		'' | .) ;;
		..) if ((${#out[@]})) && [ "${out[-1]}" != .. ]; then unset 'out[-1]'; else out+=(..); fi ;;
		*) out+=("$p") ;;
		esac
	done
	resolved="${out[*]}"
}

# Inside web/: the pipeline (web/app/) may include every folder of web/; a page's
# folder (web/admin/, ...) only itself and web/'s top-level files; the top-level
# files only each other. So no page reaches the pipeline, and features stay apart.
# Page folders that use another's (besides call/, which all may): the conversation
# page continues a conversation with the ask form; a comparison asks each column
# as the ask form asks its question (its validation, its job, its record), and
# POST /v1/compare takes its body as the API does (its errors, its place).
declare -A web_uses=(
	[history]="ask"
	[compare]="ask api"
)
web_rule() {
	local rel=$1 inc=$2 target=$3
	local from=${rel#web/} to=${target#web/}
	local fsub= tsub=
	[[ $from == */* ]] && fsub=${from%%/*}
	[[ $to == */* ]] && tsub=${to%%/*}
	[ -z "$tsub" ] || [ "$fsub" = "$tsub" ] || [ "$fsub" = app ] && return
	# call/ is the machinery every model call runs on (docs/architecture.md), shared
	# like web/'s top-level files; a few page folders build on another's pages.
	[ "$tsub" = call ] && [ "$fsub" != call ] && [ -n "$fsub" ] && return
	[ -n "$fsub" ] && [[ " ${web_uses[$fsub]:-} " == *" $tsub "* ]] && return
	if [ "$tsub" = app ]; then
		report "$rel includes $inc: only web/app/ and main.c use the request pipeline"
	else
		local who="a top-level web/ file"
		[ -n "$fsub" ] && who="web/$fsub/"
		report "$rel includes $inc: $who may not use web/$tsub/ (only web/app/ reaches every folder)"
	fi
}

for file in $(find "$src" -name '*.[ch]' | sort); do
	rel=${file#"$src"/}
	layer=${rel%%/*}
	[ "$layer" = "$rel" ] && continue # src/main.c wires everything together
	if [ -z "${allowed[$layer]+x}" ]; then
		report "$rel: directory $layer/ has no rule in scripts/check-layers.sh"
		continue
	fi
	dir=${rel%/*}
	while IFS= read -r inc; do
		resolve "$dir" "$inc"
		target=$resolved
		tl=${target%%/*}
		if [ "$tl" = .. ] || [ "$tl" = "$target" ]; then
			report "$rel includes $inc: outside the layers"
		elif [ "$tl" = "$layer" ]; then
			[ "$layer" = web ] && web_rule "$rel" "$inc" "$target"
		elif [ "$tl" = "db" ] && [ "$target" != "db/db.h" ]; then
			report "$rel includes $inc: only db/ sees a backend's insides"
		elif [[ " ${allowed_files[$layer]:-} " == *" $target "* ]]; then
			continue
		elif [ "$layer" = schema ]; then
			report "$rel includes $inc: schema/ uses no other layer (jansson, libc and PCRE2 only)"
		elif [[ " ${allowed[$layer]} " != *" $tl "* ]]; then
			report "$rel includes $inc: $layer/ may use only: ${allowed[$layer]:-nothing above core}${allowed_files[$layer]:+ (and ${allowed_files[$layer]})}"
		fi
	done < <(grep -oE '^\s*#\s*include\s+"[^"]+"' "$file" | sed -E 's/.*"([^"]+)"/\1/')
	if [ "$layer" != "db" ] && [ "$layer" != "model" ]; then
		grep -nE "$sql_calls" "$file" | while IFS= read -r hit; do
			echo "layers: $rel:${hit%%:*}: SQL or a transaction outside model/: ${hit#*:}" | cut -c1-160
		done | grep . && bad=1
	fi
	if [ "$layer" = "http" ]; then
		# code only: the comments may say what the application keeps
		sed -E 's#/\*.*\*/##g; s#^\s*(/\*|\*).*##' "$file" | grep -niE "$app_state" | while IFS= read -r hit; do
			echo "layers: $rel:${hit%%:*}: http/ knows no users, sessions or CSRF (auth/'s struct visitor): ${hit#*:}" | cut -c1-160
		done | grep . && bad=1
	fi
	if [ "$layer" = "html" ]; then
		grep -nE "$send_calls" "$file" | while IFS= read -r hit; do
			echo "layers: $rel:${hit%%:*}: html/ sends no response (web/page.c does): ${hit#*:}" | cut -c1-160
		done | grep . && bad=1
	fi
	if [ "$layer" = "web" ] && [[ $rel != web/app/* ]]; then
		grep -nE "$app_calls" "$file" | while IFS= read -r hit; do
			echo "layers: $rel:${hit%%:*}: a page calls the request pipeline (web/app/): ${hit#*:}" | cut -c1-160
		done | grep . && bad=1
	fi
done
exit $bad
