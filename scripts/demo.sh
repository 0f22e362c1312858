#!/bin/bash
# make demo: boot a throwaway Posse box in a sandbox (its own systemd, its own
# Debian root image; the host's services are not touched), apply the example
# small-office site inside it, and show how to look at the result.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=$PWD/bin
NAME=${POSSE_DEMO_NAME:-demo}
SITE=examples/small-office.yaml
SECRETS_SRC=examples/small-office.secrets.yaml

if [[ $(id -u) != 0 ]]; then
  echo "demo: run as root (it creates namespaces and a sandbox box): sudo make demo" >&2
  exit 1
fi

echo "== 1/4 checking the example site"
"$BIN/possectl" validate "$SITE"

# Secrets files must be 0600 and owned by the caller: keep a private copy.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
install -m 0600 "$SECRETS_SRC" "$work/secrets.yaml"

echo "== 2/4 booting the sandbox box '$NAME' (the first run builds its Debian image, about a minute)"
if "$BIN/possectl" sandbox list 2>/dev/null | awk 'NR>1{print $1}' | grep -qx "$NAME"; then
  echo "box '$NAME' is already running: re-applying the site to it"
else
  "$BIN/possectl" sandbox up "$NAME"
fi

echo "== 3/4 applying $SITE inside the box"
"$BIN/possectl" sandbox apply "$NAME" "$SITE" --secrets "$work/secrets.yaml"

echo "== 4/4 checking the box's health"
"$BIN/possectl" sandbox run "$NAME" -- possectl status || true

ip=$("$BIN/possectl" sandbox list | awk -v n="$NAME" '$1==n{print $2}')
cat <<TXT

The demo box is up at $ip.
  Users and their initial passwords: $SECRETS_SRC (example values)
  Try:
    bin/possectl sandbox run $NAME -- possectl users list
    bin/possectl sandbox apply $NAME $SITE --secrets <copy of the secrets, mode 0600>   # again: no changes
    bin/possectl sandbox shell $NAME
    bin/possectl sandbox down $NAME      # removes the box, leaves nothing behind
TXT
