// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

func TestCopiesValid(t *testing.T) {
	s := validSite()
	s.Backup.Copies = []BackupCopy{
		{Repository: "sftp:backup@nas.example.lan:/backups/office", Schedule: "*-*-* 23:30"},
		{Repository: "sftp:backup@nas.example.lan:/backups/office2", Schedule: "weekly", Name: "nas-2"},
		{Repository: "usb:POSSE_1", Schedule: "Sun *-*-* 03:00"},
		{Repository: "sftp:copy@10.0.0.9:/c", Schedule: "daily"},
	}
	if ps := s.Validate(); len(ps) != 0 {
		t.Fatalf("valid copies have problems:\n%v", ps)
	}
	for c, want := range map[BackupCopy]string{
		s.Backup.Copies[0]:    "nas-example-lan",
		s.Backup.Copies[1]:    "nas-2",
		s.Backup.Copies[2]:    "posse-1",
		s.Backup.Copies[3]:    "10-0-0-9",
		{Repository: "ftp:x"}: "",
	} {
		if got := CopyName(c); got != want {
			t.Errorf("CopyName(%+v) = %q, want %q", c, got, want)
		}
	}
}

func TestCopiesRules(t *testing.T) {
	tests := []struct {
		name string
		main string
		copy []BackupCopy
		path string
		msg  string
	}{
		{"local path", "", []BackupCopy{{Repository: "/srv/copy", Schedule: "daily"}}, "backup.copies[0].repository", "neither sftp"},
		{"usb label too long", "", []BackupCopy{{Repository: "usb:ABCDEFGHIJKLMNOPQ", Schedule: "daily"}}, "backup.copies[0].repository", "disk label"},
		{"usb empty label", "", []BackupCopy{{Repository: "usb:", Schedule: "daily"}}, "backup.copies[0].repository", "disk label"},
		{"usb label slash", "", []BackupCopy{{Repository: "usb:../sda", Schedule: "daily"}}, "backup.copies[0].repository", "disk label"},
		{"sftp option injection", "", []BackupCopy{{Repository: "sftp:-oProxyCommand=x@h:/c", Schedule: "daily"}}, "backup.copies[0].repository", "neither sftp"},
		{"main repository", "sftp:b@nas.example:/r", []BackupCopy{{Repository: "sftp:b@nas.example:/r", Schedule: "daily"}}, "backup.copies[0].repository", "is the main repository"},
		{"duplicate target", "", []BackupCopy{{Repository: "usb:A", Schedule: "daily"}, {Repository: "usb:A", Schedule: "weekly"}}, "backup.copies[1].repository", "duplicate backup copy"},
		{"duplicate derived name", "", []BackupCopy{{Repository: "sftp:a@h.example:/a", Schedule: "daily"}, {Repository: "sftp:a@h.example:/b", Schedule: "daily"}}, "backup.copies[1].repository", `duplicate backup copy name "h-example"`},
		{"bad name", "", []BackupCopy{{Name: "-x", Repository: "usb:A", Schedule: "daily"}}, "backup.copies[0].name", "backup copy name"},
		{"missing repository", "", []BackupCopy{{Schedule: "daily"}}, "backup.copies[0].repository", "missing required key"},
		{"missing schedule", "", []BackupCopy{{Repository: "usb:A"}}, "backup.copies[0].schedule", "missing required key"},
		{"bad schedule", "", []BackupCopy{{Repository: "usb:A", Schedule: "*-*-* 25:00"}}, "backup.copies[0].schedule", "hour 25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSite()
			if tt.main != "" {
				s.Backup.Repository = tt.main
			}
			s.Backup.Copies = tt.copy
			ps := s.Validate()
			for _, p := range ps {
				if p.Path == tt.path && strings.Contains(p.Message, tt.msg) {
					return
				}
			}
			t.Errorf("want a problem at %s with %q, got:\n%v", tt.path, tt.msg, ps)
		})
	}
}
