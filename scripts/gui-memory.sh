#!/bin/sh
# gui-memory.sh: measure the Posse app's memory and start time under Xvfb
# with the demo data (5000 users, Users screen open), as docs/gui.md
# reports them.
#
#   scripts/gui-memory.sh [runs]          # default 3 runs
#   TAGS= scripts/gui-memory.sh           # build without -tags no_emoji
#   POSSE_BUILD_FLAGS=... scripts/gui-memory.sh
#
# Built with -tags no_emoji unless TAGS says otherwise. For each run it prints the first frame (posse --timing, the app's own
# clock from app.Run, and the process start measured from outside), then
# the RSS from /proc/PID/smaps_rollup 8 s and 40 s after start, split by
# mapping from /proc/PID/smaps: the posse binary, libLLVM and the Mesa
# driver (file-backed), other file-backed libraries, SysV shared memory
# (MIT-SHM with the X server), the C heap ([heap]) and other anonymous
# memory (Go's heap and stacks, Mesa's buffers, thread stacks); and Go's
# own view (runtime.MemStats) printed by posse --timing after a hold.
#
# Needs Xvfb. Nothing is excluded: every mapping of the process counts.
set -eu
cd "$(dirname "$0")/.."
runs=${1:-3}
users=${POSSE_USERS:-5000}
command -v Xvfb >/dev/null || { echo "gui-memory: Xvfb is missing (apt-get install xvfb)" >&2; exit 1; }

tmp=$(mktemp -d)
bin=$tmp/posse
tags=${TAGS-no_emoji}
go build ${tags:+-tags "$tags"} ${POSSE_BUILD_FLAGS:-} -o "$bin" .
printf 'binary: %s MB (tags: %s)\n' "$(du -m "$bin" | cut -f1)" "${tags:-none}"

display=:$(( 60 + $$ % 9 ))
xvfb=
app=
cleanup() {
	[ -n "$app" ] && kill "$app" 2>/dev/null || true
	[ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
sleep 1
export DISPLAY=$display

# split PID: one line of RSS by kind of mapping, in MB.
split() {
	awk '
	/^[0-9a-f]+-[0-9a-f]+ / { path = $6; for (i = 7; i <= NF; i++) path = path " " $i
		kind = "anon_other"
		if (path ~ /libLLVM/) kind = "libLLVM"
		else if (path ~ /(_dri\.so|libgallium|dri\/)/) kind = "mesa_driver"
		else if (path ~ /\/posse$/) kind = "posse_binary"
		else if (path ~ /^\/SYSV/ || path ~ /^\/dev\/shm/) kind = "shm"
		else if (path == "[heap]") kind = "c_heap"
		else if (path == "[stack]") kind = "anon_other"
		else if (path ~ /^\//) kind = "other_files"
		next }
	/^Rss:/ { kb[kind] += $2 }
	END { n = split("posse_binary libLLVM mesa_driver other_files shm c_heap anon_other", k, " ")
		for (i = 1; i <= n; i++) printf "%s %.1f  ", k[i], kb[k[i]] / 1024; printf "\n" }' "/proc/$1/smaps"
}

rollup() {
	awk '/^(Rss|Anonymous|Shared_Clean|Private_Clean|Private_Dirty):/ { printf "%s %.1f MB  ", $1, $2 / 1024 } END { printf "\n" }' "/proc/$1/smaps_rollup"
}

for run in $(seq "$runs"); do
	echo "== run $run"
	# First frame and Go's view after an 8 s hold (the users are loaded).
	t0=$(date +%s%N)
	POSSE_TIMING_HOLD=7s "$bin" --demo --demo-users "$users" --screen users --width 1280 --height 800 --timing 2>/dev/null |
		while read -r line; do
			case $line in
			first*) printf '%s; from outside %d ms\n' "$line" $(( ($(date +%s%N) - t0) / 1000000 )) ;;
			*) echo "8 s: $line" ;;
			esac
		done
	# RSS from outside, 8 s and 40 s after start.
	"$bin" --demo --demo-users "$users" --screen users --width 1280 --height 800 2>/dev/null &
	app=$!
	sleep 8
	printf ' 8 s: '; rollup "$app"
	printf '      '; split "$app"
	sleep 32
	printf '40 s: '; rollup "$app"
	printf '      '; split "$app"
	kill "$app"
	wait "$app" 2>/dev/null || true
	app=
done
