#!/bin/sh
# screenshots.sh: run the Posse desktop app under Xvfb with its built-in
# demo data and write one PNG per screen to docs/screenshots/, at
# 1280×800 and at 1024×700, in English and (at 1280×800) in German, and
# the office-manager view.
#
# Needs: Xvfb and ImageMagick's import (apt-get install xvfb imagemagick).
# Usage: scripts/screenshots.sh [output-dir]
set -eu

cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
mkdir -p "$out"

for tool in Xvfb import; do
	command -v "$tool" >/dev/null || { echo "screenshots: $tool is missing (apt-get install xvfb imagemagick)" >&2; exit 1; }
done

tmp=$(mktemp -d)
bin=$tmp/posse
go build -o "$bin" .

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
cleanup() {
	[ -n "$app" ] && kill "$app" 2>/dev/null || true
	[ -n "$xvfb" ] && kill "$xvfb" 2>/dev/null || true
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

# shot NAME LANG ARGS...: start the app, wait for it to draw, capture it.
shot() {
	name=$1 lang=$2
	shift 2
	LANG=$lang LC_ALL=$lang DISPLAY=$display FYNE_THEME=${FYNE_THEME:-light} "$bin" --demo "$@" >/dev/null 2>&1 &
	app=$!
	sleep "${SHOT_WAIT:-3}"
	DISPLAY=$display import -window root "$out/$name.png"
	kill "$app" 2>/dev/null || true
	wait "$app" 2>/dev/null || true
	app=
	echo "$out/$name.png"
}

screens="dashboard users groups shares mail backup template"
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
done

start_x 1280 800
for s in dashboard users backup; do
	shot "$s-1280x800-de" de_DE.UTF-8 --width 1280 --height 800 --screen "$s"
done
