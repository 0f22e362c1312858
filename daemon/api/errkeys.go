// SPDX-License-Identifier: GPL-3.0-or-later

package api

import (
	"errors"
	"sort"
)

// An error possed returns carries, next to its D-Bus error name and its
// English message, a stable key and the key's arguments, so that a client
// can say the same in the person's language. On the wire the error's body
// is (s message, s key, a{ss} args): clients that read only the first
// value (every client before keys) keep working, and a possed before keys
// sends the message alone (key ""). A client shows the message for a key
// it does not know.

// Keys of the errors a person can hit, with the names of their
// arguments. Keys never change meaning; a new error gets a new key (and
// ErrorKeys lists it).
const (
	// KeyNotAuthorized: polkit refused; args action (a polkit action
	// id) and group (the group that grants it).
	KeyNotAuthorized = "not_authorized"
	// KeyPolkitMissing: polkit does not run on the box.
	KeyPolkitMissing = "polkit_missing"
	// KeyUserExists: args user.
	KeyUserExists = "user_exists"
	// KeyUserNotFound: args user.
	KeyUserNotFound = "user_not_found"
	// KeyGroupExists: args group.
	KeyGroupExists = "group_exists"
	// KeyGroupNotFound: args group.
	KeyGroupNotFound = "group_not_found"
	// KeyNameIsGroup: a user's name is a group's; args name.
	KeyNameIsGroup = "name_is_group"
	// KeyNameIsUser: a group's name is a user's; args name.
	KeyNameIsUser = "name_is_user"
	// KeyServiceAccount: the account is one of Posse's services'; args
	// user.
	KeyServiceAccount = "service_account"
	// KeyBuiltinAccount: Samba's own account (Administrator, …); args
	// user.
	KeyBuiltinAccount = "builtin_account"
	// KeyUsernameInvalid: the username breaks the grammar or is
	// reserved; args name.
	KeyUsernameInvalid = "username_invalid"
	// KeyPasswordShort: args min (characters).
	KeyPasswordShort = "password_short"
	// KeyPasswordLong: args max (characters).
	KeyPasswordLong = "password_long"
	// KeyPasswordSimple: fewer than three kinds of characters.
	KeyPasswordSimple = "password_simple"
	// KeyPasswordUsername: the password contains the username.
	KeyPasswordUsername = "password_username"
	// KeyPasswordControl: control characters or line breaks.
	KeyPasswordControl = "password_control"
	// KeyAddressTaken: a mail address someone else holds; args address.
	KeyAddressTaken = "address_taken"
	// KeyNotAvailable: the box does not offer it (yet); args feature
	// (English words).
	KeyNotAvailable = "not_available"
	// KeyNoSite: no site has been applied to the box yet.
	KeyNoSite = "no_site"
	// KeyBackupRunning: another backup, check or restore runs.
	KeyBackupRunning = "backup_running"
	// KeyCopyRunning: this off-site copy runs already.
	KeyCopyRunning = "copy_running"
	// KeyUpdatesRunning: an upgrade of the box's packages runs.
	KeyUpdatesRunning = "updates_running"
	// KeyRestoreTarget: the restore's target is refused; args target.
	KeyRestoreTarget = "restore_target"
	// KeyTimeout: possed gave up waiting for the operation.
	KeyTimeout = "timeout"
	// KeyVersion: client and possed speak different versions.
	KeyVersion = "version"

	// The client's own keys, for what the bus (not possed) answered.

	// KeyNotRunning: possed is not running and cannot be started by
	// the bus.
	KeyNotRunning = "not_running"
	// KeyCannotStart: the bus tried to start possed and it failed.
	KeyCannotStart = "cannot_start"
	// KeyBusPolicy: the box's D-Bus policy refused the call.
	KeyBusPolicy = "bus_policy"
	// KeyNoAnswer: possed did not answer in time.
	KeyNoAnswer = "no_answer"
	// KeyClosed: the connection to possed went away.
	KeyClosed = "closed"
)

// ErrorKeys are all keys above, sorted: a client's test checks that it
// translates each of them.
var ErrorKeys = sortedKeys(KeyNotAuthorized, KeyPolkitMissing, KeyUserExists, KeyUserNotFound, KeyGroupExists, KeyGroupNotFound,
	KeyNameIsGroup, KeyNameIsUser, KeyServiceAccount, KeyBuiltinAccount, KeyUsernameInvalid,
	KeyPasswordShort, KeyPasswordLong, KeyPasswordSimple, KeyPasswordUsername, KeyPasswordControl,
	KeyAddressTaken, KeyNotAvailable, KeyNoSite, KeyBackupRunning, KeyCopyRunning, KeyUpdatesRunning,
	KeyRestoreTarget, KeyTimeout, KeyVersion, KeyNotRunning, KeyCannotStart, KeyBusPolicy, KeyNoAnswer, KeyClosed)

func sortedKeys(k ...string) []string {
	sort.Strings(k)
	return k
}

// KeyedError gives an error a key and the key's arguments; its message
// stays the wrapped error's. possed sends both with the error.
type KeyedError struct {
	Key  string
	Args map[string]string
	Err  error
}

// Error returns the wrapped error's message.
func (e *KeyedError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *KeyedError) Unwrap() error { return e.Err }

// Keyed gives err (nil stays nil) a key and arguments as name, value
// pairs: Keyed(err, KeyUserExists, "user", "efischer").
func Keyed(err error, key string, args ...string) error {
	if err == nil {
		return nil
	}
	m := map[string]string{}
	for i := 0; i+1 < len(args); i += 2 {
		m[args[i]] = args[i+1]
	}
	return &KeyedError{Key: key, Args: m, Err: err}
}

// ErrorKey returns the key and arguments of the outermost KeyedError in
// err's chain ("" and nil without one).
func ErrorKey(err error) (string, map[string]string) {
	var k *KeyedError
	if !errors.As(err, &k) {
		return "", nil
	}
	return k.Key, k.Args
}
