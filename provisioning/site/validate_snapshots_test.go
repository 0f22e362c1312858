// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

const snapshotsSite = `version: 1
site: {name: Test, domain: test.example, workgroup: TEST}
directory: {admin_password: "${secret:domain_admin}"}
groups: [{name: staff}]
shares:
  - {name: Akten, write: [staff]}
  - {name: Scratch, write: [staff], snapshots: false}
  - {name: Archiv, path: /srv/archiv, read: [staff], snapshots: true}
storage: {path: /srv, filesystem: btrfs}
snapshots:
  schedule: "Mon..Fri *-*-* 08..18:00"
  keep: {hourly: 24, daily: 14, weekly: 8}
`

// TestSnapshotsTemplate: a good snapshots section parses; shares take
// part unless they say snapshots: false.
func TestSnapshotsTemplate(t *testing.T) {
	s, err := Parse("site.yaml", []byte(snapshotsSite))
	if err != nil {
		t.Fatal(err)
	}
	if s.Snapshots == nil || s.Snapshots.Keep != (SnapshotKeep{Hourly: 24, Daily: 14, Weekly: 8}) || s.Snapshots.Schedule != "Mon..Fri *-*-* 08..18:00" {
		t.Errorf("snapshots = %+v", s.Snapshots)
	}
	if s.Storage == nil || *s.Storage != (Storage{Path: "/srv", Filesystem: FilesystemBtrfs}) {
		t.Errorf("storage = %+v", s.Storage)
	}
	for i, want := range []bool{true, false, true} {
		if got := s.SnapshotsOn(s.Shares[i]); got != want {
			t.Errorf("SnapshotsOn(%s) = %v, want %v", s.Shares[i].Name, got, want)
		}
	}
	s.Snapshots = nil
	if s.SnapshotsOn(s.Shares[0]) {
		t.Error("SnapshotsOn without a snapshots section")
	}
}

// TestSnapshotsTemplateProblems: each broken key is reported at its line
// and column.
func TestSnapshotsTemplateProblems(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"keep: {hourly: 24, daily: 14, weekly: 8}", "keep: {}", "site.yaml:12:9: snapshots keep no snapshots"},
		{"filesystem: btrfs", "filesystem: zfs", `site.yaml:9:35: storage file system "zfs" is not supported`},
		{"path: /srv,", "path: /srv/,", `site.yaml:9:17: storage path "/srv/": `},
		{"path: /srv/archiv", "path: /srv2/archiv", "site.yaml:8:"},
		{`schedule: "Mon..Fri *-*-* 08..18:00"`, `schedule: ""`, "site.yaml:11:13: snapshots.schedule must not be empty"},
		{"storage: {path: /srv, filesystem: btrfs}\n", "", "site.yaml:10:3: snapshots need storage"},
		{"{name: Akten, write: [staff]}", "{name: Akten, write: [staff], folders: [{path: .Snapshots, read: [staff]}]}", `folder path ".Snapshots" is the share's snapshot folder`},
		{"snapshots: false}", "snapshots: no}", "true or false"},
		{"storage: {path: /srv,", "homes: {enabled: true}\nstorage: {path: /srv/archiv,", `site.yaml:9:18: home folders in /srv/posse/homes have snapshots but are not inside storage path /srv/archiv`},
	} {
		src := strings.Replace(snapshotsSite, tc.from, tc.to, 1)
		if src == snapshotsSite {
			t.Fatalf("%q not in the template", tc.from)
		}
		_, err := Parse("site.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: got %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
}
