// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"errors"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

// errorText is what the person reads for err: possed's errors (and the
// client's own, for what the bus answered) by their stable key
// (api.ErrorKeys) in the UI's language, with their arguments; an error
// without a key, or with a key this app does not know, keeps its English
// message.
func errorText(err error) string {
	if err == nil {
		return ""
	}
	var e *client.Error
	if !errors.As(err, &e) || e.Key == "" {
		return err.Error()
	}
	if s := keyText(e.Key, e.Args); s != "" {
		return s
	}
	return err.Error()
}

// keyText says an error key with its arguments in the UI's language, or
// "" for a key the app does not know.
func keyText(key string, args map[string]string) string {
	a := func(name string) string { return args[name] }
	switch key {
	case api.KeyNotAuthorized:
		what := actionText(a("action"))
		if g := a("group"); g != "" {
			return tr("Your account may not %s. Ask the administrator to add you to the group %s.", what, g)
		}
		return tr("Your account may not %s.", what)
	case api.KeyPolkitMissing:
		return tr("The server cannot check who may do what right now (polkit is not running). Tell the administrator.")
	case api.KeyUserExists:
		return tr("The user %s exists already. Choose another username.", a("user"))
	case api.KeyUserNotFound:
		return tr("There is no user %s (any more).", a("user"))
	case api.KeyGroupExists:
		return tr("The group %s exists already. Choose another name.", a("group"))
	case api.KeyGroupNotFound:
		return tr("There is no group %s (any more).", a("group"))
	case api.KeyNameIsGroup:
		return tr("A group is called %s already; users and groups need different names. Choose another username.", a("name"))
	case api.KeyNameIsUser:
		return tr("A user is called %s already; users and groups need different names. Choose another group name.", a("name"))
	case api.KeyServiceAccount:
		return tr("%s is the account of one of Posse's own services. Posse looks after it, so it cannot be changed here.", a("user"))
	case api.KeyBuiltinAccount:
		return tr("%s is a built-in account of the server. Posse does not change or delete it.", a("user"))
	case api.KeyUsernameInvalid:
		return tr("The username %s cannot be used: use lower-case letters, digits, dot, dash or underscore, starting with a letter, and not a name the server reserves.", a("name"))
	case api.KeyPasswordShort:
		return tr("The password is too short: use at least %s characters.", a("min"))
	case api.KeyPasswordLong:
		return tr("The password is too long: use at most %s characters.", a("max"))
	case api.KeyPasswordSimple:
		return tr("The password is too simple: use three of capitals, small letters, digits and other characters.")
	case api.KeyPasswordUsername:
		return tr("The password must not contain the username.")
	case api.KeyPasswordControl:
		return tr("The password contains line breaks or control characters: use printable characters only.")
	case api.KeyAddressTaken:
		return tr("The mail address %s belongs to someone else already. Choose another one.", a("address"))
	case api.KeyNotAvailable:
		return tr("The server does not offer this yet (%s). Update Posse, or apply a site template that sets it up.", a("feature"))
	case api.KeyNoSite:
		return tr("No site template has been applied to the server yet. Apply one on the Site template screen first.")
	case api.KeyBackupRunning:
		return tr("A backup, check or restore is running right now. Try again when it has finished.")
	case api.KeyCopyRunning:
		return tr("This copy of the backup is running right now. Try again when it has finished.")
	case api.KeyUpdatesRunning:
		return tr("Updates are being installed right now. Try again when they have finished.")
	case api.KeyRestoreTarget:
		return tr("Files cannot be restored into %s. Put them back where they were, or into a folder of their own such as /srv/restore.", a("target"))
	case api.KeyTimeout:
		return tr("The server gave up waiting: this took too long. Try again; if it keeps happening, tell the administrator.")
	case api.KeyVersion:
		return tr("This app and the server run different versions of Posse.")
	case api.KeyNotRunning:
		return tr("Posse is not running on the server.")
	case api.KeyCannotStart:
		return tr("Posse could not be started on the server.")
	case api.KeyBusPolicy:
		if g := a("group"); g != "" {
			return tr("The server refused the request. This needs the group %s.", g)
		}
		return tr("The server refused the request.")
	case api.KeyNoAnswer:
		return tr("The server did not answer in time. A change may still be running there: reload in a minute.")
	case api.KeyClosed:
		return tr("The connection to the server was lost. Connect again; a change that was running goes on.")
	}
	return ""
}

// actionText says what a polkit action (daemon.Actions, which the app
// does not link) allows, for "Your account may not …".
func actionText(action string) string {
	switch action {
	case api.Interface + ".status":
		return tr("read the server's status")
	case api.Interface + ".health":
		return tr("check the server's services")
	case api.Interface + ".users":
		return tr("manage users and passwords")
	case api.Interface + ".versions":
		return tr("restore earlier versions of files")
	case api.Interface + ".restore":
		return tr("restore files from the backup")
	case api.Interface + ".site":
		return tr("change the site, shares, mail and backup")
	}
	return tr("do this")
}
