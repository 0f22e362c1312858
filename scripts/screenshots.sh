#!/bin/sh
# screenshots.sh: run the Posse desktop app under Xvfb and write one PNG
# per screen, at 1280×800 and at 1024×700.
#
#   scripts/screenshots.sh [output-dir]
#       the built-in demo data, into docs/screenshots/: every screen in
#       English, the office manager's screens in German, the office-manager view,
#       a fresh box and its setup, a template with problems.
#   scripts/screenshots.sh --box [output-dir]
#       a real box, into docs/screenshots/box/: boots the sandbox box
#       "shots" (bin/possectl sandbox up, as root), applies
#       examples/small-office.yaml to it, runs the app against the box's
#       system bus (posse --bus) and takes every screen; the box goes down
#       at the end (a box "shots" that was already up is left up).
#
# Needs: Xvfb and ImageMagick's import (apt-get install xvfb imagemagick);
# --box also root and bin/possectl (make build).
set -eu

cd "$(dirname "$0")/.."
box=
if [ "${1:-}" = --box ]; then
	box=shots
	shift
fi
out=${1:-docs/screenshots}
[ -n "$box" ] && out=${1:-docs/screenshots/box}
mkdir -p "$out"

for tool in Xvfb import; do
	command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing (apt-get install xvfb imagemagick)" >&2; exit 1; }
done

tmp=$(mktemp -d)
bin=$tmp/posse
# no_emoji: Fyne's embedded colour emoji font (10 MB of heap, 4 MB of binary)
# is left out; emoji in names come from the system's fonts.
go build -tags no_emoji -o "$bin" .

# The template screen shows the example with its secrets (which must be
# mode 0600) and a broken template with its problems.
cp examples/small-office.yaml examples/small-office.secrets.yaml "$tmp/"
chmod 600 "$tmp/small-office.secrets.yaml"
cat >"$tmp/broken.yaml" <<'YAML'
version: 1
site:
  name: Müller & Partner
  domain: mueller-partner
  workgroup: MUELLER
directory:
  admin_password: ${secret:domain_admin}
users:
  - username: Anna Müller
    given_name: Anna
YAML

