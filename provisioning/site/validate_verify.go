// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// BackupVerify tunes the scheduled check of the backup repository
// (backup.verify): when it runs and which share of the data it reads and
// verifies (restic check --read-data-subset).
type BackupVerify struct {
	// Schedule is a systemd OnCalendar expression; "" is the default
	// weekly check.
	Schedule string `yaml:"schedule" json:"schedule,omitempty"`
	// ReadDataSubset is a percentage such as "5%"; "" reads no data.
	ReadDataSubset string `yaml:"read_data_subset" json:"read_data_subset,omitempty"`
}

// ReadDataSubsetPattern is a percentage: 1 to 3 digits, an optional
// fraction, and %.
const ReadDataSubsetPattern = `^[0-9]{1,3}(\.[0-9]{1,2})?%$`

var readDataSubsetRE = regexp.MustCompile(ReadDataSubsetPattern)

// CheckReadDataSubset refuses a subset that is not a percentage above 0
// and at most 100.
func CheckReadDataSubset(s string) error {
	if !readDataSubsetRE.MatchString(s) {
		return fmt.Errorf("read_data_subset %q is not a percentage such as \"5%%\"", s)
	}
	f, _ := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if f <= 0 || f > 100 {
		return fmt.Errorf("read_data_subset %q must be above 0%% and at most 100%%", s)
	}
	return nil
}

const hintReadDataSubset = `write a share of the data such as "5%": each check reads and verifies that much, a different part each time`

// verify checks backup.verify.
func (v *validator) verify() {
	b := v.s.Backup
	if b == nil || b.Verify == nil {
		return
	}
	if s := b.Verify.Schedule; s != "" {
		if err := CheckOnCalendar(s); err != nil {
			v.add("backup.verify.schedule", fmt.Sprintf(errScheduleInvalid, s, err), hintOnCalendar)
		}
	}
	if s := b.Verify.ReadDataSubset; s != "" {
		if err := CheckReadDataSubset(s); err != nil {
			v.add("backup.verify.read_data_subset", err.Error(), hintReadDataSubset)
		}
	}
}
