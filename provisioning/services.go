package provisioning

import (
	"github.com/posse-project/posse/services/backup"
	"github.com/posse-project/posse/services/directory"
	"github.com/posse-project/posse/services/files"
	"github.com/posse-project/posse/services/mail"
)

// Services returns the managed services in the order they are planned and
// applied: the directory first, since files and mail authenticate against
// it, and backup last, since it backs up what the others create.
func Services() []Service {
	return []Service{directory.New(), files.New(), mail.New(), backup.New()}
}
