// SPDX-License-Identifier: GPL-3.0-or-later

package notify

import (
	"context"
	"fmt"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
)

// SendmailPath is Postfix's sendmail, which queues a message for the
// box's Postfix (and so for its relay when one is set).
const SendmailPath = "/usr/sbin/sendmail"

// Sender sends one rendered message to the recipients in its headers.
type Sender interface {
	Send(ctx context.Context, from string, msg []byte) error
}

// Sendmail sends with the box's sendmail: argv only, the message on
// stdin, the recipients read from the headers (-t), a lone dot not ending
// it (-oi), and from as the envelope sender, so bounces reach it.
type Sendmail struct {
	Runner host.Runner
}

// Send implements Sender.
func (s Sendmail) Send(ctx context.Context, from string, msg []byte) error {
	if strings.HasPrefix(from, "-") || strings.ContainsAny(from, " \t\r\n") {
		return fmt.Errorf("sender %q is not a plain mail address", from)
	}
	res, err := s.Runner.Run(ctx, host.Cmd{Argv: []string{SendmailPath, "-t", "-oi", "-f", from}, Stdin: msg})
	if err != nil {
		return fmt.Errorf("sendmail failed: %w: %s", err, strings.TrimSpace(string(res.Stderr)))
	}
	return nil
}
