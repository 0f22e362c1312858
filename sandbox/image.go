// SPDX-License-Identifier: GPL-3.0-or-later

package sandbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Packages is what the box image holds on top of Debian's minbase: systemd,
// D-Bus and every service Posse manages. Changing it changes the image hash,
// so the next EnsureImage builds a new image.
var Packages = []string{
	"systemd", "systemd-sysv", "dbus", "iproute2", "util-linux", "ca-certificates",
	"samba", "samba-ad-dc", "samba-ad-provision", "samba-dsdb-modules", "samba-vfs-modules",
	"winbind", "libnss-winbind", "libpam-winbind", "krb5-user", "smbclient", "ldap-utils",
	"postfix", "postfix-ldap", "libsasl2-modules", "dovecot-imapd", "dovecot-lmtpd", "dovecot-ldap", "dovecot-sieve", "rspamd", "redis-server", "fetchmail",
	"restic", "tdb-tools", "attr", "acl", "polkitd", "pkexec", "openssh-server",
	"bind9-dnsutils", "procps", "less", "btrfs-progs", "unattended-upgrades",
}

// Releases are the Debian releases a box can run, newest first.
var Releases = []string{"trixie", "bookworm"}

// DefaultRelease is the release of a box when none is asked for: Debian 13.
const DefaultRelease = "trixie"

// CheckRelease refuses a release the sandbox cannot build.
func CheckRelease(release string) error {
	for _, r := range Releases {
		if r == release {
			return nil
		}
	}
	return fmt.Errorf("unknown release %q: choose one of %s", release, strings.Join(Releases, ", "))
}

// releaseOrDefault is release, or DefaultRelease when it is empty.
func releaseOrDefault(release string) string {
	if release == "" {
		return DefaultRelease
	}
	return release
}

// recipeVersion changes whenever the way an image is built changes in a way
// the package list does not show (hooks, options).
const recipeVersion = "1"

// debconfSelections answers the questions packages would ask during the
// build: Postfix stays unconfigured (Posse writes main.cf), krb5 gets a
// placeholder realm (the directory service writes krb5.conf).
const debconfSelections = `postfix postfix/main_mailer_type select No configuration
krb5-config krb5-config/default_realm string POSSE.INVALID
krb5-config krb5-config/add_servers_realm string POSSE.INVALID
krb5-config krb5-config/add_servers boolean false
samba-common samba-common/dhcp boolean false
`

// essentialHook runs after the essential packages are installed and before
// the rest: it loads the debconf answers. It is a constant; mmdebstrap passes
// the root directory as $1.
const essentialHook = `chroot "$1" debconf-set-selections <<'SEL'
` + debconfSelections + `SEL`

// customizeHook runs at the end: an empty machine-id (each box gets its own)
// and no leftover resolv.conf from the build host.
const customizeHook = `: > "$1/etc/machine-id"; rm -f "$1/etc/resolv.conf"`

// ImageID is the name of the image directory for a release and package
// list: the release, then a hash of the release, recipe version, hooks and
// the sorted package list ("trixie-0123456789abcdef").
func ImageID(release string, packages []string) string {
	p := append([]string(nil), packages...)
	sort.Strings(p)
	h := sha256.New()
	fmt.Fprintf(h, "suite=%s\nrecipe=%s\n%s\n%s\n", release, recipeVersion, essentialHook, customizeHook)
	for _, pkg := range p {
		fmt.Fprintf(h, "pkg=%s\n", pkg)
	}
	return release + "-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// mmdebstrapArgs is the argv (without the program name) that builds an image
// of release into dir from the given apt source files.
func mmdebstrapArgs(release, dir string, packages, sources []string) []string {
	args := []string{
		"--mode=root",
		"--variant=minbase",
		"--include=" + strings.Join(packages, ","),
		"--essential-hook=" + essentialHook,
		"--customize-hook=" + customizeHook,
		release,
		dir,
	}
	return append(args, sources...)
}

// hostSourceFiles lists the host's apt source files.
func hostSourceFiles() []string {
	var out []string
	if st, err := os.Stat("/etc/apt/sources.list"); err == nil && st.Size() > 0 {
		out = append(out, "/etc/apt/sources.list")
	}
	for _, pat := range []string{"/etc/apt/sources.list.d/*.sources", "/etc/apt/sources.list.d/*.list"} {
		m, _ := filepath.Glob(pat)
		out = append(out, m...)
	}
	return out
}

// releaseSources writes an apt sources file for release, made from the
// host's Debian sources with the host's release name replaced (so the
// image comes from the mirror the host uses), into dir. Sources that do
// not name the host's release (other vendors' repositories) are left out.
func releaseSources(dir, release string) (string, error) {
	files := hostSourceFiles()
	if len(files) == 0 {
		return "", errors.New("the host has no apt sources (/etc/apt/sources.list or /etc/apt/sources.list.d/*): configure a Debian mirror first")
	}
	hostRelease := hostCodename()
	if hostRelease == "" {
		return "", errors.New("cannot tell the host's Debian release (no VERSION_CODENAME in /etc/os-release)")
	}
	var entries []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		if strings.HasSuffix(f, ".sources") {
			entries = append(entries, deb822ForRelease(string(b), hostRelease, release)...)
		} else {
			entries = append(entries, oneLineForRelease(string(b), hostRelease, release)...)
		}
	}
	if len(entries) == 0 {
		return "", fmt.Errorf("none of the host's apt sources is a Debian mirror for %s: add one to /etc/apt/sources.list.d", hostRelease)
	}
	p := filepath.Join(dir, ".sources-"+release+".sources")
	if err := os.WriteFile(p, []byte(strings.Join(entries, "\n")), 0o644); err != nil {
		return "", err
	}
	return p, nil
}

