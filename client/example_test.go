// SPDX-License-Identifier: GPL-3.0-or-later

package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

// Talk to possed on this machine: reads need no password; a change may
// ask for one through the desktop's polkit agent with Interactive.
func ExampleDial() {
	ctx := context.Background()
	c, err := client.Dial(ctx, client.Options{Interactive: true})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	st, err := c.Status(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Site)
	err = c.CreateUser(ctx, api.User{Username: "anna", GivenName: "Anna"}, "Initial-Passw0rd", true)
	if client.IsNotAuthorized(err) {
		fmt.Println("ask an administrator to add you to posse-office")
	}
}

// Talk to possed on another box over SSH; the first time, the host key is
// shown and must be accepted explicitly.
func ExampleDial_remote() {
	ctx := context.Background()
	opts := client.Options{Host: "admin@server.example.lan"}
	c, err := client.Dial(ctx, opts)
	var hke *client.HostKeyError
	if errors.As(err, &hke) {
		// Show hke.Error() and, if the person confirms the fingerprint:
		opts.AcceptHostKey = hke.Fingerprint
		c, err = client.Dial(ctx, opts)
	}
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	res, err := c.Apply(ctx, []byte("version: 1\n…"), map[string]string{"domain_admin": "…"}, func(e client.Event) {
		if !e.Started {
			fmt.Printf("[%d/%d] %s: %s\n", e.Index+1, e.Total, e.Summary, e.Status)
		}
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Outcome)
}
