// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"strings"

	"github.com/posse-project/posse/daemon/api"
)

// Possed's alerts and health results carry stable codes next to their
// English sentences: an alert's Key ("unit:dovecot.service",
// "disk:/srv", "backup", "check", "drill", "copy:offsite",
// "cert:PATH"), a service's Name, Unit and State. The app says what they
// mean in the UI's language and in plain words for office managers;
// integrators also see possed's technical text. A code the app does not
// know keeps possed's English text.

// unitMeaning says in plain words what does not work when the unit
// (or, without one, the service) is down; "" when the app does not know.
func unitMeaning(service, unit string) string {
	switch {
	case strings.HasPrefix(unit, "dovecot"):
		return tr("Mail cannot be read on phones and in mail programs right now.")
	case strings.HasPrefix(unit, "postfix"), service == "mail":
		return tr("Mail is not sent or received right now.")
	case strings.HasPrefix(unit, "samba"), service == "directory":
		return tr("Logging on to the office computers may not work right now.")
	case service == "files":
		return tr("The shared folders may not open right now.")
	case service == "backup":
		return tr("The backup is not working right now.")
	}
	return ""
}

// serviceProblem is an unhealthy service in plain words; unknown services
// keep possed's detail.
func serviceProblem(s api.ServiceStatus) string {
	if m := unitMeaning(s.Name, s.Unit); m != "" {
		return m
	}
	if d := unitStateDetail(s); d != "" {
		return d
	}
	return tr("This service is not working right now.")
}

// unitStateDetail says a service's unit that does not run in words, from
// its Unit and State (possed's detail "UNIT is STATE: see journalctl -u
// UNIT" says the same in English); "" when the unit runs or has none.
func unitStateDetail(s api.ServiceStatus) string {
	switch {
	case s.Unit == "" || s.State == "active":
		return ""
	case s.State == "unknown" || s.State == "":
		return tr("The server could not say whether %s runs.", s.Unit)
	}
	return tr("%s is %s: its log says why (journalctl -u %s).", s.Unit, stateLabel(s.State), s.Unit)
}

// checkDetail is the health check's result in words, by the check (the
// service's Name) and its state; integrators read possed's technical
// detail (English) below it. "" when the app has no words for it.
func checkDetail(s api.ServiceStatus) string {
	if !s.Healthy {
		return unitStateDetail(s)
	}
	switch {
	case s.Name == "directory":
		return tr("Checked: the domain answers, with logon, directory, name service and Kerberos.")
	case s.Name == "files" && strings.Contains(s.Detail, "WARNING"):
		return tr("Checked: the shared folders work, but taking their snapshots failed.")
	case s.Name == "files":
		return tr("Checked: the shared folders and home folders are set up as planned, and strangers cannot list them.")
	case s.Name == "mail" && strings.HasPrefix(s.Unit, "dovecot"):
		return tr("Checked: mailboxes can be read on phones and in mail programs.")
	case s.Name == "mail":
		return tr("Checked: mail is sent and received; the queue was read.")
	case s.Name == "backup":
		return tr("Checked: the backup ran as planned.")
	}
	return ""
}

// alertTitle is an open problem's headline in plain words, from its key;
// an unknown key keeps possed's subject.
func alertTitle(a api.Alert) string {
	kind, param, _ := strings.Cut(a.Key, ":")
	switch kind {
	case "unit":
		if m := unitMeaning("", param); m != "" {
			return m
		}
		return tr("A service of the server is not running.")
	case "disk":
		return tr("The server's disk is almost full.")
	case "cert":
		return tr("A security certificate of the server runs out soon or has run out.")
	case "backup":
		return tr("The backup needs attention: the last one failed or is too old.")
	case "check":
		return tr("The check of the backup found a problem.")
	case "drill":
		return tr("The test restore of the backup failed.")
	case "copy":
		return tr("The copy of the backup to %s failed.", param)
	}
	return a.Subject
}

// alertNext is what to do about an open problem, from its key, in the
// UI's language; an unknown key keeps possed's Next. possed's What (with
// its figures and errors) stays as possed says it.
func alertNext(a api.Alert) string {
	kind, param, _ := strings.Cut(a.Key, ":")
	switch kind {
	case "unit":
		return tr("See why with 'journalctl -u %s', then start it with 'systemctl start %s' or apply the site again; 'possectl status' shows every service.", param, param)
	case "disk":
		return tr("Free space: delete or move old files, empty the shares' recycle bins, or add a larger disk. 'possectl status' shows the shares' sizes.")
	case "cert":
		return tr("Apply the site again ('possectl apply'): Posse renews the certificates it manages; see docs/security.md.")
	case "backup":
		return tr("Find out why with 'journalctl -u posse-backup.service' and 'systemctl status posse-backup.timer', fix the cause (the repository reachable, its disk not full, the password right), then run 'possectl backup run'. See docs/backup.md.")
	case "check":
		return tr("Run 'possectl backup check' to see it again, and repair the repository as docs/backup.md says.")
	case "drill":
		return tr("Run 'possectl backup drill' to see it again and check the repository with 'possectl backup check'; until a drill passes, do not rely on restoring from this backup.")
	case "copy":
		return tr("Make the target reachable (the backup server up, the USB disk plugged in), then run 'possectl backup copy %s'.", param)
	}
	return a.Next
}

// alertKnown reports whether the app has plain words for the alert.
func alertKnown(a api.Alert) bool {
	return alertTitle(a) != a.Subject
}