// hostCodename is the host's VERSION_CODENAME.
func hostCodename() string {
	b, _ := os.ReadFile("/etc/os-release")
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VERSION_CODENAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// forRelease maps a suite of the host's release to the same suite of
// release ("bookworm-security" → "trixie-security"); ok is false for a
// suite of something else.
func forRelease(suite, from, to string) (string, bool) {
	if suite == from || strings.HasPrefix(suite, from+"-") || strings.HasPrefix(suite, from+"/") {
		return to + suite[len(from):], true
	}
	return "", false
}

// deb822ForRelease rewrites the stanzas of a deb822 .sources file whose
// suites are the host's release; other stanzas are dropped. Comments go.
func deb822ForRelease(text, from, to string) []string {
	var out []string
	for _, stanza := range strings.Split(text, "\n\n") {
		var lines []string
		keep := false
		for _, l := range strings.Split(stanza, "\n") {
			t := strings.TrimSpace(l)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			if v, ok := strings.CutPrefix(t, "Suites:"); ok {
				var suites []string
				for _, s := range strings.Fields(v) {
					if r, ok := forRelease(s, from, to); ok {
						suites = append(suites, r)
					}
				}
				if len(suites) == 0 {
					keep = false
					break
				}
				keep = true
				t = "Suites: " + strings.Join(suites, " ")
			}
			lines = append(lines, t)
		}
		if keep {
			out = append(out, strings.Join(lines, "\n")+"\n")
		}
	}
	return out
}

// oneLineForRelease converts the "deb URI SUITE COMPONENTS" lines of a
// sources.list whose suite is the host's release into deb822 stanzas.
func oneLineForRelease(text, from, to string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || f[0] != "deb" {
			continue
		}
		opts := ""
		if strings.HasPrefix(f[1], "[") {
			i := 1
			for ; i < len(f) && !strings.HasSuffix(f[i], "]"); i++ {
			}
			opts = strings.Trim(strings.Join(f[1:i+1], " "), "[]")
			f = append([]string{"deb"}, f[i+1:]...)
			if len(f) < 4 {
				continue
			}
		}
		suite, ok := forRelease(f[2], from, to)
		if !ok {
			continue
		}
		st := "Types: deb\nURIs: " + f[1] + "\nSuites: " + suite + "\nComponents: " + strings.Join(f[3:], " ") + "\n"
		for _, o := range strings.Fields(opts) {
			if k, v, ok := strings.Cut(o, "="); ok && k == "signed-by" {
				st += "Signed-By: " + v + "\n"
			}
		}
		out = append(out, st)
	}
	return out
}

var lookPath = exec.LookPath

// ImageDir is where the image of release (empty: DefaultRelease) for the
// current package list lives once built.
func ImageDir(release string) string {
	return filepath.Join(imagesDir(), ImageID(releaseOrDefault(release), Packages))
}

