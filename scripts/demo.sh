#!/bin/bash
# make demo: build Posse's Debian package, boot a throwaway box in a sandbox
# (its own systemd and its own Debian root image; the host's services are
# not touched), install the package in it with apt, apply the example
# small-office site through possed, and show how to look at the result.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=$PWD/bin
NAME=${POSSE_DEMO_NAME:-demo}
SITE=examples/small-office.yaml
SECRETS_SRC=examples/small-office.secrets.yaml
possectl=$BIN/possectl

if [[ $(id -u) != 0 ]]; then
  echo "demo: run as root (it creates namespaces and a sandbox box): sudo make demo" >&2
  exit 1
fi

echo "== 1/6 checking the example site"
"$possectl" validate "$SITE"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Secrets files must be 0600 and owned by the caller: use a private copy.
install -m 0600 "$SECRETS_SRC" "$work/secrets.yaml"

echo "== 2/6 building the Debian package"
./scripts/deb.sh --no-gui --out "$work/deb" >/dev/null
deb=$(ls "$work"/deb/posse_*.deb)
echo "$(basename "$deb")"

echo "== 3/6 booting the sandbox box '$NAME' (the first run builds its Debian image, about a minute)"
if "$possectl" sandbox list 2>/dev/null | awk 'NR>1{print $1}' | grep -qx "$NAME"; then
  echo "box '$NAME' is already running: installing and re-applying in it"
else
  # The box gets only possectl at /usr/local/bin: possed comes from the package.
  mkdir -p "$work/bin"
  cp "$possectl" "$work/bin/"
  "$possectl" sandbox up "$NAME" --bin "$work/bin"
fi

echo "== 4/6 installing $(basename "$deb") in the box with apt"
"$possectl" sandbox cp "$deb" "$NAME:/root/$(basename "$deb")"
"$possectl" sandbox run "$NAME" -- env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/root/$(basename "$deb")" | tail -n 3

echo "== 5/6 applying $SITE inside the box (through possed)"
"$possectl" sandbox apply "$NAME" "$SITE" --secrets "$work/secrets.yaml"

echo "== 6/6 checking the box's health"
"$possectl" sandbox run "$NAME" -- /usr/bin/possectl status || true

ip=$("$possectl" sandbox list | awk -v n="$NAME" '$1==n{print $2}')
bus=$("$possectl" sandbox list | awk -v n="$NAME" '$1==n{print $3}')
cat <<TXT

The demo box is up at $ip (a Samba AD domain controller with shares, mail and backup).
  Users and their initial passwords: $SECRETS_SRC (example values; users must
  change them at first logon, so reset one first to log in with it).
  Try:
    bin/possectl sandbox run $NAME -- possectl users list
    echo 'Start-Passw0rd!' | bin/possectl sandbox run $NAME -- possectl users set-password amueller --password-stdin --no-must-change
    smbclient //$ip/Akten -U amueller%'Start-Passw0rd!' -c ls
    bin/possectl sandbox apply $NAME $SITE --secrets <a 0600 copy of $SECRETS_SRC>   # again: no changes
    bin/possectl sandbox shell $NAME
    bin/possectl sandbox down $NAME      # removes the box and leaves nothing behind
TXT

gui="bin/posse --bus unix:path=/proc/$bus/root/run/dbus/system_bus_socket"
if [[ -n ${DISPLAY:-} && ! -x bin/posse ]]; then
  echo "A display is available: building the desktop app (a few minutes the first time)"
  make gui >/dev/null
fi
if [[ -n ${DISPLAY:-} && -x bin/posse ]]; then
  echo "Opening the desktop app on the box: $gui"
  $gui >/dev/null 2>&1 &
else
  echo "The desktop app: 'make gui', then on a display: $gui"
fi
