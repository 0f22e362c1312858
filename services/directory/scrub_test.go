// SPDX-License-Identifier: GPL-3.0-or-later

package directory

import (
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	in := []byte("INFO: Admin password:        8h7l;pUQfsGJl9Hp\nERROR: something broke\n")
	got := scrub(in)
	if strings.Contains(got, "8h7l") || !strings.Contains(got, "something broke") {
		t.Errorf("scrub = %q", got)
	}
}
