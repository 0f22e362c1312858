// SPDX-License-Identifier: GPL-3.0-or-later

package backup

import (
	"archive/tar"
	"bufio"
	"compress/bzip2"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
)

// DrillPart is one more thing a drill restores whole: the directory's dump
// or a mailbox.
type DrillPart struct {
	// What is "directory" or "mailbox".
	What string `json:"what"`
	Path string `json:"path"`
	// Want and Got count the archive's entries (directory) or the
	// mailbox's messages: what the snapshot records and what came back.
	Want int  `json:"want"`
	Got  int  `json:"got"`
	OK   bool `json:"ok"`
	// Users counts the user accounts of the directory's dump restored
	// into a throwaway Samba.
	Users int    `json:"users,omitempty"`
	Note  string `json:"note,omitempty"`
}

// drillParts restores the newest directory dump of the snapshot, checks
// that it reads whole (every bzip2 block's checksum) with Samba's database
// in it and restores it into a throwaway Samba whose users it counts, and
// restores one mailbox chosen at random and counts its messages. A
// snapshot without a dump or a mailbox (a site without the directory or
// mail) skips that part. ip is the box's address, which samba-tool's
// restore writes into the throwaway copy's DNS.
func drillParts(ctx context.Context, r *Restic, snap, scratch, ip string, nodes []Node) []DrillPart {
	var parts []DrillPart
	if p := newestDump(nodes); p != "" {
		parts = append(parts, drillDump(ctx, r, snap, scratch, ip, p))
	}
	if box, msgs := randomMailbox(nodes); box != "" {
		parts = append(parts, drillMailbox(ctx, r, snap, scratch, box, msgs))
	}
	return parts
}

// newestDump is the path of the newest samba backup archive in nodes.
func newestDump(nodes []Node) string {
	var dumps []string
	for _, n := range nodes {
		if n.Type == "file" && filepath.Dir(n.Path) == ADDumpDir && strings.HasPrefix(n.Name, "samba-backup-") && strings.HasSuffix(n.Name, ".tar.bz2") {
			dumps = append(dumps, n.Path)
		}
	}
	if len(dumps) == 0 {
		return ""
	}
	sort.Strings(dumps)
	return dumps[len(dumps)-1]
}

func drillDump(ctx context.Context, r *Restic, snap, scratch, ip, p string) DrillPart {
	part := DrillPart{What: "directory", Path: p, Want: 1}
	if _, err := r.run(ctx, "restore", "--target", scratch, "--verify", "--include", p, "--", snap); err != nil {
		part.Note = err.Error()
		return part
	}
	entries, hasDB, err := readDump(filepath.Join(scratch, p))
	switch {
	case err != nil:
		part.Note = "the restored archive does not read whole: " + err.Error()
	case !hasDB:
		part.Note = "the archive holds no private/sam.ldb"
	default:
		users, err := throwawayUsers(ctx, r.Runner, filepath.Join(scratch, p), filepath.Join(scratch, "throwaway-samba"), ip)
		if err != nil {
			part.Note = fmt.Sprintf("all %d entries read whole, but %v", entries, err)
			break
		}
		part.Got, part.OK, part.Users = 1, true, users
		part.Note = fmt.Sprintf("all %d entries read whole; restored into a throwaway Samba, its database holds %d users", entries, users)
	}
	return part
}

// DrillServerName is the name samba-tool's restore gives the throwaway
// domain controller of a drill; no box is called that.
const DrillServerName = "POSSEDRILL"

// countUsersPy opens a Samba database (argv: smb.conf, sam.ldb) with
// Samba's own code and prints how many user accounts it holds (people,
// not computers).
const countUsersPy = `import sys, ldb
from samba.samdb import SamDB
from samba.param import LoadParm
from samba.auth import system_session
lp = LoadParm()
lp.load(sys.argv[1])
db = SamDB(url=sys.argv[2], session_info=system_session(), lp=lp)
res = db.search(base=db.domain_dn(), scope=ldb.SCOPE_SUBTREE, expression="(&(objectCategory=person)(objectClass=user))", attrs=["sAMAccountName"])
print(len(res))
`

