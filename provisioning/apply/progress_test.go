// SPDX-License-Identifier: GPL-3.0-or-later

package apply

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/posse-project/posse/provisioning/plan"
)

func TestTextProgress(t *testing.T) {
	var buf bytes.Buffer
	p := NewTextProgress(&buf, false)
	s := plan.UnitStep("samba", "smbd.service", "restart")
	p.StepStart(0, 2, s)
	p.StepDone(0, 2, s, 1500*time.Millisecond, nil)
	c := plan.CheckStep("samba", "testparm", "-s")
	p.StepStart(1, 2, c)
	p.StepDone(1, 2, c, 12*time.Millisecond, errors.New("testparm exited with status 1"))
	p.RollbackDone("samba", []string{"restored /etc/samba/smb.conf", "restarted smbd.service"}, nil)
	p.StepDone(1, 2, c, 0, ErrSkipped)
	want := `[1/2] samba: ↻ restart unit smbd.service ...
✓ [1/2] samba: ↻ restart unit smbd.service: done (1.5s)
[2/2] samba: • run check testparm -s ...
✗ [2/2] samba: • run check testparm -s: failed: testparm exited with status 1 (12ms)
↩ samba rolled back: restored /etc/samba/smb.conf, restarted smbd.service
- [2/2] samba: • run check testparm -s: skipped (offline) (0s)
`
	if buf.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestTextProgressSpinner(t *testing.T) {
	var buf bytes.Buffer
	p := NewTextProgress(&buf, true)
	s := plan.UnitStep("samba", "smbd.service", "restart")
	p.StepStart(0, 1, s)
	time.Sleep(250 * time.Millisecond)
	p.StepDone(0, 1, s, 250*time.Millisecond, nil)
	out := buf.String()
	if !bytes.Contains(buf.Bytes(), []byte("\r\x1b[K⠋ [1/1] samba: ↻ restart unit smbd.service")) {
		t.Errorf("no spinner in %q", out)
	}
	if want := "\r\x1b[K✓ [1/1] samba: ↻ restart unit smbd.service: done (250ms)\n"; !bytes.HasSuffix(buf.Bytes(), []byte(want)) {
		t.Errorf("output %q does not end with %q", out, want)
	}
}
