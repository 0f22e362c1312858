// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

// Objects returns, for each interface possed exports, the value whose
// exported methods are that interface's D-Bus methods (on a Server that is
// never started), so that tests outside the package can build arguments of
// the right Go types for every method.
func Objects() map[string]any { return (&Server{}).objects() }
