// SPDX-License-Identifier: GPL-3.0-or-later

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posse-project/posse/e2e/harness"
)

// TestProofBenchACL measures the Windows permissions of a share with
// 1 000 folders and 10 000 files: the apply step that changes the share
// root's ACL and carries it into the tree (Posse's propagate, through
// Samba's own ACL functions in one process), against the floor of the
// same change made with Samba's smbcacls --propagate-inheritance over SMB
// as a domain admin (what Explorer does); the plan of the applied site
// (reads only the share roots and template folders); and possectl export
// (reads every folder's ACL).
func TestProofBenchACL(t *testing.T) {
	benchEnabled(t)
	for _, tool := range []string{"smbcacls"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing on the host (scripts/deps.sh installs it)", tool)
		}
	}
	tb := harness.Box(t, "pbacl")
	ip := tb.IP()
	dir := t.TempDir()
	template, secrets := winFiles(t, dir)
	tb.Apply(t, template, secrets)
	tb.MustRun(t, "sh", "-ec", `cd /srv/posse/shares/akten
for d in $(seq 1 1000); do mkdir -p "Mandant $d"; for f in $(seq 1 10); do echo "Akte $f" > "Mandant $d/Akte $f.txt"; done; done
chown -R root:root .`)

	// Posse: staff moves from read to write on the share.
	changed := filepath.Join(dir, "win-staff-writes.yaml")
	src, _ := os.ReadFile(template)
	os.WriteFile(changed, []byte(strings.Replace(string(src), "    read: [staff]\n    write: [partners]\n", "    write: [partners, staff]\n", 1)), 0o600)
	start := time.Now()
	tb.Apply(t, changed, secrets)
	wall := time.Since(start)
	var step time.Duration
	for _, s := range tb.LastJournal(t).Steps {
		if s.Kind == "files.ntacl" {
			step += time.Duration(s.DurationMS) * time.Millisecond
		}
	}
	if step == 0 {
		t.Fatal("the apply had no Windows ACL step")
	}
	benchLine(t, "Posse: share root ACL changed and carried into 11 000 folders and files (files.ntacl steps)", secs(step))
	benchLine(t, "Posse: the whole apply of that change, from the host", secs(wall))

	// The floor: the same change with Samba's own client, over SMB.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start = time.Now()
	out, err := exec.CommandContext(ctx, "smbcacls", "//"+ip+"/Akten", "/", "-A", winAuth(t, dir, "Administrator"), "--propagate-inheritance", "-M", `ACL:FENSTER\staff:ALLOWED/OI|CI/READ`).CombinedOutput()
	floor := time.Since(start)
	if err != nil {
		t.Fatalf("smbcacls --propagate-inheritance: %v\n%s", err, lastLines(string(out), 5))
	}
	benchLine(t, "floor: smbcacls --propagate-inheritance -M of one entry on the share root, over SMB", secs(floor))
	benchLine(t, "ratio Posse step / smbcacls", fmt.Sprintf("%.2f×", step.Seconds()/floor.Seconds()))

	// Reading: the plan (share roots and template folders) and the export
	// (every folder).
	tb.Apply(t, changed, secrets)
	var plans []time.Duration
	for i := 0; i < 3; i++ {
		tb.CopyIn(t, changed, "/root/bench.yaml", 0o600)
		tb.CopyIn(t, secrets, "/root/bench.secrets.yaml", 0o600)
		d, _ := timedInBox(t, tb, "possectl plan /root/bench.yaml --secrets /root/bench.secrets.yaml")
		plans = append(plans, d)
	}
	benchLine(t, "possectl plan of the applied site, median of 3, in the box", secs(median(plans)))
	d, exported := timedInBox(t, tb, "possectl export")
	if !strings.Contains(exported, "path: Intern") {
		t.Errorf("the export lacks the Intern folder:\n%s", exported)
	}
	benchLine(t, "possectl export (Windows ACLs of 1 003 folders read), in the box", secs(d))
}
