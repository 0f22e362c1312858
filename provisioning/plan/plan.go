// SPDX-License-Identifier: GPL-3.0-or-later

// Package plan holds a plan as data: an ordered list of steps, each with a
// service, an action, a target and before/after values. A plan never holds a
// secret value: secrets appear as ${secret:NAME} references or masked.
package plan

import "encoding/json"

// Action is what a step does to its target.
type Action string

// Actions a step can take.
const (
	Create  Action = "create"
	Update  Action = "update"
	Delete  Action = "delete"
	Restart Action = "restart"
	Reload  Action = "reload"
	Run     Action = "run"
)

// Step kinds understood by the apply engine itself. Services may add their own
// kinds and execute them.
const (
	KindFile  = "file"  // a file under the root, Spec is a FileSpec
	KindDir   = "dir"   // a directory under the root, Spec is a DirSpec
	KindUnit  = "unit"  // a systemd unit job, Spec is a UnitSpec
	KindCheck = "check" // a native config checker, Spec is a CommandSpec
	KindProbe = "probe" // the service's health probe
)

// Masked replaces every secret value in printed output.
const Masked = "(sensitive)"

// Plan is everything apply will do, in order.
type Plan struct {
	// Version is the plan format version.
	Version int `json:"version"`
	// Site is the site's display name.
	Site string `json:"site"`
	// TemplateHash is the SHA-256 of the template the plan was made from.
	TemplateHash string `json:"template_hash"`
	// Steps are executed in order.
	Steps []Step `json:"steps"`
	// Notes report things apply leaves alone (for example users in the
	// directory that the template does not list).
	Notes []Note `json:"notes,omitempty"`
}

// Step is one change to one target.
type Step struct {
	Service string `json:"service"`
	Action  Action `json:"action"`
	Kind    string `json:"kind"`
	// Target names what changes: a file path, unit name, LDAP DN, …
	Target string `json:"target"`
	// Summary is a one-line description for people.
	Summary string `json:"summary,omitempty"`
	// Diff is a unified diff for files (secrets masked).
	Diff string `json:"diff,omitempty"`
	// Changes are field changes for objects such as directory users.
	Changes []Change `json:"changes,omitempty"`
	// Spec is what the executor of Kind needs; never a secret value.
	Spec json.RawMessage `json:"spec,omitempty"`
}

// Change is one field's before and after value.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
	// Sensitive values are printed as Masked.
	Sensitive bool `json:"sensitive,omitempty"`
}

// Note is something plan reports but apply does not change.
type Note struct {
	Service string `json:"service"`
	Target  string `json:"target"`
	Message string `json:"message"`
}

// FileSpec describes a file's desired state. Content may contain
// ${secret:NAME} references, expanded only when the file is written.
type FileSpec struct {
	Path    string `json:"path"`
	Content string `json:"content"`
	Mode    uint32 `json:"mode"`
	Owner   string `json:"owner,omitempty"`
	Group   string `json:"group,omitempty"`
	// Secret marks content that holds secrets: its diff is never shown.
	Secret bool `json:"secret,omitempty"`
}

// DirSpec describes a directory's desired state.
type DirSpec struct {
	Path  string `json:"path"`
	Mode  uint32 `json:"mode"`
	Owner string `json:"owner,omitempty"`
	Group string `json:"group,omitempty"`
}

// UnitSpec is a systemd job or unit-file operation.
type UnitSpec struct {
	Unit string `json:"unit"`
	// Op is one of start, stop, restart, reload, enable, disable, mask,
	// unmask, enable-now, disable-now, daemon-reload.
	Op string `json:"op"`
}

// CommandSpec is a command run with argv, never through a shell.
type CommandSpec struct {
	Argv []string `json:"argv"`
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Steps) == 0 }

// NewStep builds a step whose Spec is spec marshalled as JSON.
func NewStep(service string, action Action, kind, target, summary string, spec any) Step {
	s := Step{Service: service, Action: action, Kind: kind, Target: target, Summary: summary}
	if spec != nil {
		b, err := json.Marshal(spec)
		if err != nil {
			panic("plan: spec not encodable: " + err.Error())
		}
		s.Spec = b
	}
	return s
}

// DecodeSpec decodes a step's Spec into v.
func (s Step) DecodeSpec(v any) error { return json.Unmarshal(s.Spec, v) }
