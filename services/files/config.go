// SPDX-License-Identifier: GPL-3.0-or-later

// Package files turns the site template's shares, homes and groups into a
// working file server on the Samba AD domain controller: share sections in
// a Posse-owned include file, share and home directories with POSIX ACLs,
// a recycle bin per share with a daily purge timer, a health probe, and
// export of the shares part of a template from a live box.
//
// See docs/files.md for the decisions behind it (numeric ids from the DC's
// winbind, per-user home sections, reload instead of restart).
package files

import (
	"fmt"
	"github.com/posse-project/posse/rules"
	"slices"
	"strings"

	"github.com/posse-project/posse/provisioning/site"
	"github.com/posse-project/posse/services/ad"
)

// Paths and names on the box.
const (
	// ConfPath is the include file with the share sections. smb.conf (owned
	// by the directory service) ends with "include = ConfPath".
	ConfPath = ad.SharesInclude
	// HomesDir holds one private folder per user when homes are enabled.
	HomesDir = "/srv/posse/homes"
	// RecycleDir is the recycle bin's directory inside a share.
	RecycleDir = site.RecycleDir
	// DCUnit is the domain controller's unit; share changes reload it.
	DCUnit = ad.DCUnit
	// PurgeService and PurgeTimer empty old recycle bin entries daily.
	PurgeService = "posse-recycle-purge.service"
	PurgeTimer   = "posse-recycle-purge.timer"
	// UnitDir is where the purge units are written.
	UnitDir = "/etc/systemd/system"
)

// Share is one share as Posse renders it: template values with defaults
// applied.
type Share struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Comment string `json:"comment,omitempty"`
	// Read and Write are group names of the template (without workgroup).
	Read  []string `json:"read,omitempty"`
	Write []string `json:"write,omitempty"`
	// Deny are groups and users refused the share (deny entries).
	Deny []string `json:"deny,omitempty"`
	// Browseable shows the share in listings; template shares always are.
	Browseable  bool `json:"browseable"`
	RecycleBin  bool `json:"recycle_bin,omitempty"`
	RecycleDays int  `json:"recycle_days,omitempty"`
	// Folders are the template's folders inside the share, in template
	// order.
	Folders []Folder `json:"folders,omitempty"`
	// Windows is true for a share with alternate data streams, Mac
	// metadata and Windows permissions (NT ACLs), as Posse renders every
	// share now; Parse reports false for a section of the earlier POSIX
	// ACL model (nt acl support = no, no streams_xattr).
	Windows bool `json:"windows,omitempty"`
	// Snapshots is true for a share with read-only snapshots shown as
	// Previous Versions (see SnapshotDir).
	Snapshots bool `json:"snapshots,omitempty"`
}

// Home is one user's home share.
type Home struct {
	User string `json:"user"`
	Path string `json:"path"`
	// Snapshots is true when the site has snapshots: every home folder
	// then is a btrfs subvolume with its own versions.
	Snapshots bool `json:"snapshots,omitempty"`
}

// Config is everything the include file is rendered from.
type Config struct {
	// Workgroup is the NetBIOS domain name qualifying group and user names.
	Workgroup string  `json:"workgroup"`
	Shares    []Share `json:"shares,omitempty"`
	// Homes is true when homes are enabled; then every user gets a home share.
	Homes     bool   `json:"homes,omitempty"`
	HomeUsers []Home `json:"home_users,omitempty"`
	// Snapshots is the site's snapshot schedule and retention; nil
	// without snapshots. Parse leaves it nil.
	Snapshots *site.Snapshots `json:"snapshots,omitempty"`
}

// adGroups is a template's list of groups (and users) as the directory
// names them: the built-in everyone group is Domain Users.
func adGroups(names []string) []string {
	if names == nil {
		return nil
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = rules.ADGroup(n)
	}
	return out
}

// templateGroups is the reverse of adGroups, for exports.
func templateGroups(names []string) []string {
	if names == nil {
		return nil
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = rules.TemplateGroup(n)
	}
	return out
}

