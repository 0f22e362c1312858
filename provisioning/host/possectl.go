// SPDX-License-Identifier: GPL-3.0-or-later

package host

import "os"

// PossectlPath returns where possectl is installed on the box, for the
// units that run it: the first of /usr/bin, /usr/local/bin and /usr/sbin
// that holds it (sandbox boxes mount it at /usr/local/bin), else
// /usr/bin/possectl.
func PossectlPath(env *Env) string {
	for _, d := range []string{"/usr/bin", "/usr/local/bin", "/usr/sbin"} {
		if st, err := os.Stat(env.Path(d + "/possectl")); err == nil && !st.IsDir() {
			return d + "/possectl"
		}
	}
	return "/usr/bin/possectl"
}