display=:$(( 90 + $$ % 9 ))
app=
xvfb=
boxup=
cleanup() {
	[ -n "$app" ] && kill "$app" 2>/dev/null || true
	[ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null || true
	[ -n "$boxup" ] && bin/possectl sandbox down "$box" >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# start_x W H: a fresh X server of exactly the window's size.
start_x() {
	[ -n "$xvfb" ] && { kill "$xvfb" 2>/dev/null || true; wait "$xvfb" 2>/dev/null || true; }
	Xvfb "$display" -screen 0 "${1}x${2}x24" -nolisten tcp >/dev/null 2>&1 &
	xvfb=$!
	sleep 1
}

# The app's source of data: the demo, or the box's system bus.
source=--demo
if [ -n "$box" ]; then
	[ "$(id -u)" = 0 ] || { echo "screenshots: --box needs root (it boots a sandbox box)" >&2; exit 1; }
	[ -x bin/possectl ] || { echo "screenshots: bin/possectl is missing (make build)" >&2; exit 1; }
	if bin/possectl sandbox list | awk 'NR>1{print $1}' | grep -qx "$box"; then
		echo "screenshots: box $box is already up: using it as it is" >&2
	else
		boxup=1
		bin/possectl sandbox up "$box" >&2
		bin/possectl sandbox apply "$box" examples/small-office.yaml --secrets "$tmp/small-office.secrets.yaml" >"$tmp/apply.log" 2>&1 ||
			{ tail -n 20 "$tmp/apply.log" >&2; exit 1; }
		tail -n 1 "$tmp/apply.log" >&2
	fi
	# The PID column by its header: the list has grown columns before.
	pid=$(bin/possectl sandbox list | awk -v n="$box" 'NR==1{for(i=1;i<=NF;i++) if($i=="PID") c=i} NR>1 && $1==n{print $c}')
	case $pid in
	''|*[!0-9]*) echo "screenshots: no PID for box $box in 'possectl sandbox list'" >&2; exit 1 ;;
	esac
	source="--bus unix:path=/proc/$pid/root/run/dbus/system_bus_socket"
	SHOT_WAIT=${SHOT_WAIT:-5} # the box answers in about a second
fi

# shot NAME LANG ARGS...: start the app, wait for it to draw, capture it.
shot() {
	name=$1 lang=$2
	shift 2
	# shellcheck disable=SC2086
	LANG=$lang LC_ALL=$lang DISPLAY=$display FYNE_THEME=${FYNE_THEME:-light} "$bin" $source "$@" >/dev/null 2>&1 &
	app=$!
	sleep "${SHOT_WAIT:-3}"
	DISPLAY=$display import -window root "$out/$name.png"
	kill "$app" 2>/dev/null || true
	# An app that does not end on TERM within 5 s (it once hung behind
	# an error dialog) is killed, so one screen never stops the script.
	for _ in 1 2 3 4 5; do kill -0 "$app" 2>/dev/null || break; sleep 1; done
	kill -9 "$app" 2>/dev/null || true
	wait "$app" 2>/dev/null || true
	app=
	echo "$out/$name.png"
}

screens="dashboard users groups shares mail versions backup template"
if [ -n "$box" ]; then
	for size in 1280x800 1024x700; do
		w=${size%x*} h=${size#*x}
		start_x "$w" "$h"
		for s in $screens; do
			extra="--screen $s"
			[ "$s" = template ] && extra=$tmp/small-office.yaml
			# shellcheck disable=SC2086
			shot "$s-$size" C.UTF-8 --width "$w" --height "$h" $extra
		done
	done
	# Later states of the same box: after a backup (a file in a share,
	# so that the snapshot has something to browse), then with Dovecot
	# stopped.
	start_x 1280 800
	inbox() { bin/possectl sandbox run "$box" -- "$@" >"$tmp/run.log" 2>&1 || { cat "$tmp/run.log" >&2; exit 1; }; }
	inbox sh -c 'echo "Angebot Müller" >/srv/posse/shares/akten/Angebot-2026.txt'
	inbox possectl backup run
	shot "backup-after-run-1280x800" C.UTF-8 --width 1280 --height 800 --screen backup
	shot "dashboard-after-backup-1280x800" C.UTF-8 --width 1280 --height 800 --screen dashboard
	inbox systemctl stop dovecot.service
	# possed's mail probe takes about 15 s to give up on Dovecot.
	SHOT_WAIT=22 shot "dashboard-problem-1280x800" C.UTF-8 --width 1280 --height 800 --screen dashboard
	[ -n "$boxup" ] || inbox systemctl start dovecot.service
	exit 0
fi

screens="dashboard users groups shares mail versions backup template"
for size in 1280x800 1024x700; do
	w=${size%x*} h=${size#*x}
	start_x "$w" "$h"
	for s in $screens; do
		extra=
		[ "$s" = template ] && extra=$tmp/small-office.yaml
		# shellcheck disable=SC2086
		shot "$s-$size" C.UTF-8 --width "$w" --height "$h" --screen "$s" $extra
	done
	shot "template-problems-$size" C.UTF-8 --width "$w" --height "$h" "$tmp/broken.yaml"
	shot "new-box-$size" C.UTF-8 --width "$w" --height "$h" --demo-new --screen dashboard
	shot "setup-$size" C.UTF-8 --width "$w" --height "$h" --demo-new --screen setup
	shot "office-manager-$size" C.UTF-8 --width "$w" --height "$h" --demo-office --screen dashboard
	shot "restore-files-$size" C.UTF-8 --width "$w" --height "$h" --demo-office --screen restore
done

# German, where words are longest: the office manager's screens at both
# sizes.
for size in 1280x800 1024x700; do
	w=${size%x*} h=${size#*x}
	start_x "$w" "$h"
	for s in dashboard users backup; do
		shot "$s-$size-de" de_DE.UTF-8 --width "$w" --height "$h" --screen "$s"
	done
	shot "office-manager-$size-de" de_DE.UTF-8 --width "$w" --height "$h" --demo-office --screen dashboard
	shot "restore-files-$size-de" de_DE.UTF-8 --width "$w" --height "$h" --demo-office --screen restore
done
