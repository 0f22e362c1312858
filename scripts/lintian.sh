#!/bin/bash
# Checks Debian packages with the lintian of another Debian release, so the
# packages are checked by the lintian of every release they install on:
#   scripts/lintian.sh RELEASE DEB...      (as root)
# The release's lintian runs in a minimal root that mmdebstrap makes from
# the host's Debian mirror, kept in /var/cache/posse/lintian-RELEASE and
# made anew when it is older than a week. Exits non-zero on a lintian
# error, as `lintian --fail-on error` does. See docs/packaging.md.
set -euo pipefail

if (($# < 2)); then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
release=$1
shift
case "$release" in
  bookworm|trixie|forky) ;;
  *) echo "lintian.sh: unknown release $release (bookworm, trixie or forky)" >&2; exit 2 ;;
esac
for deb in "$@"; do
  [[ -f $deb && $deb == *.deb ]] || { echo "lintian.sh: $deb is not a .deb file" >&2; exit 2; }
done

# The host's Debian mirror (deb822 or one-line sources), else the default.
mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' \
  /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
  awk '{print $2; exit}' || true)
mirror=${mirror:-http://deb.debian.org/debian}

root=/var/cache/posse/lintian-$release
if [[ ! -x $root/usr/bin/lintian ]] || [[ -n $(find "$root/.made" -mtime +7 2>/dev/null) ]]; then
  echo "lintian.sh: making a $release root with lintian from $mirror (about a minute)" >&2
  rm -rf "$root.tmp"
  mkdir -p "$(dirname "$root")"
  mmdebstrap --quiet --variant=apt --include=lintian "$release" "$root.tmp" "deb $mirror $release main" >&2
  touch "$root.tmp/.made"
  rm -rf "$root"
  mv "$root.tmp" "$root"
fi

work=$(mktemp -d "$root/tmp/debs.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
debs=()
for deb in "$@"; do
  cp -- "$deb" "$work/"
  debs+=("${work#"$root"}/$(basename -- "$deb")")
done
chmod 0644 "$work"/*.deb
version=$(chroot "$root" dpkg-query -W -f '${Version}' lintian)
echo "lintian $version ($release):" >&2
# As nobody: lintian need not and should not run as root.
chroot --userspec=nobody:nogroup "$root" env LC_ALL=C.UTF-8 HOME=/tmp \
  lintian --pedantic -I --fail-on error "${debs[@]}"
