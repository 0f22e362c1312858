// SPDX-License-Identifier: GPL-3.0-or-later

package files

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
)

// ntaclPy reads and sets Windows ACLs through Samba's own code, the
// smbd VFS of the share (samba.samba3.smbd.get_nt_acl and set_nt_acl,
// which samba-tool ntacl get and set call), in one process for many
// paths: one JSON request per stdin line, one JSON answer per stdout
// line. Samba's acl_xattr module then stores the ACL in security.NTACL
// with a hash of the POSIX ACL it derives and sets, so the two agree,
// and reads it back only while that hash still matches. A "get" answers
// owner, group, control and the ACL's entries; a "set" takes them and
// sets owner and group only when given. A share section smb.conf does
// not define (yet) is read with the global settings.
const ntaclPy = `import sys, json
from samba.param import LoadParm
from samba.samba3 import param as s3param
from samba.samba3 import smbd
from samba.dcerpc import security
from samba.auth_util import system_session_unix

lp = LoadParm()
lp.load_default()
s3param.get_context().load(lp.configfile)
sess = system_session_unix()
SECINFO = security.SECINFO_OWNER | security.SECINFO_GROUP | security.SECINFO_DACL

def call(fn, req):
    try:
        return fn(req.get("service"))
    except Exception as e:
        if "unknown service" not in str(e):
            raise
        return fn(None)

def get(req):
    sd = call(lambda svc: smbd.get_nt_acl(req["path"], SECINFO, sess, service=svc), req)
    aces = []
    if sd.dacl is not None:
        for a in sd.dacl.aces:
            if a.type not in (security.SEC_ACE_TYPE_ACCESS_ALLOWED, security.SEC_ACE_TYPE_ACCESS_DENIED):
                raise ValueError("the ACL holds an entry of type %d, which Posse does not handle" % a.type)
            aces.append({"trustee": str(a.trustee), "mask": a.access_mask, "flags": a.flags,
                         "deny": a.type == security.SEC_ACE_TYPE_ACCESS_DENIED})
    return {"owner": str(sd.owner_sid or ""), "group": str(sd.group_sid or ""), "control": sd.type, "aces": aces}

def put(req):
    sd = security.descriptor()
    info = security.SECINFO_DACL
    if req.get("owner"):
        sd.owner_sid = security.dom_sid(req["owner"])
        info |= security.SECINFO_OWNER
    if req.get("group"):
        sd.group_sid = security.dom_sid(req["group"])
        info |= security.SECINFO_GROUP
    sd.type = req["control"] | security.SEC_DESC_SELF_RELATIVE | security.SEC_DESC_DACL_PRESENT
    acl = security.acl()
    acl.revision = security.SECURITY_ACL_REVISION_NT4
    aces = []
    for a in req["aces"]:
        ace = security.ace()
        ace.type = security.SEC_ACE_TYPE_ACCESS_DENIED if a.get("deny") else security.SEC_ACE_TYPE_ACCESS_ALLOWED
        ace.flags = a.get("flags", 0)
        ace.access_mask = a["mask"]
        ace.trustee = security.dom_sid(a["trustee"])
        aces.append(ace)
    if not aces:
        raise ValueError("refusing an empty ACL")
    acl.aces = aces
    acl.num_aces = len(aces)
    sd.dacl = acl
    call(lambda svc: smbd.set_nt_acl(req["path"], info, sd, sess, service=svc), req)
    return {}

for line in sys.stdin:
    req = json.loads(line)
    try:
        out = get(req) if req["op"] == "get" else put(req)
    except Exception as e:
        out = {"error": str(e)}
    out["path"] = req["path"]
    print(json.dumps(out), flush=True)
`

// ntaclReq is one request to ntaclPy.
type ntaclReq struct {
	Op      string `json:"op"` // get or set
	Path    string `json:"path"`
	Service string `json:"service,omitempty"`
	Owner   string `json:"owner,omitempty"`
	Group   string `json:"group,omitempty"`
	Control uint16 `json:"control,omitempty"`
	ACEs    []ACE  `json:"aces,omitempty"`
}

