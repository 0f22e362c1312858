// SPDX-License-Identifier: GPL-3.0-or-later

// Command posse is the Posse desktop app: the office manager's and the
// integrator's window onto a Posse box.
//
//	posse                     connect to this computer or a remote box
//	posse --host admin@box    connect to a box over SSH
//	posse --local             connect to this computer's possed right away
//	posse --bus ADDRESS       connect to possed on that D-Bus (a sandbox box)
//	posse --demo              try the app with built-in demo data
//	posse site.yaml           open a site template
package main

import (
	"os"

	posseapp "github.com/posse-project/posse/app"
)

func main() {
	o, err := posseapp.ParseArgs(os.Args[1:], os.Stderr)
	if err != nil {
		os.Exit(2)
	}
	posseapp.Run(o)
}
