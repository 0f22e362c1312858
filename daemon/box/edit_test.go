// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/posse-project/posse/daemon"
	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/provisioning"
	"github.com/posse-project/posse/provisioning/apply"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/host/hosttest"
	"github.com/posse-project/posse/provisioning/plan"
	"github.com/posse-project/posse/provisioning/site"
)

// commentedSite is testSite as a consultant writes it: comments and a key
// order of their own, which edits through possed must keep.
const commentedSite = `# Test Office: maintained by the consultant.
version: 1
site:
  name: "Test Office"
  domain: example.com
  workgroup: EXAMPLE
directory:
  admin_password: ${secret:domain_admin} # kept on the box
groups:
  - name: staff
  - name: boss
users:
  - username: carla
    password: ${secret:carla}
shares:
  # The main share.
  - name: Data
    read: [staff] # everybody reads
    recycle_days: 14 # longer than the default
mail:
  domains: [example.com]
  aliases:
    - address: info@example.com
      to: [carla]
`

// siteSvc is a fake service that records the site it planned and applied:
// one step per apply carrying the shares and aliases.
type siteSvc struct {
	fail     error  // Execute fails with it
	secret   string // the step references ${secret:<secret>}
	executed []siteSpec
}

type siteSpec struct {
	Shares  []string `json:"shares"`
	Aliases []string `json:"aliases"`
}

func (f *siteSvc) Name() string { return "files" }

func (f *siteSvc) Plan(_ context.Context, s *site.Site, _ *host.Env) ([]plan.Step, []plan.Note, error) {
	var sp siteSpec
	for _, sh := range s.Shares {
		sp.Shares = append(sp.Shares, sh.Name)
	}
	if s.Mail != nil {
		for _, a := range s.Mail.Aliases {
			sp.Aliases = append(sp.Aliases, a.Address+"="+strings.Join(a.To, ","))
		}
	}
	st := plan.NewStep("files", plan.Update, "fake", "site", "the fake site", sp)
	if f.secret != "" {
		st.Changes = []plan.Change{{Field: "password", After: "${secret:" + f.secret + "}"}}
	}
	return []plan.Step{st}, nil, nil
}

func (f *siteSvc) Execute(_ context.Context, st plan.Step, _ *host.Env) error {
	if f.fail != nil {
		return f.fail
	}
	var sp siteSpec
	if err := json.Unmarshal(st.Spec, &sp); err != nil {
		return err
	}
	f.executed = append(f.executed, sp)
	return nil
}

// editBox is a Box with commentedSite applied, fake units and the fake
// service.
func editBox(t *testing.T, template string) (*Box, *siteSvc) {
	t.Helper()
	b, _ := newBox(t, true)
	svc := &siteSvc{}
	b.Units = hosttest.NewFakeUnits()
	b.Runner = hosttest.NewFakeRunner(t)
	b.Services = func() []provisioning.Service { return []provisioning.Service{svc} }
	os.WriteFile(filepath.Join(b.Root, host.DefaultStateDir, "site.yaml"), []byte(template), 0o600)
	return b, svc
}

