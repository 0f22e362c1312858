// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"fmt"
	"regexp"
	"strings"
)

// CopyNamePattern is the grammar of a backup copy's name: it becomes part
// of a systemd unit name and a possectl argument.
const CopyNamePattern = `^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$`

// USBLabelPattern is the grammar of a usb:LABEL copy target's file system
// label (looked up as /dev/disk/by-label/LABEL).
const USBLabelPattern = `^[A-Za-z0-9_-]{1,16}$`

var (
	copyNameRE = regexp.MustCompile(CopyNamePattern)
	usbLabelRE = regexp.MustCompile(USBLabelPattern)
)

const (
	errCopyRepository  = "backup copy repository %q is neither sftp:user@host:/absolute/path nor usb:LABEL"
	hintCopyRepository = "use sftp:user@host:/absolute/path, or usb:LABEL for a disk labelled LABEL (letters, digits, - and _, up to 16)"
	errCopyUSBLabel    = "disk label %q is not 1 to 16 of letters, digits, - and _"
	hintCopyUSBLabel   = "label the disk with such a name (e2label, fatlabel) and write usb:LABEL"
	errCopyIsMain      = "backup copy repository %s is the main repository"
	hintCopyIsMain     = "a copy must go to another place: another server or a USB disk"
	errCopyName        = "backup copy name %q is not 1 to 32 of a-z, 0-9 and - (not starting or ending with -)"
	hintCopyName       = "write name: such as offsite or nas-2"
	hintCopyNameDup    = "give one of the copies another name: with name: under it"
	hintAddCopyRepo    = "add repository: such as sftp:backup@nas.example.lan:/backups/office or usb:POSSE1"
)

// Copy target kinds.
const (
	CopyKindSFTP = "sftp"
	CopyKindUSB  = "usb"
)

// CopyTarget is a parsed backup copy repository.
type CopyTarget struct {
	// Kind is CopyKindSFTP or CopyKindUSB.
	Kind string
	// SFTP is set for Kind CopyKindSFTP.
	SFTP SFTPRepository
	// Label is the disk's file system label for Kind CopyKindUSB.
	Label string
}

// ParseCopyTarget splits and checks a copy repository: sftp:user@host:/path
// or usb:LABEL.
func ParseCopyTarget(repo string) (CopyTarget, error) {
	if label, ok := strings.CutPrefix(repo, "usb:"); ok {
		if !usbLabelRE.MatchString(label) {
			return CopyTarget{}, fmt.Errorf(errCopyUSBLabel, label)
		}
		return CopyTarget{Kind: CopyKindUSB, Label: label}, nil
	}
	if r, ok := ParseSFTPRepository(repo); ok {
		return CopyTarget{Kind: CopyKindSFTP, SFTP: r}, nil
	}
	return CopyTarget{}, fmt.Errorf(errCopyRepository, repo)
}

// CopyName is the name of copy c: its name key, or else derived from the
// repository (the sftp host with dots as dashes, or the disk label), in
// lower case and cut to 32 characters.
func CopyName(c BackupCopy) string {
	if c.Name != "" {
		return c.Name
	}
	t, err := ParseCopyTarget(c.Repository)
	if err != nil {
		return ""
	}
	n := t.Label
	if t.Kind == CopyKindSFTP {
		n = t.SFTP.Host
	}
	n = strings.NewReplacer(".", "-", "_", "-").Replace(strings.ToLower(n))
	if len(n) > 32 {
		n = n[:32]
	}
	return strings.Trim(n, "-")
}

// sameRepository reports whether two sftp repositories (or two equal
// strings) are the same place: same user, host and clean path.
func sameRepository(a, b string) bool {
	if a == b {
		return true
	}
	ra, oka := ParseSFTPRepository(a)
	rb, okb := ParseSFTPRepository(b)
	return oka && okb && ra.User == rb.User && strings.EqualFold(ra.Host, rb.Host) &&
		strings.TrimRight(ra.Path, "/") == strings.TrimRight(rb.Path, "/")
}

func (v *validator) copies() {
	b := v.s.Backup
	if b == nil {
		return
	}
	targets, names := seen{}, seen{}
	for i, c := range b.Copies {
		p := joinIndex("backup.copies", i)
		if v.required(p+".repository", c.Repository == "", hintAddCopyRepo) {
			t, err := ParseCopyTarget(c.Repository)
			switch {
			case err != nil && strings.HasPrefix(c.Repository, "usb:"):
				v.add(p+".repository", err.Error(), hintCopyUSBLabel)
			case err != nil:
				v.add(p+".repository", err.Error(), hintCopyRepository)
			case b.Repository != "" && sameRepository(c.Repository, b.Repository):
				v.add(p+".repository", fmt.Sprintf(errCopyIsMain, c.Repository), hintCopyIsMain)
			default:
				key := c.Repository
				if t.Kind == CopyKindSFTP {
					key = "sftp:" + t.SFTP.User + "@" + strings.ToLower(t.SFTP.Host) + ":" + strings.TrimRight(t.SFTP.Path, "/")
				}
				if !v.dup(targets, key, p+".repository", "backup copy", c.Repository) {
					v.copyName(c, p, names)
				}
			}
		}
		if v.required(p+".schedule", c.Schedule == "", hintAddSchedule) {
			if err := CheckOnCalendar(c.Schedule); err != nil {
				v.add(p+".schedule", fmt.Sprintf(errScheduleInvalid, c.Schedule, err), hintOnCalendar)
			}
		}
	}
}

// copyName checks a copy's (given or derived) name and that no other copy
// has it.
func (v *validator) copyName(c BackupCopy, p string, names seen) {
	at := p + ".name"
	if c.Name == "" {
		at = p + ".repository"
	}
	n := CopyName(c)
	if !copyNameRE.MatchString(n) {
		v.add(at, fmt.Sprintf(errCopyName, n), hintCopyName)
		return
	}
	if first, ok := names[n]; ok {
		v.add(at, msgDuplicate("backup copy name", n, v.where(first)), hintCopyNameDup)
		return
	}
	names[n] = at
}
