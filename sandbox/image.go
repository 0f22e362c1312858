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
	"samba", "samba-ad-provision", "samba-dsdb-modules", "samba-vfs-modules",
	"winbind", "libnss-winbind", "libpam-winbind", "krb5-user", "smbclient", "ldap-utils",
	"postfix", "postfix-ldap", "dovecot-imapd", "dovecot-lmtpd", "dovecot-ldap",
	"restic", "attr", "acl", "polkitd", "pkexec", "openssh-server",
	"bind9-dnsutils", "procps", "less",
}

// Suite is the Debian release of the image.
const Suite = "bookworm"

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

// ImageID is the name of the image directory for a package list: a hash of
// the suite, recipe version, hooks and the sorted package list.
func ImageID(packages []string) string {
	p := append([]string(nil), packages...)
	sort.Strings(p)
	h := sha256.New()
	fmt.Fprintf(h, "suite=%s\nrecipe=%s\n%s\n%s\n", Suite, recipeVersion, essentialHook, customizeHook)
	for _, pkg := range p {
		fmt.Fprintf(h, "pkg=%s\n", pkg)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// mmdebstrapArgs is the argv (without the program name) that builds an image
// into dir from the given apt source files.
func mmdebstrapArgs(dir string, packages, sources []string) []string {
	args := []string{
		"--mode=root",
		"--variant=minbase",
		"--include=" + strings.Join(packages, ","),
		"--essential-hook=" + essentialHook,
		"--customize-hook=" + customizeHook,
		Suite,
		dir,
	}
	return append(args, sources...)
}

// hostSources lists the host's apt source files, which mmdebstrap reads as
// its mirrors.
func hostSources() ([]string, error) {
	var out []string
	if st, err := os.Stat("/etc/apt/sources.list"); err == nil && st.Size() > 0 {
		out = append(out, "/etc/apt/sources.list")
	}
	for _, pat := range []string{"/etc/apt/sources.list.d/*.sources", "/etc/apt/sources.list.d/*.list"} {
		m, _ := filepath.Glob(pat)
		out = append(out, m...)
	}
	if len(out) == 0 {
		return nil, errors.New("the host has no apt sources (/etc/apt/sources.list or /etc/apt/sources.list.d/*): configure a Debian mirror first")
	}
	return out, nil
}

var lookPath = exec.LookPath

// ImageDir is where the image for the current package list lives once built.
func ImageDir() string { return filepath.Join(imagesDir(), ImageID(Packages)) }

// EnsureImage returns the directory of the root image for Packages, building
// it first if it does not exist. Build output goes to progress (may be nil).
// A file lock makes concurrent callers wait for one build; the image is built
// in a temporary directory and renamed when complete, so a half-built image
// is never used. Images of other package lists are removed unless a running
// box uses them.
func EnsureImage(ctx context.Context, progress io.Writer) (string, error) {
	if err := checkHost(); err != nil {
		return "", err
	}
	if progress == nil {
		progress = io.Discard
	}
	dir := ImageDir()
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
	sources, err := hostSources()
	if err != nil {
		return "", err
	}
	removeOldImages(progress)
	tmp := filepath.Join(imagesDir(), fmt.Sprintf(".build-%s-%d", ImageID(Packages), os.Getpid()))
	os.RemoveAll(tmp)
	start := time.Now()
	fmt.Fprintf(progress, "sandbox: building image %s (Debian %s, %d packages); this takes about a minute\n",
		ImageID(Packages), Suite, len(Packages))
	cmd := exec.CommandContext(ctx, mm, mmdebstrapArgs(tmp, Packages, sources)...)
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
	fmt.Fprintf(progress, "sandbox: image %s built in %.1fs\n", ImageID(Packages), time.Since(start).Seconds())
	return dir, nil
}

// removeOldImages deletes images and half-built images other than the
// current one, except images that running boxes use. Called with the image
// lock held.
func removeOldImages(progress io.Writer) {
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
		if !e.IsDir() || p == ImageDir() || inUse[p] {
			continue
		}
		fmt.Fprintf(progress, "sandbox: removing old image %s\n", e.Name())
		removeTree(p)
	}
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