// FromSite builds the Config of a site, in template order, and checks
// every value that reaches the include file (see Validate).
func FromSite(s *site.Site) (Config, error) {
	c := Config{Workgroup: strings.ToUpper(s.Site.Workgroup), Homes: s.Homes.Enabled}
	for _, sh := range s.Shares {
		p := s.SharePath(sh)
		var folders []Folder
		for _, f := range sh.Folders {
			folders = append(folders, Folder{Rel: f.Path, Path: p + "/" + f.Path, Read: adGroups(f.Read), Write: adGroups(f.Write), Deny: adGroups(f.Deny), Inherit: f.Inherits()})
		}
		c.Shares = append(c.Shares, Share{
			Name:        sh.Name,
			Path:        p,
			Comment:     sh.Description,
			Read:        adGroups(sh.Read),
			Write:       adGroups(sh.Write),
			Deny:        adGroups(sh.Deny),
			Browseable:  true,
			RecycleBin:  sh.RecycleBin,
			RecycleDays: recycleDays(sh),
			Folders:     folders,
			Windows:     true,
			Snapshots:   s.SnapshotsOn(sh),
		})
	}
	if s.Snapshots != nil {
		sn := *s.Snapshots
		c.Snapshots = &sn
	}
	if s.Homes.Enabled {
		for _, u := range s.Users {
			if u.IsService() {
				continue // a service account has no home folder
			}
			c.HomeUsers = append(c.HomeUsers, Home{User: u.Username, Path: HomePath(u.Username), Snapshots: s.Snapshots != nil})
		}
	}
	if err := c.Validate(groupSet(s)); err != nil {
		return Config{}, err
	}
	return c, nil
}

func recycleDays(sh site.Share) int {
	if !sh.RecycleBin {
		return 0
	}
	return sh.RecycleRetention()
}

func groupSet(s *site.Site) map[string]bool {
	m := map[string]bool{}
	for _, g := range s.Groups {
		m[g.Name] = true
	}
	return m
}

// HomePath returns a user's home folder.
func HomePath(user string) string { return HomesDir + "/" + user }

// HomeAttrs are the directory attributes a user needs when homes are
// enabled; the directory service sets them.
type HomeAttrs struct {
	Username      string `json:"username"`
	HomeDirectory string `json:"home_directory"`
	HomeDrive     string `json:"home_drive"`
}

// UserHomeAttrs returns homeDirectory and homeDrive for every user of the
// site when homes are enabled, else nil. hostname is the box's host name.
func UserHomeAttrs(s *site.Site, hostname string) []HomeAttrs {
	if !s.Homes.Enabled {
		return nil
	}
	out := make([]HomeAttrs, 0, len(s.Users))
	for _, u := range s.Users {
		if u.IsService() {
			continue
		}
		out = append(out, HomeAttrs{Username: u.Username, HomeDirectory: ad.HomeDirectory(hostname, u.Username), HomeDrive: ad.HomeDrive})
	}
	return out
}

// Groups returns the share's groups with any access, write groups first,
// without duplicates.
func (sh Share) Groups() []string {
	var out []string
	for _, g := range append(slices.Clone(sh.Write), sh.Read...) {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// ReadOnly lists the read groups that do not also write.
func (sh Share) ReadOnly() []string {
	var out []string
	for _, g := range sh.Read {
		if !slices.Contains(sh.Write, g) && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// FolderWritersOnly lists the groups that write in some folder of the
// share but only read the share itself.
func (sh Share) FolderWritersOnly() []string {
	var out []string
	for _, f := range sh.Folders {
		for _, g := range f.Write {
			if !slices.Contains(sh.Write, g) && !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	return out
}

// ReadList lists the groups that only read, in the share and in every
// folder: smb.conf's read list, which Samba enforces before any ACL.
func (sh Share) ReadList() []string {
	var out []string
	for _, g := range sh.ReadOnly() {
		if !slices.Contains(sh.FolderWritersOnly(), g) {
			out = append(out, g)
		}
	}
	return out
}

// FindShare returns the share named name (case-insensitive, as Samba
// compares), or false.
func (c Config) FindShare(name string) (Share, bool) {
	for _, sh := range c.Shares {
		if strings.EqualFold(sh.Name, name) {
			return sh, true
		}
	}
	return Share{}, false
}

func quote(s string) string { return fmt.Sprintf("%q", s) }