// EnsureImage returns the directory of the root image of release (empty:
// DefaultRelease) for Packages, building it first if it does not exist. Build output goes to progress (may be nil).
// A file lock makes concurrent callers wait for one build; the image is built
// in a temporary directory and renamed when complete, so a half-built image
// is never used. Images of other package lists of the same release are
// removed unless a running box uses them; each release keeps its own.
func EnsureImage(ctx context.Context, release string, progress io.Writer) (string, error) {
	release = releaseOrDefault(release)
	if err := CheckRelease(release); err != nil {
		return "", err
	}
	if err := checkHost(); err != nil {
		return "", err
	}
	if progress == nil {
		progress = io.Discard
	}
	dir := ImageDir(release)
	id := ImageID(release, Packages)
	if isDir(dir) {
		return dir, nil
	}
	lock, err := lockFile(ctx, filepath.Join(imagesDir(), ".lock"))
	if err != nil {
		return "", err
	}
	defer lock.unlock()
	if isDir(dir) { // built by someone else while we waited
		return dir, nil
	}
	mm, err := lookPath("mmdebstrap")
	if err != nil {
		return "", errors.New("mmdebstrap is not installed: run 'make deps' or 'apt-get install mmdebstrap'")
	}
	sources, err := releaseSources(imagesDir(), release)
	if err != nil {
		return "", err
	}
	removeOldImages(release, progress)
	tmp := filepath.Join(imagesDir(), fmt.Sprintf(".build-%s-%d", id, os.Getpid()))
	os.RemoveAll(tmp)
	start := time.Now()
	fmt.Fprintf(progress, "sandbox: building image %s (Debian %s, %d packages); this takes about a minute\n",
		id, release, len(Packages))
	cmd := exec.CommandContext(ctx, mm, mmdebstrapArgs(release, tmp, Packages, []string{sources})...)
	// On cancel, let mmdebstrap unmount what it mounted in the build root.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 20 * time.Second
	// If this process dies, mmdebstrap must stop too (and clean up), or it
	// would go on writing into a build directory nobody owns.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	var tail tailBuffer
	out := io.MultiWriter(progress, &tail)
	cmd.Stdout = out // the same writer for both: exec.Cmd then copies with one goroutine
	cmd.Stderr = out
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive", "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	if err := cmd.Run(); err != nil {
		removeTree(tmp)
		if ctx.Err() != nil {
			return "", fmt.Errorf("image build interrupted (%w); run 'possectl sandbox image' to build it again", ctx.Err())
		}
		return "", fmt.Errorf("building the sandbox image failed (%v); last output:\n%s", err, tail.String())
	}
	if err := os.Rename(tmp, dir); err != nil {
		removeTree(tmp)
		return "", fmt.Errorf("install image: %w", err)
	}
	fmt.Fprintf(progress, "sandbox: image %s built in %.1fs\n", id, time.Since(start).Seconds())
	return dir, nil
}

// removeOldImages deletes half-built images, images of an earlier recipe
// or package list of release, and images of no known release, except
// images that running boxes use. Images of the other releases stay.
// Called with the image lock held.
func removeOldImages(release string, progress io.Writer) {
	if progress == nil {
		progress = io.Discard
	}
	inUse := map[string]bool{}
	boxes, _ := List()
	for _, b := range boxes {
		inUse[b.st.Image] = true
	}
	entries, _ := os.ReadDir(imagesDir())
	for _, e := range entries {
		p := filepath.Join(imagesDir(), e.Name())
		if !e.IsDir() || p == ImageDir(release) || inUse[p] || otherRelease(e.Name(), release) {
			continue
		}
		fmt.Fprintf(progress, "sandbox: removing old image %s\n", e.Name())
		removeTree(p)
	}
}

// imageRelease is the release an image directory was built for, from its
// name ("" for an image of an older recipe, which was bookworm).
func imageRelease(dir string) string {
	name := filepath.Base(dir)
	for _, r := range Releases {
		if strings.HasPrefix(name, r+"-") {
			return r
		}
	}
	return "bookworm"
}

// otherRelease reports whether an image directory name belongs to a known
// release other than release.
func otherRelease(name, release string) bool {
	for _, r := range Releases {
		if r != release && strings.HasPrefix(name, r+"-") {
			return true
		}
	}
	return false
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// unmountUnder lazily unmounts every host mount at or below dir (an
// interrupted mmdebstrap can leave /proc, /sys, /dev mounted in its root).
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return
	}
	var targets []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		t := unescapeMount(f[1])
		if t == dir || strings.HasPrefix(t, dir+"/") {
			targets = append(targets, t)
		}
	}
	for i := len(targets) - 1; i >= 0; i-- { // deepest (latest) first
		unix.Unmount(targets[i], unix.MNT_DETACH)
	}
}

// unescapeMount decodes the octal escapes (\040 for a space, …) of
// /proc/mounts fields.
func unescapeMount(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// removeTree removes a directory tree without crossing into other file
// systems (a box root that is still mounted is left alone).
func removeTree(p string) error {
	unmountUnder(p)
	cmd := exec.Command("rm", "-rf", "--one-file-system", "--", p)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("remove %s: %v: %s", p, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// tailBuffer keeps the last few KiB written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }
