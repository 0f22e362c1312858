// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
)

// smbFiles reaches the old server's shares with smbclient, rpcclient and
// smbcacls. The credentials are in an authentication file (0600, in a
// private temporary folder), never in argv.
type smbFiles struct {
	run      host.Runner
	addr     string
	authFile string
	dir      string
	timeout  time.Duration
}

// NewFiles writes the authentication file for user (a sAMAccountName, a
// UPN or DOMAIN\user) of workgroup and returns the Files that use it.
// Close removes the file.
func NewFiles(run host.Runner, addr, workgroup, user, password string, timeout time.Duration) (Files, error) {
	if strings.ContainsAny(user+password+workgroup, "\r\n") {
		return nil, fmt.Errorf("the user name or password holds a line break, which an authentication file cannot carry")
	}
	if timeout == 0 {
		timeout = 10 * time.Minute
	}
	dir, err := os.MkdirTemp("", "posse-migrate-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	name, domain := user, workgroup
	if d, u, ok := strings.Cut(user, `\`); ok {
		name, domain = u, d
	}
	content := "username = " + name + "\npassword = " + password + "\n"
	if !strings.Contains(name, "@") {
		content += "domain = " + domain + "\n"
	}
	auth := filepath.Join(dir, "auth")
	if err := os.WriteFile(auth, []byte(content), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &smbFiles{run: run, addr: addr, authFile: auth, dir: dir, timeout: timeout}, nil
}

func (s *smbFiles) Close() error { return os.RemoveAll(s.dir) }

func (s *smbFiles) cmd(ctx context.Context, timeout time.Duration, argv ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res, err := s.run.Run(ctx, host.Cmd{Argv: argv})
	return res.Stdout, err
}

func (s *smbFiles) common() []string {
	return []string{"--authentication-file=" + s.authFile, "--use-kerberos=off"}
}

func (s *smbFiles) Shares(ctx context.Context) ([]Share, error) {
	out, err := s.cmd(ctx, 2*time.Minute, append([]string{"smbclient", "-g", "-L", "//" + s.addr}, s.common()...)...)
	if err != nil {
		return nil, fmt.Errorf("listing the shares of %s: %v", s.addr, err)
	}
	shares := ParseShareList(out)
	// The paths need an admin's right to read the share definitions;
	// without it they stay empty.
	if out, err := s.cmd(ctx, 2*time.Minute, append([]string{"rpcclient", "-c", "netshareenumall"}, append(s.common(), s.addr)...)...); err == nil {
		paths := ParseSharePaths(out)
		for i := range shares {
			shares[i].Path = paths[strings.ToLower(shares[i].Name)]
		}
	}
	return shares, nil
}

func (s *smbFiles) Walk(ctx context.Context, sh *Share) {
	out, err := s.cmd(ctx, s.timeout, append([]string{"smbclient", "//" + s.addr + "/" + sh.Name, "-c", "recurse ON; ls"}, s.common()...)...)
	if err != nil {
		sh.WalkError = "cannot list its files: " + err.Error()
		return
	}
	sh.Files, sh.Dirs, sh.Bytes = ParseListing(out)
	sh.Walked = true
}

func (s *smbFiles) ACL(ctx context.Context, sh *Share) {
	out, err := s.cmd(ctx, time.Minute, append([]string{"smbcacls", "//" + s.addr + "/" + sh.Name, `\`}, s.common()...)...)
	if err != nil {
		sh.ACLError = "cannot read its ACL: " + err.Error()
		return
	}
	sh.Owner, sh.ACEs = ParseACL(out)
}

// ParseShareList reads smbclient -g -L output ("Disk|name|comment").
func ParseShareList(out []byte) []Share {
	var shares []Share
	for _, l := range strings.Split(string(out), "\n") {
		parts := strings.SplitN(strings.TrimRight(l, "\r"), "|", 3)
		if len(parts) < 2 {
			continue
		}
		switch parts[0] {
		case "Disk", "IPC", "Printer":
		default:
			continue
		}
		sh := Share{Type: parts[0], Name: parts[1]}
		if len(parts) == 3 {
			sh.Comment = parts[2]
		}
		shares = append(shares, sh)
	}
	return shares
}

// ParseSharePaths reads rpcclient netshareenumall output into share name
// (lower case) → path.
func ParseSharePaths(out []byte) map[string]string {
	paths := map[string]string{}
	name := ""
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimRight(l, "\r")
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "netname:"):
			name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(t, "netname:")))
		case strings.HasPrefix(t, "path:") && name != "":
			paths[name] = strings.TrimSpace(strings.TrimPrefix(t, "path:"))
		}
	}
	return paths
}

// listingRE is one entry of smbclient's ls: two spaces, the name, the
// attributes, the size and the date.
var listingRE = regexp.MustCompile(`^  (.+?)\s+([A-Z]*)\s+(\d+)\s+(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d+ \d\d:\d\d:\d\d \d{4}$`)

// ParseListing counts the files, folders and bytes in smbclient's
// "recurse ON; ls" output, leaving out "." and "..".
func ParseListing(out []byte) (files, dirs, bytes int64) {
	for _, l := range strings.Split(string(out), "\n") {
		m := listingRE.FindStringSubmatch(strings.TrimRight(l, "\r"))
		if m == nil || m[1] == "." || m[1] == ".." {
			continue
		}
		if strings.Contains(m[2], "D") {
			dirs++
			continue
		}
		n, _ := strconv.ParseInt(m[3], 10, 64)
		files++
		bytes += n
	}
	return files, dirs, bytes
}

// ParseACL reads smbcacls output: the owner and the number of ACL
// entries.
func ParseACL(out []byte) (owner string, aces int) {
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimRight(l, "\r")
		switch {
		case strings.HasPrefix(l, "OWNER:"):
			owner = strings.TrimPrefix(l, "OWNER:")
		case strings.HasPrefix(l, "ACL:"):
			aces++
		}
	}
	return owner, aces
}

// CopyShare copies every file and folder of share on the old server at
// addr into dest (which must exist) with smbclient, logging in as user
// through an authentication file like NewFiles. It copies contents, not
// ACLs.
func CopyShare(ctx context.Context, run host.Runner, addr, workgroup, user, password, share, dest string) error {
	if strings.ContainsAny(dest, `;"`+"\n") || strings.ContainsAny(share, `/\;"`+"\n") {
		return fmt.Errorf("cannot copy share %q into %q: the names hold characters smbclient's commands cannot carry", share, dest)
	}
	f, err := NewFiles(run, addr, workgroup, user, password, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	s := f.(*smbFiles)
	argv := append([]string{"smbclient", "//" + addr + "/" + share}, s.common()...)
	argv = append(argv, "-c", CopyCommands(dest))
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	res, err := s.run.Run(ctx, host.Cmd{Argv: argv})
	if err != nil {
		return fmt.Errorf("copying \\\\%s\\%s: %v: %s", addr, share, err, clip(strings.TrimSpace(string(res.Stderr)+string(res.Stdout)), 400))
	}
	return nil
}

// CopyCommands are smbclient's commands that copy a whole share into the
// local folder dest.
func CopyCommands(dest string) string {
	return `prompt OFF; recurse ON; lcd "` + dest + `"; mget *`
}