// throwawayUsers restores a samba-tool backup archive into dir as a new
// domain controller (samba-tool domain backup restore, as restore-site
// does, under DrillServerName; nothing outside dir is written and no
// Samba is started) and counts the users of the restored database.
func throwawayUsers(ctx context.Context, run host.Runner, archive, dir, ip string) (int, error) {
	if _, err := run.Run(ctx, host.Cmd{Argv: ADRestoreArgv(archive, dir, DrillServerName, ip)}); err != nil {
		return 0, fmt.Errorf("samba-tool could not restore it into a throwaway Samba: %w", err)
	}
	res, err := run.Run(ctx, host.Cmd{Argv: []string{"python3", "-c", countUsersPy, filepath.Join(dir, "etc", "smb.conf"), filepath.Join(dir, "private", "sam.ldb")}})
	if err != nil {
		return 0, fmt.Errorf("Samba could not open the database restored into a throwaway Samba: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(res.Stdout)))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("the database restored into a throwaway Samba holds no users (it answered %q)", strings.TrimSpace(string(res.Stdout)))
	}
	return n, nil
}

// readDump reads a samba-tool backup archive (tar.bz2) to its end, every
// entry's content included, so bzip2's block checksums are all checked,
// and reports whether it holds private/sam.ldb.
func readDump(p string) (entries int, hasDB bool, err error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	tr := tar.NewReader(bzip2.NewReader(bufio.NewReader(f)))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return entries, hasDB, nil
		}
		if err != nil {
			return entries, hasDB, err
		}
		entries++
		if strings.TrimPrefix(path.Clean(h.Name), "./") == "private/sam.ldb" {
			hasDB = true
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return entries, hasDB, fmt.Errorf("%s: %w", h.Name, err)
		}
	}
}

// randomMailbox picks one Maildir of the snapshot at random and returns
// its path and how many messages it records (files in any cur or new).
func randomMailbox(nodes []Node) (string, int) {
	count := map[string]int{}
	for _, n := range nodes {
		if n.Type != "file" || !strings.HasPrefix(n.Path, VmailDir+"/") {
			continue
		}
		i := strings.Index(n.Path, "/Maildir/")
		if i < 0 {
			continue
		}
		if d := filepath.Base(filepath.Dir(n.Path)); d == "cur" || d == "new" {
			count[n.Path[:i+len("/Maildir")]]++
		}
	}
	if len(count) == 0 {
		return "", 0
	}
	boxes := make([]string, 0, len(count))
	for b := range count {
		boxes = append(boxes, b)
	}
	sort.Strings(boxes)
	i, err := rand.Int(rand.Reader, big.NewInt(int64(len(boxes))))
	if err != nil {
		return boxes[0], count[boxes[0]]
	}
	b := boxes[i.Int64()]
	return b, count[b]
}

func drillMailbox(ctx context.Context, r *Restic, snap, scratch, box string, want int) DrillPart {
	part := DrillPart{What: "mailbox", Path: box, Want: want}
	_, err := r.run(ctx, "restore", "--target", scratch, "--verify", "--include", box, "--", snap)
	root := filepath.Join(scratch, box)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, werr error) error {
		if werr == nil && d.Type().IsRegular() {
			if dd := filepath.Base(filepath.Dir(p)); dd == "cur" || dd == "new" {
				part.Got++
			}
		}
		return nil
	})
	os.RemoveAll(root)
	switch {
	case part.Got != part.Want:
		part.Note = fmt.Sprintf("%d of %d messages came back", part.Got, part.Want)
		if err != nil {
			part.Note += " (restic restore: " + err.Error() + ")"
		}
	case err != nil:
		part.Note = "every message came back, but restic restore reported a problem: " + err.Error()
	default:
		part.OK = true
	}
	return part
}