// ntaclAnswer is one answer of ntaclPy.
type ntaclAnswer struct {
	Path    string `json:"path"`
	Error   string `json:"error"`
	Owner   string `json:"owner"`
	Group   string `json:"group"`
	Control uint16 `json:"control"`
	ACEs    []ACE  `json:"aces"`
}

// runNTACL sends the requests to one ntaclPy process and returns the
// answers in the same order. Paths are full paths on this machine.
func runNTACL(ctx context.Context, env *host.Env, reqs []ntaclReq) ([]ntaclAnswer, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			return nil, err
		}
	}
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: []string{"python3", "-c", ntaclPy}, Stdin: in.Bytes()})
	if err != nil {
		return nil, fmt.Errorf("Samba's ACL functions (python3 with samba): %w: %s", err, strings.TrimSpace(lastLine(string(res.Stderr))))
	}
	var out []ntaclAnswer
	dec := json.NewDecoder(bytes.NewReader(res.Stdout))
	for dec.More() {
		var a ntaclAnswer
		if err := dec.Decode(&a); err != nil {
			return nil, fmt.Errorf("cannot read the answer of Samba's ACL functions: %w", err)
		}
		out = append(out, a)
	}
	if len(out) != len(reqs) {
		return nil, fmt.Errorf("Samba's ACL functions answered %d of %d requests: %s", len(out), len(reqs), strings.TrimSpace(lastLine(string(res.Stderr))))
	}
	for i, a := range out {
		if a.Path != reqs[i].Path {
			return nil, fmt.Errorf("Samba's ACL functions answered for %s, expected %s", a.Path, reqs[i].Path)
		}
	}
	return out, nil
}

// current is a descriptor read from the box (in SIDs), and whether the
// directory holds a stored Windows ACL at all (security.NTACL; without
// one Samba derives the ACL from the POSIX ACL, as for folders and files
// from before Posse managed Windows ACLs).
type current struct {
	SD     SD
	Stored bool
}

// readNTACLs reads the descriptors of the given box paths (all must
// exist) as Samba serves them to clients, with the share's settings.
func readNTACLs(ctx context.Context, env *host.Env, share string, paths []string) ([]current, error) {
	shares := make([]string, len(paths))
	for i := range shares {
		shares[i] = share
	}
	return readNTACLsIn(ctx, env, shares, paths)
}

// readNTACLsIn is readNTACLs with each path's own share.
func readNTACLsIn(ctx context.Context, env *host.Env, shares, paths []string) ([]current, error) {
	reqs := make([]ntaclReq, len(paths))
	for i, p := range paths {
		reqs[i] = ntaclReq{Op: "get", Path: env.Path(p), Service: shares[i]}
	}
	ans, err := runNTACL(ctx, env, reqs)
	if err != nil {
		return nil, err
	}
	out := make([]current, len(ans))
	for i, a := range ans {
		if a.Error != "" {
			return nil, fmt.Errorf("read the Windows ACL of %s: %s", paths[i], a.Error)
		}
		out[i] = current{SD: SD{Owner: a.Owner, Group: a.Group, Protected: a.Control&ctrlProtected != 0, ACEs: a.ACEs}, Stored: storedNTACL(env.Path(paths[i]))}
	}
	return out, nil
}

// storedNTACL reports whether Samba holds a Windows ACL for a path;
// tests replace it.
var storedNTACL = hasNTACL

// NTACLSpec is the spec of a KindNTACL step: a share root's or template
// folder's wanted descriptor in names, resolved when the step runs.
type NTACLSpec struct {
	Want WantACL `json:"want"`
	// Share is the share root, the top of the tree the step may touch.
	Root string `json:"root"`
}

// resolveSIDs looks the accounts up in the directory (one search over the
// DC's ldapi socket, as Wbinfo does) and returns their SIDs by lower-case
// name; it waits up to wait for a DC that does not answer yet. Missing
// names are listed.
func resolveSIDs(ctx context.Context, wait time.Duration, names []string) (map[string]string, []string, error) {
	deadline := time.Now().Add(wait)
	for {
		accounts, err := searchAccounts(ctx, LDAPISocket, names)
		if err == nil {
			sids := map[string]string{}
			for _, a := range accounts {
				sids[strings.ToLower(a.Name)] = a.SID
			}
			var missing []string
			for _, n := range names {
				if _, ok := sids[strings.ToLower(n)]; !ok {
					missing = append(missing, n)
				}
			}
			return sids, missing, nil
		}
		if !errors.Is(err, ErrNoWinbind) || !time.Now().Before(deadline) {
			return nil, nil, err
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// sidNames is the reverse of resolveSIDs' map, for readable plans.
func sidNames(sids map[string]string, names []string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		if s, ok := sids[strings.ToLower(n)]; ok {
			out[s] = n
		}
	}
	return out
}

// ApplyNTACL sets a share root's or template folder's Windows ACL
// through Samba and carries it into the tree below (see propagate). The
// directory must exist inside its share, which must resolve inside /srv.
// Folders between the share root and a template folder that hold no
// Windows ACL yet (created by this apply) first get the one they inherit.
func ApplyNTACL(ctx context.Context, env *host.Env, spec NTACLSpec) error {
	w := spec.Want
	if err := SharePathError(spec.Root); err != nil {
		return err
	}
	if w.Path != spec.Root && !inside(w.Path, spec.Root) {
		return fmt.Errorf("%s is not inside the share %s", w.Path, spec.Root)
	}
	if err := CheckNoEscape(env.Root, w.Path); err != nil {
		return err
	}
	if err := checkInShare(env.Root, spec.Root, w.Path); err != nil {
		return err
	}
	names := append(w.SD.Names(), AdminsGroup)
	sids, missing, err := resolveSIDs(ctx, winbindWait, names)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s not in the directory: add the groups to the site template (the directory service creates them)", strings.Join(missing, ", "))
	}
	want, err := w.SD.Resolve(sids)
	if err != nil {
		return err
	}
	if err := want.Check(sids[strings.ToLower(AdminsGroup)]); err != nil {
		return err
	}
	if fi, err := os.Lstat(env.Path(w.Path)); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s is not a directory (%v): apply again", w.Path, err)
	}
	if w.Path != spec.Root {
		if err := inheritIntoParents(ctx, env, w.Share, spec.Root, w.Path); err != nil {
			return err
		}
	}
	set := ntaclReq{Op: "set", Path: env.Path(w.Path), Service: w.Share, Owner: want.Owner, Group: want.Group, Control: control(want.Protected), ACEs: want.ACEs}
	if err := setNTACLs(ctx, env, []ntaclReq{set}); err != nil {
		return err
	}
	return propagate(ctx, env, w.Share, spec.Root, w.Path, want)
}

func control(protected bool) uint16 {
	if protected {
		return ctrlProtected | ctrlAutoInherited
	}
	return ctrlAutoInherited
}

func setNTACLs(ctx context.Context, env *host.Env, reqs []ntaclReq) error {
	for len(reqs) > 0 {
		batch := reqs[:min(len(reqs), ntaclBatch)]
		reqs = reqs[len(batch):]
		ans, err := runNTACL(ctx, env, batch)
		if err != nil {
			return err
		}
		for _, a := range ans {
			if a.Error != "" {
				return fmt.Errorf("set the Windows ACL of %s: %s", strings.TrimPrefix(a.Path, strings.TrimSuffix(env.Root, "/")), a.Error)
			}
		}
	}
	return nil
}

// ntaclBatch bounds one ntaclPy process's stdin and stdout.
const ntaclBatch = 20000

// checkInShare refuses a folder that a symbolic link leads out of its
// share: the template sets the permissions of folders in the share only.
func checkInShare(root, share, p string) error {
	if root == "" {
		root = "/"
	}
	shareReal, err := filepath.EvalSymlinks(filepath.Join(root, share))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // created by this apply, with its folders
	}
	if err != nil {
		return fmt.Errorf("resolve %s: %w", share, err)
	}
	existing := p
	for existing != share && inside(existing, share) {
		if _, err := os.Lstat(filepath.Join(root, existing)); err == nil {
			break
		}
		existing = path.Dir(existing)
	}
	real, err := filepath.EvalSymlinks(filepath.Join(root, existing))
	if err != nil {
		return fmt.Errorf("resolve %s: %w", existing, err)
	}
	if real != shareReal && !inside(real, shareReal) {
		return fmt.Errorf("%s leads out of the share %s through a symbolic link (to %s): replace the link with a folder", p, share, real)
	}
	return nil
}

