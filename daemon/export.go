// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"fmt"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/posse-project/posse/daemon/api"
)

// objects returns every D-Bus interface the server exports with the Go
// value whose exported methods implement it.
func (s *Server) objects() map[string]any {
	return map[string]any{
		api.Interface:        &root{s},
		api.UsersInterface:   &users{s},
		api.GroupsInterface:  &groups{s},
		api.SharesInterface:  &shares{s},
		api.MailInterface:    &mail{s},
		api.BackupInterface:  &backup{s},
		api.UpdatesInterface: &updates{s},
	}
}

// Export puts the objects on the bus at api.ObjectPath with introspection
// data. It refuses to export a method that has no polkit action.
func (s *Server) Export() error {
	node := &introspect.Node{Name: api.ObjectPath, Interfaces: []introspect.Interface{introspect.IntrospectData}}
	for iface, obj := range s.objects() {
		ms := introspect.Methods(obj)
		for _, m := range ms {
			if ActionFor(iface, m.Name) == "" {
				return fmt.Errorf("method %s.%s has no polkit action: add it to methodActions", iface, m.Name)
			}
		}
		if err := s.conn.Export(obj, api.ObjectPath, iface); err != nil {
			return fmt.Errorf("export %s: %w", iface, err)
		}
		in := introspect.Interface{Name: iface, Methods: ms}
		if iface == api.Interface {
			in.Signals = signals()
		}
		node.Interfaces = append(node.Interfaces, in)
	}
	return s.conn.Export(introspect.NewIntrospectable(node), api.ObjectPath, "org.freedesktop.DBus.Introspectable")
}

// signals describes the apply signals for introspection.
func signals() []introspect.Signal {
	step := dbus.SignatureOf(api.Step{}).String()
	res := dbus.SignatureOf(api.ApplyResult{}).String()
	return []introspect.Signal{
		{Name: api.SignalStepStarted, Args: []introspect.Arg{{Name: "job", Type: "s"}, {Name: "step", Type: step}}},
		{Name: api.SignalStepFinished, Args: []introspect.Arg{{Name: "job", Type: "s"}, {Name: "step", Type: step}}},
		{Name: api.SignalApplyFinished, Args: []introspect.Arg{{Name: "job", Type: "s"}, {Name: "result", Type: res}}},
	}
}
