// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"github.com/godbus/dbus/v5"
	"github.com/posse-project/posse/daemon/api"
)

// The methods below are interface version 1's Plan, Apply, ApplyPlan and
// JobResult, with their version 1 arguments. Their results changed in
// version 2 (api.Version), so a client of version 1 gets api.ErrVersion
// before anything happens instead of a reply it cannot read, or an apply
// it cannot follow.

// Plan answers a version 1 client with api.ErrVersion.
func (o *root) Plan(sender dbus.Sender, msg dbus.Message, template []byte, secrets map[string]string) (string, *dbus.Error) {
	wipe(secrets)
	return "", o.retired(sender, msg, "Plan")
}

// Apply answers a version 1 client with api.ErrVersion; nothing is applied.
func (o *root) Apply(sender dbus.Sender, msg dbus.Message, template []byte, secrets map[string]string) (string, *dbus.Error) {
	wipe(secrets)
	return "", o.retired(sender, msg, "Apply")
}

// ApplyPlan answers a version 1 client with api.ErrVersion; nothing is
// applied.
func (o *root) ApplyPlan(sender dbus.Sender, msg dbus.Message, template []byte, secrets map[string]string, plan string) (string, *dbus.Error) {
	wipe(secrets)
	return "", o.retired(sender, msg, "ApplyPlan")
}

// JobResult answers a version 1 client with api.ErrVersion.
func (o *root) JobResult(sender dbus.Sender, msg dbus.Message, job string) (bool, *dbus.Error) {
	return false, o.retired(sender, msg, "JobResult")
}

// The methods below are interface version 2's Users.List, Get and Logon
// and Backup.Status, with their arguments: their results grew fields in
// version 3, which a version 2 client could not read.

// List answers a version 2 client with api.ErrVersion.
func (o *users) List(sender dbus.Sender, msg dbus.Message, query string) (string, *dbus.Error) {
	return "", retired(o.s, sender, msg, api.UsersInterface, "List")
}

// Get answers a version 2 client with api.ErrVersion.
func (o *users) Get(sender dbus.Sender, msg dbus.Message, username string) (string, *dbus.Error) {
	return "", retired(o.s, sender, msg, api.UsersInterface, "Get")
}

// Logon answers a version 2 client with api.ErrVersion.
func (o *users) Logon(sender dbus.Sender, msg dbus.Message, username string) (string, *dbus.Error) {
	return "", retired(o.s, sender, msg, api.UsersInterface, "Logon")
}

// Status answers a version 2 client with api.ErrVersion.
func (o *backup) Status(sender dbus.Sender, msg dbus.Message) (string, *dbus.Error) {
	return "", retired(o.s, sender, msg, api.BackupInterface, "Status")
}

// retired answers a version 1 call on the main interface.
func (o *root) retired(sender dbus.Sender, msg dbus.Message, method string) *dbus.Error {
	return retired(o.s, sender, msg, api.Interface, method)
}

// retired logs the call like any other (polkit decides first, under the
// method's action) and returns the version error.
func retired(s *Server, sender dbus.Sender, msg dbus.Message, iface, method string) *dbus.Error {
	c, derr := s.begin(sender, msg, iface, method)
	if derr != nil {
		return derr
	}
	defer c.end()
	err := keyedError(api.ErrVersion, api.VersionMessage, api.KeyVersion, nil)
	c.done(nil)
	return err
}

// wirePlan gives every slice of a plan a value: D-Bus has no nil.
func wirePlan(p api.PlanResult) api.PlanResult {
	p.Steps = nonNil(p.Steps)
	for i := range p.Steps {
		p.Steps[i].Changes = nonNil(p.Steps[i].Changes)
	}
	p.Notes = nonNil(p.Notes)
	p.Problems = nonNil(p.Problems)
	return p
}

// wireResult gives every slice of an apply result a value.
func wireResult(r api.ApplyResult) api.ApplyResult {
	r.Steps = nonNil(r.Steps)
	r.RolledBack = nonNil(r.RolledBack)
	r.Warnings = nonNil(r.Warnings)
	r.Problems = nonNil(r.Problems)
	return r
}
