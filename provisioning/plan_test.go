// SPDX-License-Identifier: GPL-3.0-or-later

package provisioning

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

type stubService struct {
	name  string
	steps []plan.Step
	notes []plan.Note
	err   error
}

func (s stubService) Name() string { return s.name }
func (s stubService) Plan(context.Context, *site.Site, *host.Env) ([]plan.Step, []plan.Note, error) {
	return s.steps, s.notes, s.err
}
func (s stubService) Execute(context.Context, plan.Step, *host.Env) error { return nil }

func TestMakePlan(t *testing.T) {
	s := &site.Site{Site: site.Info{Name: "Müller & Partner"}, Source: site.SourceInfo{Hash: "abc"}}
	env := &host.Env{Root: t.TempDir()}
	ctx := context.Background()
	tests := []struct {
		name     string
		services []Service
		targets  string
		err      string
	}{
		{name: "empty", services: nil, targets: ""},
		{name: "ordered", services: []Service{
			stubService{name: "a", steps: []plan.Step{{Target: "1"}, {Target: "2"}}, notes: []plan.Note{{Target: "n"}}},
			stubService{name: "b", steps: []plan.Step{{Service: "b", Target: "3"}}},
		}, targets: "a:1,a:2,b:3"},
		{name: "error", services: []Service{stubService{name: "a", err: errors.New("boom")}}, err: "plan a: boom"},
		{name: "foreign step", services: []Service{stubService{name: "a", steps: []plan.Step{{Service: "b", Target: "x"}}}}, err: `names service "b"`},
		{name: "duplicate", services: []Service{stubService{name: "a"}, stubService{name: "a"}}, err: "used twice"},
	}
	for _, tt := range tests {
		p, err := MakePlan(ctx, s, env, tt.services)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var got []string
		for _, st := range p.Steps {
			got = append(got, st.Service+":"+st.Target)
		}
		if strings.Join(got, ",") != tt.targets {
			t.Errorf("%s: steps %v, want %s", tt.name, got, tt.targets)
		}
		if p.Site != "Müller & Partner" || p.TemplateHash != "abc" || p.Version != plan.FormatVersion || p.Steps == nil {
			t.Errorf("%s: header %+v", tt.name, p)
		}
		for _, n := range p.Notes {
			if n.Service != "a" {
				t.Errorf("note service %q", n.Service)
			}
		}
	}
}

// TestMakePlanRefusesUnsupportedRelease: a Debian 11 box is refused before
// any service plans, with the release found and the supported ones.
func TestMakePlanRefusesUnsupportedRelease(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/os-release"), []byte("PRETTY_NAME=\"Debian GNU/Linux 11 (bullseye)\"\nID=debian\nVERSION_ID=\"11\"\nVERSION_CODENAME=bullseye\n"), 0o644)
	env := &host.Env{Root: root}
	svc := stubService{name: "x", err: errors.New("a service planned on an unsupported release")}
	_, err := MakePlan(context.Background(), &site.Site{}, env, []Service{svc})
	if err == nil || !strings.Contains(err.Error(), "Debian GNU/Linux 11 (bullseye)") || !strings.Contains(err.Error(), "Debian 13 (trixie)") {
		t.Fatalf("plan on Debian 11: %v", err)
	}
}
