// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import "time"

// Status is the outcome of one check.
type Status string

// Outcomes of a check: ok, a warning the integrator should read, a
// failure that blocks the join, or a fact the pre-flight does not check.
const (
	StatusOK         Status = "ok"
	StatusWarn       Status = "warning"
	StatusFail       Status = "fail"
	StatusNotChecked Status = "not-checked"
)

// Check is one line of the pre-flight: what was checked, its outcome and
// the detail in words.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
}

// Role is one FSMO role and the domain controller that holds it.
type Role struct {
	// Role is the role's name: pdc, rid, infrastructure, schema, naming.
	Role string `json:"role"`
	// Owner is the DNS host name of the owning DC (its server object's
	// dNSHostName, else its CN).
	Owner string `json:"owner"`
	// OwnerDN is the DN of the owner's NTDS Settings object.
	OwnerDN string `json:"owner_dn"`
}

// Share is one share of the old server.
type Share struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Comment string `json:"comment,omitempty"`
	// Path is the share's folder on the old server, when it could be read.
	Path string `json:"path,omitempty"`
	// DomainShare marks SYSVOL and NETLOGON: they come with the join.
	DomainShare bool `json:"domain_share,omitempty"`
	// Walked says whether Files and Bytes were counted.
	Walked bool  `json:"walked"`
	Files  int64 `json:"files"`
	Dirs   int64 `json:"dirs"`
	Bytes  int64 `json:"bytes"`
	// WalkError says why the share could not be counted.
	WalkError string `json:"walk_error,omitempty"`
	// Owner and ACEs describe the top-level folder's ACL, when read.
	Owner    string `json:"acl_owner,omitempty"`
	ACEs     int    `json:"acl_entries,omitempty"`
	ACLError string `json:"acl_error,omitempty"`
	// NameProblem is what Posse's share rules say about the name.
	NameProblem string `json:"name_problem,omitempty"`
}

// Refused is an account or group whose name Posse's rules refuse, with the
// fix.
type Refused struct {
	// Kind is "user" or "group".
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Problem string `json:"problem"`
	// Suggest is a name Posse accepts, empty when none could be made.
	Suggest string `json:"suggest,omitempty"`
	Fix     string `json:"fix"`
}

// Phase is one later phase of the migration as the plan shows it.
type Phase struct {
	Name  string   `json:"name"`
	Steps []string `json:"steps"`
	// Bytes is the estimated data the phase copies (files only).
	Bytes int64 `json:"bytes,omitempty"`
}

// Report is the pre-flight's result: the old domain's facts, each check,
// the refused names, the shares and the plan of the later phases.
type Report struct {
	From      string    `json:"from"`
	CheckedAt time.Time `json:"checked_at"`
	Domain    string    `json:"domain"`
	Realm     string    `json:"realm"`
	NetBIOS   string    `json:"netbios,omitempty"`
	BaseDN    string    `json:"base_dn"`
	DC        string    `json:"dc"`
	// DomainLevel and ForestLevel are the functional levels as numbers
	// (4 is 2008 R2) and names.
	DomainLevel     int    `json:"domain_level"`
	DomainLevelName string `json:"domain_level_name"`
	ForestLevel     int    `json:"forest_level"`
	ForestLevelName string `json:"forest_level_name"`
	DCLevel         int    `json:"dc_level"`
	Schema          int    `json:"schema_version"`
	SchemaName      string `json:"schema_name"`
	// ClockSkew is the DC's clock minus this box's, in seconds.
	ClockSkew float64 `json:"clock_skew_seconds"`
	FSMO      []Role  `json:"fsmo"`
	// DCs are the domain controllers of the old forest.
	DCs []string `json:"dcs"`
	// FreeBytes is the free space for the shares on this box (0: unknown).
	FreeBytes int64     `json:"free_bytes,omitempty"`
	Users     int       `json:"users"`
	Disabled  int       `json:"disabled_users"`
	Groups    int       `json:"groups"`
	Computers int       `json:"computers"`
	Checks    []Check   `json:"checks"`
	Refused   []Refused `json:"refused_names"`
	Shares    []Share   `json:"shares"`
	// CopyBytes is the estimated data of the files phase: every share but
	// SYSVOL and NETLOGON.
	CopyBytes int64   `json:"copy_bytes"`
	CopyFiles int64   `json:"copy_files"`
	Phases    []Phase `json:"phases"`
	// Ready is true when no check failed.
	Ready bool `json:"ready"`
}
