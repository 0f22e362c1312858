// SPDX-License-Identifier: GPL-3.0-or-later

package migrate

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/posse-project/posse/provisioning/site"
)

// Names of the checks, in the order the report shows them.
const (
	CheckDNSDomain   = "dns-domain"
	CheckDNSLDAP     = "dns-ldap-srv"
	CheckDNSKerberos = "dns-kerberos-srv"
	CheckDNSDC       = "dns-dc-host"
	CheckClock       = "clock-skew"
	CheckDomainLevel = "domain-level"
	CheckForestLevel = "forest-level"
	CheckSchema      = "schema-version"
	CheckFSMO        = "fsmo-roles"
	CheckSYSVOL      = "sysvol"
	CheckShares      = "shares"
	CheckNames       = "names"
	CheckReplication = "replication"
	CheckDisk        = "disk-space"
)

// DomainOf turns a naming context DN ("DC=ad,DC=example,DC=com") into its
// DNS name ("ad.example.com").
func DomainOf(dn string) string {
	var labels []string
	for _, rdn := range strings.Split(dn, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(rdn), "=")
		if ok && strings.EqualFold(k, "DC") {
			labels = append(labels, strings.ToLower(v))
		}
	}
	return strings.Join(labels, ".")
}

// ServerOf is the CN of the server an NTDS Settings DN belongs to
// ("CN=NTDS Settings,CN=DC1,CN=Servers,…" gives "DC1").
func ServerOf(ntdsDN string) string {
	parts := strings.Split(ntdsDN, ",")
	if len(parts) < 2 {
		return ntdsDN
	}
	_, v, _ := strings.Cut(parts[1], "=")
	return v
}

// Build turns the facts into the report: every check with its outcome,
// the refused names, the shares with the estimate and the plan of the
// later phases.
func Build(f Facts) *Report {
	r := &Report{
		From:      f.From,
		CheckedAt: f.Now.UTC(),
		Domain:    DomainOf(f.Root.DefaultNC),
		BaseDN:    f.Root.DefaultNC,
		DC:        strings.ToLower(f.Root.DNSHostName),
		NetBIOS:   f.NetBIOS,
		Schema:    f.Schema,
		FSMO:      f.FSMO,
		Shares:    f.Shares,
		DCs:       f.DCs,
		FreeBytes: f.FreeBytes,
	}
	r.Realm = strings.ToUpper(r.Domain)
	r.DomainLevel, _ = strconv.Atoi(f.Root.DomainLevel)
	r.ForestLevel, _ = strconv.Atoi(f.Root.ForestLevel)
	r.DCLevel, _ = strconv.Atoi(f.Root.DCLevel)
	r.DomainLevelName = LevelName(r.DomainLevel)
	r.ForestLevelName = LevelName(r.ForestLevel)
	if f.Schema > 0 {
		r.SchemaName = SchemaName(f.Schema)
	}
	add := func(name string, st Status, format string, args ...any) {
		r.Checks = append(r.Checks, Check{Name: name, Status: st, Detail: fmt.Sprintf(format, args...)})
	}

	r.dnsChecks(f, add)

	if dcTime, err := ParseGeneralizedTime(f.Root.CurrentTime); err != nil {
		add(CheckClock, StatusFail, "cannot read the old DC's clock: %v", err)
	} else {
		skew := dcTime.Sub(f.Now)
		r.ClockSkew = math.Round(skew.Seconds())
		if r.ClockSkew == 0 {
			r.ClockSkew = 0 // not -0 in the JSON
		}
		abs := skew.Abs()
		switch {
		case abs >= MaxSkew:
			add(CheckClock, StatusFail, "the old DC's clock differs from this box's by %s; Kerberos allows less than %s: set both clocks right (NTP) before the join", abs.Round(time.Second), MaxSkew)
		case abs >= time.Minute:
			add(CheckClock, StatusWarn, "the old DC's clock differs from this box's by %s (Kerberos allows less than %s)", abs.Round(time.Second), MaxSkew)
		default:
			add(CheckClock, StatusOK, "the clocks differ by %s", abs.Round(time.Second))
		}
	}

	// Refuse already turned away levels below MinLevel; Build shows them.
	for _, l := range []struct {
		check, what string
		level       int
	}{{CheckDomainLevel, "domain", r.DomainLevel}, {CheckForestLevel, "forest", r.ForestLevel}} {
		if l.level < MinLevel {
			add(l.check, StatusFail, "%s functional level %s (%d), below %s", l.what, LevelName(l.level), l.level, LevelName(MinLevel))
		} else {
			add(l.check, StatusOK, "%s functional level %s (%d)", l.what, LevelName(l.level), l.level)
		}
	}
	switch {
	case f.SchemaErr != "":
		add(CheckSchema, StatusWarn, "cannot read the schema version: %s", f.SchemaErr)
	default:
		add(CheckSchema, StatusOK, "schema version %d (%s)", f.Schema, SchemaName(f.Schema))
	}

	switch {
	case f.FSMOErr != "":
		add(CheckFSMO, StatusWarn, "cannot read the FSMO role owners: %s", f.FSMOErr)
	default:
		owners := map[string]bool{}
		var missing []string
		for _, ro := range f.FSMO {
			if ro.Owner == "" {
				missing = append(missing, ro.Role)
				continue
			}
			owners[ro.Owner] = true
		}
		names := make([]string, 0, len(owners))
		for o := range owners {
			names = append(names, o)
		}
		slices.Sort(names)
		switch {
		case len(missing) > 0:
			add(CheckFSMO, StatusWarn, "no owner recorded for %s", strings.Join(missing, ", "))
		case len(names) == 1:
			add(CheckFSMO, StatusOK, "all five roles are held by %s", names[0])
		default:
			add(CheckFSMO, StatusWarn, "the roles are spread over %s: all of them must be reachable for the cut-over", strings.Join(names, ", "))
		}
	}

	r.shareChecks(f, add)
	r.accountChecks(f, add)

	switch {
	case f.DCsErr != "":
		add(CheckReplication, StatusNotChecked, "cannot list the domain controllers (%s); replication health is not checked from here: run 'repadmin /replsummary' on the old DC", f.DCsErr)
	case len(f.DCs) == 1:
		add(CheckReplication, StatusOK, "%s is the only domain controller: it has no replication partner", f.DCs[0])
	default:
		add(CheckReplication, StatusNotChecked, "%d domain controllers (%s); their replication health is not checked from here (samba-tool drs showrepl does not work against Windows remotely): run 'repadmin /replsummary' on the old DC and fix any error before the join; every one of them is demoted at the cut-over",
			len(f.DCs), strings.Join(f.DCs, ", "))
	}
	r.diskCheck(f, add)

	r.Phases = Phases(r)
	r.Ready = true
	for _, c := range r.Checks {
		if c.Status == StatusFail {
			r.Ready = false
		}
	}
	return r
}

