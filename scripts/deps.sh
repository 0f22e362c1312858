#!/bin/bash
# Installs, idempotently, the Debian packages that building and testing Posse
# need on the host: the Go toolchain's cgo and GL/X headers for the GUI, and
# the clients the end-to-end tests use from outside the sandbox. Server
# packages (Samba, Postfix, …) never go on the host: they live in the
# sandbox image.
set -euo pipefail

PACKAGES=(
  # build: cgo and the Fyne GUI
  gcc libc6-dev pkg-config libgl1-mesa-dev xorg-dev
  # GUI screenshots
  xvfb xauth
  # sandbox: image build and namespaces
  mmdebstrap iproute2 util-linux
  # the Debian package: checks
  lintian
  # private buses for the daemon's tests
  dbus-daemon
  # setfacl/getfacl for the files service's ACL reader test
  acl
  # real clients for end-to-end tests
  smbclient ldap-utils krb5-user swaks curl restic openssh-client python3-dkim
  # smbtorture, for the SMB2 comparison with a stock share (TestProofSMBTorture)
  samba-testsuite
  # rsvg-convert: the icon test compares the PNGs with a render of the SVG
  librsvg2-bin
  # mkfs.btrfs for sandbox data disks (possectl sandbox up --disk)
  btrfs-progs
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) != 0 ]]; then
  echo "deps: missing packages: ${missing[*]}" >&2
  echo "deps: run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "deps: installing ${missing[*]}" >&2
# krb5-user asks for a default realm; answer without a prompt.
debconf-set-selections <<'SEL'
krb5-config krb5-config/default_realm string POSSE.INVALID
krb5-config krb5-config/add_servers_realm string POSSE.INVALID
krb5-config krb5-config/add_servers boolean false
SEL
apt-get update -qq
# samba-testsuite pulls in winbind: no daemon of these packages may start
# on the host, so a policy-rc.d denies every start while they install
# (unless the host has one of its own).
hold=""
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  hold=/usr/sbin/policy-rc.d
  printf '#!/bin/sh\n# Posse scripts/deps.sh: no services start while test tools install\nexit 101\n' > "$hold"
  chmod 755 "$hold"
  trap 'rm -f "$hold"' EXIT
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
if [[ -n $hold ]]; then
  rm -f "$hold"
fi
# The host needs winbind's files only (smbtorture links them), not its daemon.
if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
  systemctl disable --now winbind.service >/dev/null 2>&1 || true
fi
