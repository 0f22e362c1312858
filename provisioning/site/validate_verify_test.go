// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"strings"
	"testing"
)

const verifySite = `version: 1
site: {name: Test, domain: test.example, workgroup: TEST}
directory: {admin_password: "${secret:domain_admin}"}
backup:
  repository: /srv/backup
  password: ${secret:backup}
  schedule: daily
  keep: {daily: 7}
  include: [directory]
  verify: {schedule: "Sat *-*-* 05:00", read_data_subset: "5%"}
`

func TestBackupVerify(t *testing.T) {
	s, err := Parse("site.yaml", []byte(verifySite))
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Backup.Verify; v == nil || v.Schedule != "Sat *-*-* 05:00" || v.ReadDataSubset != "5%" {
		t.Errorf("verify = %+v", v)
	}
	for _, tc := range []struct{ to, want string }{
		{`verify: {read_data_subset: "5"}`, `site.yaml:10:30: read_data_subset "5" is not a percentage such as "5%"`},
		{`verify: {read_data_subset: "0%"}`, `site.yaml:10:30: read_data_subset "0%" must be above 0% and at most 100%`},
		{`verify: {read_data_subset: "101%"}`, `must be above 0% and at most 100%`},
		{`verify: {schedule: "sometimes"}`, `site.yaml:10:22: schedule "sometimes" is not a valid OnCalendar expression`},
		{`verify: {read_data: "5%"}`, `site.yaml:10:12: unknown key "read_data"`},
	} {
		src := strings.Replace(verifySite, `verify: {schedule: "Sat *-*-* 05:00", read_data_subset: "5%"}`, tc.to, 1)
		_, err := Parse("site.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.to, err, tc.want)
		}
	}
	for _, ok := range []string{"5%", "0.5%", "100%", "12.25%"} {
		if err := CheckReadDataSubset(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}