type addFunc func(name string, st Status, format string, args ...any)

func (r *Report) dnsChecks(f Facts, add addFunc) {
	d := f.DNS
	if d.DomainErr != "" || len(d.Domain) == 0 {
		add(CheckDNSDomain, StatusFail, "the old DC's DNS does not answer for %s: %s", r.Domain, orNone(d.DomainErr))
	} else {
		add(CheckDNSDomain, StatusOK, "%s is %s", r.Domain, strings.Join(d.Domain, ", "))
	}
	srv := func(check, rec string, targets []string, err string) {
		name := rec + "." + r.Domain
		switch {
		case err != "" || len(targets) == 0:
			add(check, StatusFail, "no %s record: %s", name, orNone(err))
		case r.DC != "" && !slices.Contains(targets, r.DC):
			add(check, StatusWarn, "%s names %s but not the DC asked (%s)", name, strings.Join(targets, ", "), r.DC)
		default:
			add(check, StatusOK, "%s: %s", name, strings.Join(targets, ", "))
		}
	}
	srv(CheckDNSLDAP, "_ldap._tcp", d.LDAP, d.LDAPErr)
	srv(CheckDNSKerberos, "_kerberos._tcp", d.Kerberos, d.KerberosErr)
	switch {
	case d.DCHostErr != "" || len(d.DCHost) == 0:
		add(CheckDNSDC, StatusFail, "the DC's own name %s does not resolve: %s", r.DC, orNone(d.DCHostErr))
	case !slices.Contains(d.DCHost, hostOf(f.From)):
		add(CheckDNSDC, StatusWarn, "%s resolves to %s, not to the address asked (%s)", r.DC, strings.Join(d.DCHost, ", "), f.From)
	default:
		add(CheckDNSDC, StatusOK, "%s is %s", r.DC, strings.Join(d.DCHost, ", "))
	}
}

func orNone(s string) string {
	if s == "" {
		return "no answer"
	}
	return s
}