// inheritIntoParents gives the folders between the share root and p that
// hold no Windows ACL of their own (created as parents of a template
// folder) the ACL they inherit from the folder above.
func inheritIntoParents(ctx context.Context, env *host.Env, share, root, p string) error {
	var chain []string
	for d := path.Dir(p); d != root && inside(d, root); d = path.Dir(d) {
		chain = append([]string{d}, chain...)
	}
	if len(chain) == 0 {
		return nil
	}
	cur, err := readNTACLs(ctx, env, share, append([]string{root}, chain...))
	if err != nil {
		return err
	}
	parent := cur[0].SD
	var reqs []ntaclReq
	for i, d := range chain {
		c := cur[i+1]
		if !c.Stored {
			c.SD.ACEs = Inherit(parent.ACEs, true, c.SD.Owner)
			c.SD.Protected = false
			reqs = append(reqs, ntaclReq{Op: "set", Path: env.Path(d), Service: share, Control: control(false), ACEs: c.SD.ACEs})
		}
		parent = c.SD
	}
	return setNTACLs(ctx, env, reqs)
}

// propagate carries the ACL just set on dir into the tree below, as
// Explorer does when permissions change: each folder and file keeps its
// explicit entries and gets the entries it inherits from the folder above
// in place of its inherited ones; one with inheritance off (a template
// folder with inherit: false, or one a user protected) keeps its ACL, and
// so does everything below it. Folders and files without a stored Windows
// ACL (from the POSIX ACL model, or copied in outside Samba) keep no
// entries of their own: Samba's ACL derived from their POSIX ACL gives
// write groups Full control. In the recycle bin only the bin's own folder
// inherits: its users' folders stay private. Symbolic links are not
// followed.
func propagate(ctx context.Context, env *host.Env, share, root, dir string, sd SD) error {
	var paths []string
	isDir := map[string]bool{}
	full := env.Path(dir)
	err := filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == full {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 || !(d.IsDir() || d.Type().IsRegular()) {
			return nil
		}
		bp := path.Join(dir, strings.TrimPrefix(p, full+"/"))
		paths = append(paths, bp)
		isDir[bp] = d.IsDir()
		if bp == path.Join(root, RecycleDir) && d.IsDir() {
			return filepath.SkipDir // the bin itself inherits, its users' folders stay private
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("walk %s: %w", dir, err)
	}
	if len(paths) == 0 {
		return nil
	}
	var cur []current
	for i := 0; i < len(paths); i += ntaclBatch {
		c, err := readNTACLs(ctx, env, share, paths[i:min(len(paths), i+ntaclBatch)])
		if err != nil {
			return err
		}
		cur = append(cur, c...)
	}
	newSD := map[string]SD{dir: sd}
	var reqs []ntaclReq
	for i, p := range paths { // WalkDir lists parents before children
		parent, ok := newSD[path.Dir(p)]
		if !ok {
			continue // below a protected folder
		}
		c := cur[i]
		if c.Stored && c.SD.Protected {
			continue
		}
		var acl []ACE
		if c.Stored {
			acl = Explicit(c.SD.ACEs)
		}
		acl = append(acl, Inherit(parent.ACEs, isDir[p], c.SD.Owner)...)
		next := SD{Owner: c.SD.Owner, Group: c.SD.Group, ACEs: acl}
		if isDir[p] {
			newSD[p] = next
		}
		if c.Stored && !c.SD.Protected && SameACL(c.SD.ACEs, acl) {
			continue
		}
		if len(acl) == 0 {
			return fmt.Errorf("%s would inherit no permissions at all: check the share's ACL", p)
		}
		reqs = append(reqs, ntaclReq{Op: "set", Path: env.Path(p), Service: share, Control: control(false), ACEs: acl})
	}
	return setNTACLs(ctx, env, reqs)
}

// countTree counts the folders and files below dir that propagate would
// visit (not what is inside the recycle bin), for the plan's summary.
func countTree(full, recycle string) int {
	n := 0
	filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == full {
			return nil
		}
		if d.Type()&fs.ModeSymlink == 0 {
			n++
		}
		if p == recycle && d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	})
	return n
}
