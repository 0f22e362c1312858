// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
)

// account is one line of /etc/passwd or /etc/group.
type account struct {
	name string
	id   int
}

// readAccounts parses an /etc/passwd or /etc/group under the root.
func readAccounts(env *host.Env, file string) ([]account, error) {
	b, err := os.ReadFile(env.Path(file))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []account
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 3 {
			continue
		}
		id, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		out = append(out, account{f[0], id})
	}
	return out, sc.Err()
}

// vmailState says whether the vmail user and group exist, and returns an
// error when they are missing and VmailID is taken by someone else.
func vmailState(env *host.Env) (haveUser, haveGroup bool, err error) {
	users, err := readAccounts(env, "/etc/passwd")
	if err != nil {
		return false, false, err
	}
	groups, err := readAccounts(env, "/etc/group")
	if err != nil {
		return false, false, err
	}
	check := func(list []account, what string) (bool, error) {
		for _, a := range list {
			if a.name == VmailUser {
				return true, nil
			}
		}
		for _, a := range list {
			if a.id == VmailID {
				return false, fmt.Errorf("%s id %d, which Posse gives %s, belongs to %s: free it or create %s yourself", what, VmailID, VmailUser, a.name, VmailUser)
			}
		}
		return false, nil
	}
	if haveUser, err = check(users, "user"); err != nil {
		return false, false, err
	}
	haveGroup, err = check(groups, "group")
	return haveUser, haveGroup, err
}

// createVmail creates the vmail group and system user with fixed ids (so
// restored Maildirs keep their owner), without a home directory or login.
func createVmail(ctx context.Context, env *host.Env, spec VmailSpec) error {
	if spec.User != VmailUser || spec.ID != VmailID || spec.Home != VmailDir {
		return fmt.Errorf("vmail step names %s (%d, %s); make the plan again", spec.User, spec.ID, spec.Home)
	}
	if env.Runner == nil {
		return fmt.Errorf("no command runner configured")
	}
	id := strconv.Itoa(spec.ID)
	if spec.NeedGroup {
		if _, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"groupadd", "--system", "--gid", id, spec.User}}); err != nil {
			return fmt.Errorf("creating group %s: %w", spec.User, err)
		}
	}
	argv := []string{"useradd", "--system", "--uid", id, "--gid", spec.User, "--home-dir", spec.Home,
		"--no-create-home", "--shell", "/usr/sbin/nologin", "--comment", "Posse mailboxes", spec.User}
	if _, err := env.Runner.Run(ctx, host.Cmd{Argv: argv}); err != nil {
		return fmt.Errorf("creating user %s: %w", spec.User, err)
	}
	return nil
}

// requiredFiles are files of the Debian packages the mail service needs.
var requiredFiles = []struct{ path, pkg string }{
	{"/usr/sbin/postfix", "postfix"},
	{"/usr/lib/postfix/postfix-ldap.so", "postfix-ldap"},
	{"/usr/sbin/dovecot", "dovecot-core"},
	{"/usr/lib/dovecot/imap", "dovecot-imapd"},
	{"/usr/lib/dovecot/lmtp", "dovecot-lmtpd"},
	{"/usr/lib/dovecot/modules/auth/libauthdb_ldap.so", "dovecot-ldap"},
}

// checkPackages names the packages whose files are missing under the root.
func checkPackages(env *host.Env) error {
	var missing []string
	for _, f := range requiredFiles {
		if _, err := os.Stat(env.Path(f.path)); err != nil {
			missing = append(missing, f.pkg)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("mail needs the packages %s: install them with apt-get install %s, then plan again",
			strings.Join(missing, ", "), strings.Join(missing, " "))
	}
	return nil
}