// hostOf strips a port from an address.
func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 && !strings.Contains(addr[i+1:], "]") && strings.Count(addr, ":") == 1 {
		return addr[:i]
	}
	return addr
}

func (r *Report) shareChecks(f Facts, add addFunc) {
	if f.SharesErr != "" {
		add(CheckSYSVOL, StatusFail, "cannot list the old server's shares: %s", f.SharesErr)
		add(CheckShares, StatusFail, "cannot list the old server's shares: %s", f.SharesErr)
		return
	}
	sysvol := false
	var walkErrs []string
	for i := range r.Shares {
		s := &r.Shares[i]
		switch strings.ToLower(s.Name) {
		case "sysvol":
			sysvol = true
			s.DomainShare = true
		case "netlogon":
			s.DomainShare = true
		}
		if s.DomainShare || !strings.EqualFold(s.Type, "Disk") {
			continue
		}
		if strings.HasSuffix(s.Name, "$") {
			continue // administrative shares are never copied
		}
		if err := site.ShareNameError(s.Name); err != nil {
			s.NameProblem = err.Error()
		}
		if s.WalkError != "" {
			walkErrs = append(walkErrs, s.Name)
		}
		r.CopyBytes += s.Bytes
		r.CopyFiles += s.Files
	}
	if sysvol {
		add(CheckSYSVOL, StatusOK, "the SYSVOL share is present")
	} else {
		add(CheckSYSVOL, StatusFail, "the old DC has no SYSVOL share: its group policies cannot be replicated; repair SYSVOL on the old DC first")
	}
	n := len(CopyShares(r.Shares))
	switch {
	case len(walkErrs) > 0:
		add(CheckShares, StatusWarn, "%s to copy, %s could not be counted: %s", plural(n, "share", "shares"), plural(len(walkErrs), "share", "shares"), strings.Join(walkErrs, ", "))
	default:
		add(CheckShares, StatusOK, "%s to copy: %s, %s", plural(n, "share", "shares"), plural(int(r.CopyFiles), "file", "files"), Bytes(r.CopyBytes))
	}
}

// CopyShares are the shares the files phase copies: disk shares that are
// neither the domain's own (SYSVOL, NETLOGON) nor administrative ($).
func CopyShares(shares []Share) []Share {
	var out []Share
	for _, s := range shares {
		if s.DomainShare || !strings.EqualFold(s.Type, "Disk") || strings.HasSuffix(s.Name, "$") {
			continue
		}
		out = append(out, s)
	}
	return out
}

func (r *Report) accountChecks(f Facts, add addFunc) {
	if f.AccountsErr != "" {
		add(CheckNames, StatusFail, "cannot list the users and groups: %s", f.AccountsErr)
		return
	}
	for _, a := range f.Accounts {
		switch a.Kind {
		case "user":
			r.Users++
			if a.Disabled {
				r.Disabled++
			}
		case "group":
			r.Groups++
		case "computer":
			r.Computers++
		}
	}
	r.Refused = RefusedNames(f.Accounts)
	if len(r.Refused) == 0 {
		add(CheckNames, StatusOK, "Posse accepts every user and group name")
		return
	}
	add(CheckNames, StatusWarn, "Posse's rules refuse %s: rename them before the join or leave them unmanaged by templates", plural(len(r.Refused), "name", "names"))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// diskCheck compares the estimated bytes to copy with the free space
// where the shares will live on this box.
func (r *Report) diskCheck(f Facts, add addFunc) {
	where := f.FreeWhere
	if where == "" {
		where = "this box"
	}
	switch {
	case f.SharesErr != "":
		return
	case f.FreeBytes <= 0:
		add(CheckDisk, StatusNotChecked, "the free space on %s is not known", where)
	case r.CopyBytes > f.FreeBytes:
		add(CheckDisk, StatusFail, "the shares to copy hold %s but %s has %s free: add a disk (possectl storage prepare) or copy fewer shares", Bytes(r.CopyBytes), where, Bytes(f.FreeBytes))
	case r.CopyBytes > f.FreeBytes/10*9:
		add(CheckDisk, StatusWarn, "the shares to copy hold %s and %s has %s free: little room is left", Bytes(r.CopyBytes), where, Bytes(f.FreeBytes))
	default:
		add(CheckDisk, StatusOK, "the shares to copy hold %s; %s has %s free", Bytes(r.CopyBytes), where, Bytes(f.FreeBytes))
	}
}
