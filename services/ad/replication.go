// SPDX-License-Identifier: GPL-3.0-or-later

package ad

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/host"
)

// ShowreplArgv asks the local domain controller for its replication
// state; as root on a DC samba-tool uses the machine account.
var ShowreplArgv = []string{"samba-tool", "drs", "showrepl", "--json"}

// Replication is one domain controller's replication state, from
// samba-tool drs showrepl --json.
type Replication struct {
	// Server is the name of the DC that was asked.
	Server string `json:"server"`
	// Inbound are the partners this DC replicates from (repsFrom),
	// Outbound those it notifies of changes (repsTo).
	Inbound  []Link `json:"inbound"`
	Outbound []Link `json:"outbound"`
}

// Link is the replication with one partner in one direction, over all
// naming contexts.
type Link struct {
	// Partner is the partner's NetBIOS name in lower case (its host
	// name), Site its AD site.
	Partner string `json:"partner"`
	Site    string `json:"site,omitempty"`
	// Contexts counts the naming contexts replicated.
	Contexts int `json:"naming_contexts"`
	// LastSuccess is the oldest last success over the naming contexts;
	// nil when one of them never succeeded.
	LastSuccess *time.Time `json:"last_success,omitempty"`
	// LastAttempt is the newest attempt over the naming contexts.
	LastAttempt *time.Time `json:"last_attempt,omitempty"`
	// Failures is the most consecutive failures of a naming context.
	Failures int `json:"consecutive_failures"`
	// LastError is the first failing naming context's message.
	LastError string `json:"last_error,omitempty"`
	// Deleted is set when the partner's NTDS settings are gone.
	Deleted bool `json:"deleted,omitempty"`
}

// showrepl is the part of samba-tool drs showrepl --json that Posse reads
// (the same keys in Samba 4.17 and 4.22; neither prints the DC's own
// name or site).
type showrepl struct {
	DSA *struct {
		ObjectGUID string `json:"objectGUID"`
	} `json:"dsa"`
	RepsFrom []showreplNeig `json:"repsFrom"`
	RepsTo   []showreplNeig `json:"repsTo"`
}

type showreplNeig struct {
	NC          string `json:"NC dn"`
	DSA         string `json:"DSA"`
	NTDSDN      string `json:"NTDS DN"`
	LastAttempt string `json:"last attempt time"`
	AttemptMsg  string `json:"last attempt message"`
	Failures    int    `json:"consecutive failures"`
	LastSuccess string `json:"last success"`
	Deleted     bool   `json:"is deleted"`
}

// ParseShowrepl reads the output of ShowreplArgv for the DC named server
// (the output does not name it).
func ParseShowrepl(server string, out []byte) (Replication, error) {
	var raw showrepl
	if err := json.Unmarshal(out, &raw); err != nil {
		return Replication{}, fmt.Errorf("reading samba-tool drs showrepl --json: %w", err)
	}
	if raw.DSA == nil || raw.DSA.ObjectGUID == "" {
		return Replication{}, fmt.Errorf("samba-tool drs showrepl --json describes no domain controller")
	}
	return Replication{Server: server, Inbound: links(raw.RepsFrom), Outbound: links(raw.RepsTo)}, nil
}

func links(ns []showreplNeig) []Link {
	var out []Link
	idx := map[string]int{}
	for _, n := range ns {
		site, server := partnerOf(n)
		key := strings.ToUpper(site + "\\" + server)
		i, ok := idx[key]
		if !ok {
			i = len(out)
			idx[key] = i
			l := Link{Partner: strings.ToLower(server), Site: site}
			if t, ok := parseNTTime(n.LastSuccess); ok {
				l.LastSuccess = &t
			}
			out = append(out, l)
		} else if t, ok := parseNTTime(n.LastSuccess); !ok {
			out[i].LastSuccess = nil
		} else if out[i].LastSuccess != nil && t.Before(*out[i].LastSuccess) {
			out[i].LastSuccess = &t
		}
		l := &out[i]
		l.Contexts++
		if t, ok := parseNTTime(n.LastAttempt); ok && (l.LastAttempt == nil || t.After(*l.LastAttempt)) {
			l.LastAttempt = &t
		}
		if n.Failures > l.Failures {
			l.Failures = n.Failures
		}
		if n.Failures > 0 && l.LastError == "" {
			l.LastError = n.NC + ": " + n.AttemptMsg
		}
		l.Deleted = l.Deleted || n.Deleted
	}
	slices.SortFunc(out, func(a, b Link) int { return strings.Compare(a.Partner, b.Partner) })
	return out
}

