package main

import (
	"context"
	"fmt"
	"os"

	"github.com/posse-project/posse/internal/execx"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/services/systemd"
)

// boxEnv builds the environment for changing this box. With root set,
// everything is rendered under root and nothing else is touched.
func boxEnv(ctx context.Context, root string, secrets host.Secrets) (*host.Env, func(), error) {
	env := &host.Env{Root: "/", Secrets: secrets, StateDir: host.DefaultStateDir}
	env.Hostname, _ = os.Hostname()
	env.IP = host.PrimaryIP()
	if root != "" {
		env.Root = root
		env.Offline = true
		return env, func() {}, nil
	}
	if os.Geteuid() != 0 {
		return nil, nil, fmt.Errorf("changing the box needs root: run with sudo, or use --root DIR to render files only")
	}
	units, err := systemd.New(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot reach systemd on the system bus: %w\nis this box running systemd? use --root DIR to render files only", err)
	}
	env.Units = units
	env.Runner = execx.New()
	return env, func() { units.Close() }, nil
}
