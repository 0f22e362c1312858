// SPDX-License-Identifier: GPL-3.0-or-later

// Package sandbox boots throwaway Linux boxes with their own systemd as PID 1,
// using only the host kernel's namespaces and cgroups: a Debian 12 root image
// built once with mmdebstrap, an overlay per box on top of it, a network
// namespace with a veth to the host, a cgroup that becomes the root of the
// box's cgroup namespace, and the Posse binaries bind-mounted read-only at
// /usr/local/bin.
//
// Boxes are for rehearsals, the demo and end-to-end tests. They are not a
// security boundary: there is no user namespace and root inside is root on
// the host kernel (minus cap_sys_module and cap_sys_time).
//
// Everything lives under Dir (/var/lib/posse/sandbox): images/<hash>/ holds
// root images, boxes/NAME/ a box's overlay upper and work dirs. Runtime state
// (PIDs, addresses) lives under RunDir (/run/posse/sandbox) and does not
// survive a reboot of the host.
package sandbox