// partnerOf returns the site and server of a neighbour: from "DSA"
// (SITE\SERVER), else from its NTDS DN.
func partnerOf(n showreplNeig) (site, server string) {
	if s, v, ok := strings.Cut(n.DSA, "\\"); ok {
		return s, v
	}
	parts := strings.Split(n.NTDSDN, ",")
	if len(parts) > 3 {
		_, server, _ = strings.Cut(parts[1], "=")
		_, site, _ = strings.Cut(parts[3], "=")
		return site, server
	}
	return "", n.NTDSDN
}

// ntTimeLayouts are the forms Samba's nttime2string prints.
var ntTimeLayouts = []string{
	"Mon Jan _2 15:04:05 2006 MST",
	"Mon Jan _2 15:04:05 2006",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05",
	time.RFC3339,
}

// parseNTTime reads a time from showrepl; "NTTIME(0)" (never) and what
// does not parse are not ok.
func parseNTTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasPrefix(s, "NTTIME(") {
		return time.Time{}, false
	}
	for _, l := range ntTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// Problems returns what is wrong with the replication, in words: an
// inbound partner that failed or never succeeded, an outbound partner
// that failed, a deleted partner, or no inbound partner at all in a
// domain with more than one DC (others > 0).
func (r Replication) Problems(others int) []string {
	var out []string
	if others > 0 && len(r.Inbound) == 0 {
		out = append(out, fmt.Sprintf("%s replicates from no other domain controller yet: apply the template on the other domain controllers of its servers; once they are joined, the KCC connects them within 15 minutes (samba-tool drs kcc at once)", r.Server))
	}
	for _, l := range r.Inbound {
		switch {
		case l.Deleted:
			out = append(out, fmt.Sprintf("%s still replicates from %s, which was removed from the domain", r.Server, l.Partner))
		case l.Failures > 0:
			out = append(out, fmt.Sprintf("%s: %d failed replications from %s in a row (%s)", r.Server, l.Failures, l.Partner, l.LastError))
		case l.LastSuccess == nil:
			out = append(out, fmt.Sprintf("%s has not replicated every naming context from %s yet", r.Server, l.Partner))
		}
	}
	for _, l := range r.Outbound {
		if l.Failures > 0 {
			out = append(out, fmt.Sprintf("%s: %d failed notifications of %s in a row (%s)", r.Server, l.Failures, l.Partner, l.LastError))
		}
	}
	return out
}

// ReadReplication asks the domain controller at server ("" for this box)
// for its replication state with samba-tool drs showrepl --json, as the
// local DC's machine account.
func ReadReplication(ctx context.Context, env *host.Env, server string) (Replication, error) {
	argv := slices.Clone(ShowreplArgv)
	if server != "" {
		argv = append(argv[:3], server, "--json")
	}
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: argv})
	if err != nil {
		where := "this box"
		if server != "" {
			where = server
		}
		return Replication{}, fmt.Errorf("samba-tool drs showrepl on %s failed: %s (is samba-ad-dc running? see journalctl -u %s)", where, lastLines(res.Stderr, err), DCUnit)
	}
	name := server
	if name == "" {
		name = localName()
	}
	return ParseShowrepl(name, res.Stdout)
}

// localName is this box's short host name.
func localName() string {
	h, _ := os.Hostname()
	h, _, _ = strings.Cut(strings.ToLower(h), ".")
	return h
}

// lastLines returns the last lines of a command's stderr (or err when it
// printed nothing), without any line that mentions a password.
func lastLines(stderr []byte, err error) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(string(stderr)), "\n") {
		if l != "" && !strings.Contains(strings.ToLower(l), "pass") {
			keep = append(keep, l)
		}
	}
	if len(keep) > 4 {
		keep = keep[len(keep)-4:]
	}
	if len(keep) == 0 {
		return err.Error()
	}
	return strings.Join(keep, "\n")
}
