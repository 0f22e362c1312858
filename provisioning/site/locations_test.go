// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

func TestRepositoryLocation(t *testing.T) {
	for _, tc := range []struct {
		repo string
		ok   bool
	}{
		{"/srv/posse/backup", true},
		{"/srv/backup", true},
		{"/mnt/usb/posse", true},
		{"/media/backup/posse", true},
		{"sftp:backup@nas.example:/volume1/posse", true},
		{"/srv", false},
		{"/mnt", false},
		{"/media", false},
		{"/etc", false},
		{"/etc/posse-backup", false},
		{"/proc/self", false},
		{"/proc/self/cwd", false},
		{"/var/lib/posse", false},
		{"/var/lib/posse/backup", false},
		{"/var/lib/samba/private", false},
		{"/var/vmail/example.lan", false},
		{"/tmp", false},
		{"/tmp/backup", false},
		{"/dev/shm/backup", false},
		{"/root", false},
		{"/root/backup", false},
		{"/", false},
		{"/srv/../etc", false},
		{"/srv/posse/../../etc/cron.d", false},
		{"/srvx/backup", false},
		{"/mediabackup", false},
		{"backup", false},
		{"", false},
	} {
		msg, hint := RepositoryLocationProblem(tc.repo)
		if (msg == "") != tc.ok {
			t.Errorf("RepositoryLocationProblem(%q) = %q, want ok=%v", tc.repo, msg, tc.ok)
		}
		if msg != "" && !strings.Contains(hint, "/srv, /mnt or /media") {
			t.Errorf("hint for %q does not say where: %q", tc.repo, hint)
		}
	}
}

func TestRestoreTargetLocation(t *testing.T) {
	const repo = "/srv/posse/backup"
	for _, tc := range []struct {
		target string
		want   string // "" accepted, else a substring of the message
	}{
		{"/srv/restored", ""},
		{"/srv/restored/2026-11-20", ""},
		{"/srv/posse/shares/akten/restored", ""},
		{"/srv/posse/homes/alice/restored", ""},
		{"/srv/restore", ""},
		{"/srv/x/../restored", ""}, // cleaned: /srv/restored
		{"/srv", "outside /srv"},
		{"/", "outside /srv"},
		{"/etc", "outside /srv"},
		{"/etc/profile.d", "outside /srv"},
		{"/srv/../etc", "outside /srv"},
		{"/srv/posse/../../etc", "outside /srv"},
		{"/var/lib/posse", "outside /srv"},
		{"/var/lib/samba/private", "outside /srv"},
		{"/var/vmail", "outside /srv"},
		{"/root", "outside /srv"},
		{"/tmp/r", "outside /srv"},
		{"/srvx", "outside /srv"},
		{"restored", "not an absolute path"},
		{"", "not an absolute path"},
		{"/srv/posse/backup", "inside the backup repository"},
		{"/srv/posse/backup/data", "inside the backup repository"},
	} {
		err := CheckRestoreTarget(tc.target, repo)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckRestoreTarget(%q) = %v, want accepted", tc.target, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckRestoreTarget(%q) = %v, want %q", tc.target, err, tc.want)
		case err != nil && !strings.Contains(err.Error(), RestoredDir):
			t.Errorf("CheckRestoreTarget(%q) = %v: does not say where to restore instead", tc.target, err)
		}
	}
	// Without a local repository only the place counts.
	if err := CheckRestoreTarget("/srv/posse/backup", "sftp:b@nas.example:/posse"); err != nil {
		t.Errorf("sftp repository: %v", err)
	}
	if err := CheckRestoreTarget("/srv/restored", ""); err != nil {
		t.Errorf("no repository: %v", err)
	}
}

// TestValidateRepositoryLocation: the validator refuses the same places.
func TestValidateRepositoryLocation(t *testing.T) {
	for _, repo := range []string{"/etc", "/proc/self", "/var/lib/posse", "/var/lib/samba/private", "/tmp", "/dev/shm", "/root", "/var/vmail/backup"} {
		s := validSite()
		s.Backup.Repository = repo
		ps := s.Validate()
		if len(ps) != 1 || ps[0].Path != "backup.repository" || !strings.Contains(ps[0].Message, "outside the places") {
			t.Errorf("repository %s: problems %v", repo, ps)
		}
	}
	for _, repo := range []string{"/srv/backup", "/mnt/usb/posse", "/media/backup"} {
		s := validSite()
		s.Backup.Repository = repo
		if ps := s.Validate(); len(ps) != 0 {
			t.Errorf("repository %s: problems %v", repo, ps)
		}
	}
}
