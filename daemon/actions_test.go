// SPDX-License-Identifier: GPL-3.0-or-later

package daemon

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// TestEveryMethodHasAnAction fails when an exported D-Bus method has no
// polkit action, or the table names a method that does not exist.
func TestEveryMethodHasAnAction(t *testing.T) {
	s := &Server{}
	exported := map[string]bool{}
	for iface, obj := range s.objects() {
		typ := reflect.TypeOf(obj)
		for i := 0; i < typ.NumMethod(); i++ {
			m := typ.Method(i)
			key := iface + "." + m.Name
			exported[key] = true
			action := methodActions[key]
			if action == "" {
				t.Errorf("exported method %s has no polkit action in methodActions", key)
				continue
			}
			if _, ok := actionInfo[action]; !ok {
				t.Errorf("%s: action %s is not described in actionInfo", key, action)
			}
			if m.Type.NumIn() < 3 || m.Type.In(1) != reflect.TypeOf(dbus.Sender("")) || m.Type.In(2) != reflect.TypeOf(dbus.Message{}) {
				t.Errorf("%s must take (dbus.Sender, dbus.Message, …) first", key)
			}
			if m.Type.Out(m.Type.NumOut()-1) != reflect.TypeOf(&dbus.Error{}) {
				t.Errorf("%s must return *dbus.Error last", key)
			}
		}
	}
	var stale []string
	for key := range methodActions {
		if !exported[key] {
			stale = append(stale, key)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("methodActions names methods that are not exported: %s", strings.Join(stale, ", "))
	}
	for _, a := range Actions {
		if !strings.HasPrefix(a, "org.posse.Posse1.") {
			t.Errorf("action %s is not under org.posse.Posse1.", a)
		}
	}
}
