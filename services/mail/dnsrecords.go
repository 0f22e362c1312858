// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// DNS record purposes.
const (
	PurposeMX    = "mx"
	PurposeSPF   = "spf"
	PurposeDKIM  = "dkim"
	PurposeDMARC = "dmarc"
)

// Statuses of a record checked against DNS.
const (
	StatusOK        = "ok"
	StatusMissing   = "missing"
	StatusDifferent = "different"
)

// Record values Posse recommends.
const (
	SPFValue   = "v=spf1 mx -all"
	DMARCValue = "v=DMARC1; p=quarantine"
)

// DNSRecord is a record the office must publish for a mail domain, and
// what DNS answers for it.
type DNSRecord struct {
	Domain  string `json:"domain"`
	Purpose string `json:"purpose"`
	// Name is the owner name, fully qualified, without the final dot.
	Name string `json:"name"`
	Type string `json:"type"`
	// Value is the record's data: "10 HOST." for MX, the whole text
	// (not split into strings) for TXT.
	Value string `json:"value"`
	// Selector and Role name a DKIM record's key: signing, next (rotated,
	// publish it before activating) or retiring (kept until retired).
	Selector string `json:"selector,omitempty"`
	Role     string `json:"role,omitempty"`
	// Status is ok, missing or different.
	Status string `json:"status"`
	// Found are the values DNS answered when they differ.
	Found []string `json:"found,omitempty"`
	// Error says why a lookup failed (the record then counts as missing).
	Error string `json:"error,omitempty"`
}

// Resolver is what the DNS check asks; *net.Resolver is one.
type Resolver interface {
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// DNSRecords lists the records to publish for every mail domain of st
// (MX, SPF, DKIM when signing is on, DMARC), the DKIM record made from
// the key on the box, each without a status.
func DNSRecords(st *site.Site, env *host.Env) ([]DNSRecord, error) {
	c, err := NewConfig(st, env)
	if err != nil {
		return nil, err
	}
	rot, err := readDKIMRotation(env)
	if err != nil {
		return nil, err
	}
	var out []DNSRecord
	for _, d := range c.Domains {
		out = append(out,
			DNSRecord{Domain: d, Purpose: PurposeMX, Name: d, Type: "MX", Value: "10 " + c.FQDN + "."},
			DNSRecord{Domain: d, Purpose: PurposeSPF, Name: d, Type: "TXT", Value: SPFValue})
		if c.DKIM {
			for _, k := range dkimKeys(rot, d, c.DKIMSelector) {
				pub, err := DKIMPublicKey(env, d, k.sel)
				if err != nil {
					return nil, err
				}
				out = append(out, DNSRecord{Domain: d, Purpose: PurposeDKIM, Name: k.sel + "._domainkey." + d, Type: "TXT",
					Value: "v=DKIM1; k=rsa; p=" + pub, Selector: k.sel, Role: k.role})
			}
		}
		out = append(out, DNSRecord{Domain: d, Purpose: PurposeDMARC, Name: "_dmarc." + d, Type: "TXT", Value: DMARCValue})
	}
	return out, nil
}

type dkimKey struct{ sel, role string }

// dkimKeys lists the published keys of domain d: the signing one, a
// rotated one waiting, the retiring ones.
func dkimKeys(r DKIMRotation, d, sel string) []dkimKey {
	st := r.current(d, sel)
	if st == nil {
		return []dkimKey{{sel, DKIMSigning}}
	}
	keys := []dkimKey{{st.Signing, DKIMSigning}}
	if st.Next != "" {
		keys = append(keys, dkimKey{st.Next, DKIMNext})
	}
	for _, o := range st.Retiring {
		keys = append(keys, dkimKey{o, DKIMRetiring})
	}
	return keys
}

// CheckDNS sets each record's status from what r answers.
func CheckDNS(ctx context.Context, r Resolver, recs []DNSRecord) {
	for i := range recs {
		checkRecord(ctx, r, &recs[i])
	}
}

func checkRecord(ctx context.Context, r Resolver, rec *DNSRecord) {
	var found []string
	var err error
	if rec.Type == "MX" {
		var mxs []*net.MX
		mxs, err = r.LookupMX(ctx, rec.Name)
		for _, mx := range mxs {
			found = append(found, fmt.Sprintf("%d %s", mx.Pref, dotted(mx.Host)))
		}
	} else {
		var txts []string
		txts, err = r.LookupTXT(ctx, rec.Name)
		for _, t := range txts {
			if relevantTXT(rec.Purpose, t) {
				found = append(found, t)
			}
		}
	}
	var dnsErr *net.DNSError
	if err != nil && !(errors.As(err, &dnsErr) && dnsErr.IsNotFound) {
		rec.Error = err.Error()
	}
	switch {
	case len(found) == 0:
		rec.Status = StatusMissing
	case slices.ContainsFunc(found, func(f string) bool { return sameRecord(rec, f) }):
		rec.Status = StatusOK
	default:
		rec.Status, rec.Found = StatusDifferent, found
	}
}

// relevantTXT keeps the TXT records of a name that are of the purpose's
// kind: a domain has many TXT records, only one SPF record.
func relevantTXT(purpose, t string) bool {
	l := strings.ToLower(strings.TrimSpace(t))
	switch purpose {
	case PurposeSPF:
		return l == "v=spf1" || strings.HasPrefix(l, "v=spf1 ")
	case PurposeDMARC:
		return strings.HasPrefix(l, "v=dmarc1")
	}
	return true
}

// sameRecord compares a found value with the wanted one: MX by host
// (any preference), DKIM by its public key, the others by their text
// with spacing and case of tags ignored.
func sameRecord(rec *DNSRecord, found string) bool {
	switch rec.Purpose {
	case PurposeMX:
		_, want, _ := strings.Cut(rec.Value, " ")
		_, got, _ := strings.Cut(found, " ")
		return strings.EqualFold(want, got)
	case PurposeDKIM:
		w, g := tags(rec.Value), tags(found)
		return g["p"] != "" && g["p"] == w["p"] && (g["k"] == "" || strings.EqualFold(g["k"], "rsa"))
	}
	return normTags(rec.Value) == normTags(found)
}

// tags parses "k=v; k=v" (DKIM, DMARC), dropping whitespace inside
// values (DKIM allows it in p=).
func tags(s string) map[string]string {
	m := map[string]string{}
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		m[strings.ToLower(strings.TrimSpace(k))] = strings.Join(strings.Fields(v), "")
	}
	return m
}

func normTags(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(s, ";", "; ")), " "))
}

func dotted(h string) string {
	if strings.HasSuffix(h, ".") {
		return h
	}
	return h + "."
}

// MailDNS lists the DNS records of the mail domains of st and checks
// them against what the box's resolver answers. The result is a
// []DNSRecord (typed any so that possectl needs no import of this
// package).
func (s *Service) MailDNS(ctx context.Context, st *site.Site, env *host.Env) (any, error) {
	if st.Mail == nil {
		return nil, errors.New("the applied site has no mail section: add one to the template and apply it")
	}
	recs, err := DNSRecords(st, env)
	if err != nil {
		return nil, err
	}
	var r Resolver = s.Resolver
	if s.Resolver == nil {
		r = net.DefaultResolver
	}
	CheckDNS(ctx, r, recs)
	return recs, nil
}
