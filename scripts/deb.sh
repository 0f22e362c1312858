#!/bin/bash
# Builds Posse's Debian packages with nfpm (pinned in go.mod) from the
# binaries in bin/ (make build, make gui):
#   posse_<version>_amd64.deb          possed, possectl, systemd/D-Bus/polkit
#   posse-desktop_<version>_amd64.deb  the Posse app (skipped with --no-gui)
#
# usage: scripts/deb.sh [--no-gui] [--bin DIR] [--out DIR] [VERSION]
#        scripts/deb.sh --print-version [VERSION]
#
# VERSION is the git version (make passes `git describe --tags --always
# --dirty`); the Debian version is derived from it:
#   v1.2.3            → 1.2.3
#   v1.2.3-4-gabc1234 → 1.2.3+4.gabc1234
#   v1.2.3-rc1        → 1.2.3~rc1
#   abc1234, dev      → 0.0.0~git<commits>.<hash> (untagged: older than any release)
#   a -dirty suffix   → +dirty (or .dirty after a + or ~git)
# POSSE_DEB_VERSION overrides the derived version (the e2e test builds two
# versions of the same binaries this way). Other versions of the packages in
# the output directory are removed. See docs/packaging.md.
set -euo pipefail

cd "$(dirname "$0")/.."

gui=1
print=0
bin=bin
out=bin
while (($#)); do
  case "$1" in
    --no-gui) gui=0 ;;
    --print-version) print=1 ;;
    --bin) bin=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "deb: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
gitversion=${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}

# debversion turns a git version into a Debian version.
debversion() {
  local v=$1 dirty=0
  if [[ $v == *-dirty ]]; then dirty=1; v=${v%-dirty}; fi
  v=${v#v}
  local out
  if [[ ! $v =~ ^[0-9] || ( $v =~ ^[0-9a-f]{7,40}$ && $v =~ [a-f] ) ]]; then
    # a bare hash (no tag yet) or "dev": order untagged builds by the
    # number of commits, below every release.
    local hash=$v count
    [[ $hash =~ ^[0-9a-f]{7,40}$ ]] || hash=$(git rev-parse --short HEAD 2>/dev/null || echo 0)
    count=$(git rev-list --count "$hash" 2>/dev/null || true)
    out="0.0.0~git${count:+$count.}$hash"
  elif [[ $v =~ ^(.+)-([0-9]+)-g([0-9a-f]+)$ ]]; then
    # commits after a tag sort after it: 1.2.3+4.gabc1234
    out="${BASH_REMATCH[1]//-/\~}+${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}"
  else
    # a tag; a pre-release (1.2.3-rc1) sorts before the release (1.2.3~rc1)
    out=${v//-/\~}
  fi
  if ((dirty)); then
    if [[ $out == *+* || $out == *~git* ]]; then out+=.dirty; else out+=+dirty; fi
  fi
  if [[ ! $out =~ ^[0-9][0-9A-Za-z.+~]*$ ]]; then
    echo "deb: cannot make a Debian version of $1 (got $out)" >&2
    exit 1
  fi
  echo "$out"
}

export POSSE_DEB_VERSION=${POSSE_DEB_VERSION:-$(debversion "$gitversion")}
if ((print)); then
  echo "$POSSE_DEB_VERSION"
  exit 0
fi
export POSSE_MAINTAINER=${POSSE_MAINTAINER:-"Posse project <posse@posse-project.org>"}
export POSSE_LICENSE=${POSSE_LICENSE:-"GPL-3.0-or-later"}
# Reproducible: file times and the changelog date are the last commit's.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

need=(possed possectl)
((gui)) && need+=(posse)
for b in "${need[@]}"; do
  if [[ ! -x $bin/$b ]]; then
    echo "deb: $bin/$b is missing: run 'make build' and 'make gui' (or use --no-gui)" >&2
    exit 1
  fi
done

stage=$(mktemp -d "${TMPDIR:-/tmp}/posse-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
export POSSE_STAGE=$stage

# Programs, stripped (the packages are for running, not debugging).
for b in "${need[@]}"; do
  install -m 0755 "$bin/$b" "$stage/$b"
  strip --strip-unneeded --remove-section=.comment "$stage/$b"
done

# Man pages from templates and the programs' own --help.
date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
manpage() { # template program output
  go run ./packaging/deb/gen -template "packaging/deb/$1" -version "$POSSE_DEB_VERSION" -date "$date" "$2" > "$stage/$3"
  gzip -9n "$stage/$3"
}
manpage possectl.1.in "$bin/possectl" possectl.1
manpage possed.8.in "$bin/possed" possed.8
((gui)) && manpage posse.1.in "$bin/posse" posse.1

# Shell completions.
"$bin/possectl" completion bash > "$stage/possectl.bash"
"$bin/possectl" completion zsh > "$stage/possectl.zsh"
"$bin/possectl" completion fish > "$stage/possectl.fish"

# The Debian changelog: one entry for this build. Posse is a native package
# (its upstream builds it; the version has no Debian revision), so the file
# is changelog.gz, not changelog.Debian.gz.
cat > "$stage/changelog" <<EOF
posse ($POSSE_DEB_VERSION) unstable; urgency=medium

  * Build of Posse $gitversion from git.

 -- $POSSE_MAINTAINER  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF
gzip -9n "$stage/changelog"

# The app's libc dependency: the newest GLIBC symbol version it uses.
if ((gui)); then
  export POSSE_GLIBC
  POSSE_GLIBC=$(objdump -T "$bin/posse" | sed -n 's/.*GLIBC_\([0-9.]*\).*/\1/p' | sort -uV | tail -1)
fi

mkdir -p "$out"
nfpm() { go run github.com/goreleaser/nfpm/v2/cmd/nfpm "$@"; }
built=()
pkg() { # config name
  local deb="$out/$2_${POSSE_DEB_VERSION}_amd64.deb"
  # one version of each package in $out, so that bin/posse_*.deb is one file
  rm -f "$out/$2"_*_amd64.deb
  nfpm package --config "$1" --packager deb --target "$deb" >&2
  built+=("$deb")
}
pkg packaging/nfpm.yaml posse
((gui)) && pkg packaging/deb/posse-desktop.yaml posse-desktop
printf '%s\n' "${built[@]}"