func TestShareAndAliasChanges(t *testing.T) {
	noMail := commentedSite[:strings.Index(commentedSite, "mail:")]
	tests := []struct {
		name     string
		template string
		setup    func(*siteSvc)
		change   func(context.Context, *Box) error
		wantErr  error  // sentinel; nil: success
		errText  string // in the error
		shares   []string
		aliases  []string
		contains []string // in the recorded template afterwards
	}{
		{
			name: "add a share",
			change: func(ctx context.Context, b *Box) error {
				return b.SetShare(ctx, api.Share{Name: "Projects", Description: "yes", Read: []string{"staff"}, Write: []string{"boss"}, RecycleBin: true})
			},
			shares: []string{"Data", "Projects"}, aliases: []string{"info@example.com=carla"},
			contains: []string{"- name: Projects", `description: "yes"`, "read: [staff]", "write: [boss]", "recycle_bin: true"},
		},
		{
			name: "change a share, keeping what the API does not carry",
			change: func(ctx context.Context, b *Box) error {
				return b.SetShare(ctx, api.Share{Name: "data", Path: "/srv/posse/shares/data", Read: []string{"staff"}, Write: []string{"boss"}})
			},
			shares: []string{"Data"}, aliases: []string{"info@example.com=carla"},
			contains: []string{"read: [staff] # everybody reads", "write: [boss]", "recycle_days: 14 # longer than the default"},
		},
		{
			name:   "delete a share",
			change: func(ctx context.Context, b *Box) error { return b.DeleteShare(ctx, "DATA") },
			shares: nil, aliases: []string{"info@example.com=carla"},
			contains: []string{"shares: []"},
		},
		{
			name:    "delete a share that is not there",
			change:  func(ctx context.Context, b *Box) error { return b.DeleteShare(ctx, "Nope") },
			wantErr: daemon.ErrNotFound, errText: `share "Nope" is not in the applied site`,
		},
		{
			name: "a share for a group the site does not have",
			change: func(ctx context.Context, b *Box) error {
				return b.SetShare(ctx, api.Share{Name: "X", Read: []string{"ghosts"}})
			},
			wantErr: daemon.ErrInvalid, errText: "ghosts",
		},
		{
			name:  "the apply fails",
			setup: func(s *siteSvc) { s.fail = errors.New("smbd did not reload") },
			change: func(ctx context.Context, b *Box) error {
				return b.SetShare(ctx, api.Share{Name: "Projects", Write: []string{"staff"}})
			},
			errText: "smbd did not reload; nothing needed rolling back; the box keeps its previous site template",
		},
		{
			name:  "the apply needs a secret the box does not keep",
			setup: func(s *siteSvc) { s.secret = "carla" },
			change: func(ctx context.Context, b *Box) error {
				return b.SetShare(ctx, api.Share{Name: "Projects", Write: []string{"staff"}})
			},
			wantErr: daemon.ErrInvalid, errText: "needs the secrets carla",
		},
		{
			name: "add an alias",
			change: func(ctx context.Context, b *Box) error {
				return b.SetAlias(ctx, api.Alias{Address: "sales@example.com", To: []string{"carla", "x@example.org"}})
			},
			shares: []string{"Data"}, aliases: []string{"info@example.com=carla", "sales@example.com=carla,x@example.org"},
			contains: []string{"- address: sales@example.com", "to: [carla, x@example.org]"},
		},
		{
			name: "replace an alias's targets",
			change: func(ctx context.Context, b *Box) error {
				return b.SetAlias(ctx, api.Alias{Address: "INFO@example.com", To: []string{"x@example.org"}})
			},
			shares: []string{"Data"}, aliases: []string{"info@example.com=x@example.org"},
		},
		{
			name:   "delete an alias",
			change: func(ctx context.Context, b *Box) error { return b.DeleteAlias(ctx, "info@example.com") },
			shares: []string{"Data"}, aliases: nil,
			contains: []string{"aliases: []"},
		},
		{
			name:    "delete an alias that is not there",
			change:  func(ctx context.Context, b *Box) error { return b.DeleteAlias(ctx, "nope@example.com") },
			wantErr: daemon.ErrNotFound,
		},
		{
			name:     "an alias on a site without mail",
			template: noMail,
			change: func(ctx context.Context, b *Box) error {
				return b.SetAlias(ctx, api.Alias{Address: "a@example.com", To: []string{"carla"}})
			},
			wantErr: daemon.ErrNotAvailable, errText: "this site has no mail",
		},
		{
			name:     "the first share of a site without shares",
			template: strings.Replace(noMail, "shares:\n  # The main share.\n  - name: Data\n    read: [staff] # everybody reads\n    recycle_days: 14 # longer than the default\n", "", 1) + "homes: {enabled: false}\n",
			change: func(ctx context.Context, b *Box) error {
				return b.SetShare(ctx, api.Share{Name: "Data", Read: []string{"staff"}})
			},
			shares:   []string{"Data"},
			contains: []string{"    password: ${secret:carla}\nshares:\n  - name: Data\n    read: [staff]\nhomes:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := tt.template
			if tmpl == "" {
				tmpl = commentedSite
			}
			b, svc := editBox(t, tmpl)
			if tt.setup != nil {
				tt.setup(svc)
			}
			file := filepath.Join(b.Root, host.DefaultStateDir, "site.yaml")
			err := tt.change(context.Background(), b)
			got, _ := os.ReadFile(file)
			if tt.wantErr != nil || tt.errText != "" {
				if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("error = %v, want %v containing %q", err, tt.wantErr, tt.errText)
				}
				if string(got) != tmpl {
					t.Errorf("the applied template changed after a failed change:\n%s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(svc.executed) != 1 {
				t.Fatalf("applied %d times, want once", len(svc.executed))
			}
			if ex := svc.executed[0]; !slices.Equal(ex.Shares, tt.shares) || !slices.Equal(ex.Aliases, tt.aliases) {
				t.Errorf("applied shares %v aliases %v, want %v %v", ex.Shares, ex.Aliases, tt.shares, tt.aliases)
			}
			for _, want := range append(tt.contains, "# Test Office: maintained by the consultant.", "# kept on the box", `name: "Test Office"`) {
				if !strings.Contains(string(got), want) {
					t.Errorf("the recorded template lacks %q:\n%s", want, got)
				}
			}
			if strings.Contains(tmpl, "# The main share.") && !strings.Contains(tt.name, "delete a share") && !strings.Contains(string(got), "# The main share.") {
				t.Errorf("the share's comment is gone:\n%s", got)
			}
			s, err := site.Load(file)
			if err != nil {
				t.Fatalf("the recorded template does not load: %v", err)
			}
			var names []string
			for _, sh := range s.Shares {
				names = append(names, sh.Name)
			}
			if !slices.Equal(names, tt.shares) {
				t.Errorf("recorded shares %v, want %v", names, tt.shares)
			}
			j, err := apply.ReadJournal(b.env(nil))
			if err != nil || len(j) != 1 {
				t.Errorf("journal: %d records, %v", len(j), err)
			}
			if kept, _ := os.ReadFile(filepath.Join(b.Root, host.DefaultStateDir, "secrets.yaml")); !strings.Contains(string(kept), "Admin-Passw0rd!") {
				t.Errorf("the kept secrets were lost: %q", kept)
			}
		})
	}
}
