// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/services/backup"
	"github.com/posse-project/posse/services/directory"
	"github.com/posse-project/posse/services/files"
	"github.com/posse-project/posse/services/mail"
	"github.com/posse-project/posse/services/notify"
	"github.com/posse-project/posse/services/system"
)

// Services returns the managed services, wired here, the one composition
// root, in the order they are planned and
// applied: the box's own settings first (the time zone, which calendar
// timers such as the backup schedule depend on), then the directory, since
// files and mail authenticate against it, and backup last, since it backs
// up what the others create; the alerts' units come after it.
func Services() []provisioning.Service {
	return []provisioning.Service{system.New(), directory.New(), files.New(), mail.New(), backup.New(), notify.New()}
}
