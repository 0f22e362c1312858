#!/bin/bash
# make demo: build Posse's Debian package, boot a throwaway box in a sandbox
# (its own systemd and its own Debian root image; the host's services are
# not touched), install the package in it with apt, apply the example
# small-office site through possed, and show how to look at the result.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=$PWD/bin
NAME=${POSSE_DEMO_NAME:-demo}
# The box's Debian release: trixie (Debian 13, the default) or bookworm.
RELEASE=${RELEASE:-trixie}
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

echo "== 2/6 building the Debian package (the first run also fetches and compiles nfpm)"
if ! debout=$(./scripts/deb.sh --no-gui --out "$work/deb" 2>&1); then
  echo "$debout" >&2
  exit 1
fi
deb=$(ls "$work"/deb/posse_*.deb)
echo "$(basename "$deb")"

echo "== 3/6 booting the sandbox box '$NAME' (the first run builds its Debian image, about a minute)"
if "$possectl" sandbox list 2>/dev/null | awk 'NR>1{print $1}' | grep -qx "$NAME"; then
  echo "box '$NAME' is already running: installing and re-applying in it"
else
  # The box gets only possectl at /usr/local/bin: possed comes from the package.
  mkdir -p "$work/bin"
  cp "$possectl" "$work/bin/"
  "$possectl" sandbox up "$NAME" --release "$RELEASE" --bin "$work/bin"
  # A fresh box is "degraded" when a service the site configures (postfix)
  # cannot start before the site is applied; say so instead of alarming.
  state=$("$possectl" sandbox run "$NAME" -- systemctl is-system-running 2>/dev/null || true)
  if [[ $state == degraded ]]; then
    failed=$("$possectl" sandbox run "$NAME" -- systemctl --failed --no-legend --plain 2>/dev/null | awk '{print $1}' | paste -sd' ' || true)
    echo "(failed at boot: ${failed:-?}; services the site configures start when it is applied, step 6 shows their health)"
  fi
fi

echo "== 4/6 installing $(basename "$deb") in the box with apt"
"$possectl" sandbox cp "$deb" "$NAME:/root/$(basename "$deb")"
# --reinstall: a rebuild from a changed work tree can have the same version.
"$possectl" sandbox run "$NAME" -- env DEBIAN_FRONTEND=noninteractive apt-get install --reinstall -y -q "/root/$(basename "$deb")" | tail -n 3

# The full plan (every attribute and file diff) goes to bin/demo-apply.log;
# the terminal gets the steps, the summary and the progress.
log=bin/demo-apply.log
echo "== 5/6 applying $SITE inside the box (through possed; the full plan with file diffs: $log)"
"$possectl" sandbox apply "$NAME" "$SITE" --secrets "$work/secrets.yaml" | tee "$log" | { grep --line-buffered -v '^      ' || true; }

echo "== 6/6 checking the box's health"
"$possectl" sandbox run "$NAME" -- /usr/bin/possectl status || true

ip=$("$possectl" sandbox list | awk -v n="$NAME" '$1==n{print $3}')
bus=$("$possectl" sandbox list | awk -v n="$NAME" '$1==n{print $4}')
cat <<TXT

The demo box is up at $ip (a Samba AD domain controller with shares, mail and backup).
  Users and their initial passwords: $SECRETS_SRC (example values; users must
  change them at first logon, so reset one first to log in with it).
  possectl in the box talks to its possed; run it there with 'sandbox run'.
  Try:
    bin/possectl sandbox run $NAME -- possectl status
    bin/possectl sandbox run $NAME -- possectl users list
    echo 'Start-Passw0rd!' | bin/possectl sandbox run $NAME -- possectl users set-password amueller --password-stdin --no-must-change
    smbclient //$ip/Akten -U amueller%'Start-Passw0rd!' -c ls
    bin/possectl sandbox run $NAME -- possectl backup run
    chmod 600 $SECRETS_SRC        # git keeps no file modes; possectl refuses secrets others can read
    bin/possectl sandbox apply $NAME $SITE --secrets $SECRETS_SRC   # again: no changes
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
