// SPDX-License-Identifier: GPL-3.0-or-later

package mail

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/posse-project/posse/internal/fsutil"
	"github.com/posse-project/posse/provisioning/host"
	"github.com/posse-project/posse/provisioning/site"
)

// DKIM key rotation, in three steps the integrator runs: rotate makes a
// key under a new selector that mail dns lists for publishing while the
// old one still signs; activate switches signing to it once its record
// is live; retire removes the old key, after a grace period, and mail dns
// stops listing it. The state lives next to the keys (backed up and
// restored with them) and survives every apply.
const (
	// DKIMRotationPath records each domain's selectors after a rotation.
	DKIMRotationPath = DKIMDir + "/rotation.json"
	// DKIMRetireGrace is how long an old key stays published after the
	// new one signs: longer than Postfix keeps a message in its queue
	// (5 days), so mail signed with the old key still verifies on a late
	// delivery.
	DKIMRetireGrace = 7 * 24 * time.Hour
)

// DKIM record roles in mail dns.
const (
	// DKIMSigning is the key Rspamd signs with.
	DKIMSigning = "signing"
	// DKIMNext is a new key waiting to be published and activated.
	DKIMNext = "next"
	// DKIMRetiring is an old key kept published until it is retired.
	DKIMRetiring = "retiring"
)

// DKIMRotationResult is what rotate, activate and retire report.
type DKIMRotationResult struct {
	Domain string `json:"domain"`
	// Signing is the selector that signs now.
	Signing string `json:"signing"`
	// Next is the selector waiting for activation.
	Next string `json:"next,omitempty"`
	// Retiring are the old selectors still published.
	Retiring []string `json:"retiring"`
	// Retired are the selectors whose keys this run removed.
	Retired []string `json:"retired,omitempty"`
	// Record is the DKIM record of Next (rotate) to publish.
	Record string `json:"record,omitempty"`
	// RetireAfter is when retire stops refusing without --force.
	RetireAfter *time.Time `json:"retire_after,omitempty"`
}

// dkimDomain loads the config and the state of domain d for a rotation
// command: an existing state, or one made from the template's selector.
func dkimDomain(st *site.Site, env *host.Env, d string) (Config, DKIMRotation, *DKIMDomainState, error) {
	c, err := NewConfig(st, env)
	if err != nil {
		return c, DKIMRotation{}, nil, err
	}
	if !c.DKIM {
		return c, DKIMRotation{}, nil, errors.New("DKIM signing is off (mail.dkim enabled: false): there is no key to rotate")
	}
	if !slices.Contains(c.Domains, d) {
		return c, DKIMRotation{}, nil, fmt.Errorf("%q is not a mail domain of the applied site: use one of %v", d, c.Domains)
	}
	r, err := readDKIMRotation(env)
	if err != nil {
		return c, r, nil, err
	}
	ds := r.current(d, c.DKIMSelector)
	if ds == nil {
		ds = &DKIMDomainState{Template: c.DKIMSelector, Signing: c.DKIMSelector}
		r.Domains[d] = ds
	}
	return c, r, ds, nil
}

func (ds *DKIMDomainState) result(d string) DKIMRotationResult {
	res := DKIMRotationResult{Domain: d, Signing: ds.Signing, Next: ds.Next, Retiring: slices.Clone(ds.Retiring)}
	if res.Retiring == nil {
		res.Retiring = []string{}
	}
	if len(ds.Retiring) > 0 && !ds.ActivatedAt.IsZero() {
		t := ds.ActivatedAt.Add(DKIMRetireGrace).UTC()
		res.RetireAfter = &t
	}
	return res
}

// newSelector is "posse" and the date, with -2, -3 … when that selector
// is taken (a key file or a selector of the state).
func newSelector(env *host.Env, d string, ds *DKIMDomainState, now time.Time) (string, error) {
	base := "posse" + now.UTC().Format("20060102")
	for i := 1; i < 100; i++ {
		sel := base
		if i > 1 {
			sel += "-" + strconv.Itoa(i)
		}
		if sel == ds.Signing || sel == ds.Template || slices.Contains(ds.Retiring, sel) {
			continue
		}
		cur, err := fsutil.ReadState(env.Path(DKIMKeyPath(d, sel)))
		if err != nil {
			return "", err
		}
		if !cur.Exists {
			return sel, nil
		}
	}
	return "", fmt.Errorf("no free selector %s-N for %s today: retire old keys first", base, d)
}

// RotateDKIM generates a key of domain d under a new selector. The old
// key keeps signing until ActivateDKIM; mail dns lists both.
func RotateDKIM(st *site.Site, env *host.Env, d string, now time.Time) (DKIMRotationResult, error) {
	_, r, ds, err := dkimDomain(st, env, d)
	if err != nil {
		return DKIMRotationResult{}, err
	}
	if ds.Next != "" {
		return ds.result(d), fmt.Errorf("the key of selector %s of %s waits for activation: publish its record ('possectl mail dns'), then run 'possectl mail dkim activate %s'", ds.Next, d, d)
	}
	if _, err := DKIMPublicKey(env, d, ds.Signing); err != nil {
		return DKIMRotationResult{}, err
	}
	sel, err := newSelector(env, d, ds, now)
	if err != nil {
		return DKIMRotationResult{}, err
	}
	if err := ensureDKIMKey(env, DKIMKeySpec{Path: DKIMKeyPath(d, sel), Domain: d, Selector: sel}); err != nil {
		return DKIMRotationResult{}, err
	}
	ds.Next = sel
	if err := writeDKIMRotation(env, r); err != nil {
		return DKIMRotationResult{}, err
	}
	res := ds.result(d)
	pub, err := DKIMPublicKey(env, d, sel)
	if err != nil {
		return res, err
	}
	res.Record = sel + "._domainkey." + d + " TXT \"v=DKIM1; k=rsa; p=" + pub + "\""
	return res, nil
}

// ActivateDKIM switches the signing of domain d to the rotated key:
// the state first, then Rspamd's dkim_signing.conf, checked with
// rspamadm configtest, and a reload of Rspamd. The key that signed so
// far stays published (retiring).
func ActivateDKIM(ctx context.Context, st *site.Site, env *host.Env, d string, now time.Time) (DKIMRotationResult, error) {
	_, r, ds, err := dkimDomain(st, env, d)
	if err != nil {
		return DKIMRotationResult{}, err
	}
	if ds.Next == "" {
		return ds.result(d), fmt.Errorf("%s has no rotated key to activate: run 'possectl mail dkim rotate %s' first", d, d)
	}
	if _, err := DKIMPublicKey(env, d, ds.Next); err != nil {
		return DKIMRotationResult{}, err
	}
	// Keeps the key; gives it back to _rspamd, whose id may differ after
	// a restore onto another box.
	if err := ensureDKIMKey(env, DKIMKeySpec{Path: DKIMKeyPath(d, ds.Next), Domain: d, Selector: ds.Next}); err != nil {
		return DKIMRotationResult{}, err
	}
	if !slices.Contains(ds.Retiring, ds.Signing) {
		ds.Retiring = append(ds.Retiring, ds.Signing)
	}
	ds.Signing, ds.Next, ds.ActivatedAt = ds.Next, "", now.UTC().Truncate(time.Second)
	if err := writeDKIMRotation(env, r); err != nil {
		return DKIMRotationResult{}, err
	}
	if err := reloadDKIMSigning(ctx, st, env); err != nil {
		return ds.result(d), fmt.Errorf("the rotation state says %s signs, but Rspamd was not switched: %w; apply the site to retry", ds.Signing, err)
	}
	return ds.result(d), nil
}

// RetireDKIM removes the keys of d that no longer sign. Before
// DKIMRetireGrace has passed since the activation it refuses unless
// force is set.
func RetireDKIM(st *site.Site, env *host.Env, d string, now time.Time, force bool) (DKIMRotationResult, error) {
	_, r, ds, err := dkimDomain(st, env, d)
	if err != nil {
		return DKIMRotationResult{}, err
	}
	if len(ds.Retiring) == 0 {
		return ds.result(d), fmt.Errorf("%s has no old DKIM key to retire: see 'possectl mail dns'", d)
	}
	if after := ds.ActivatedAt.Add(DKIMRetireGrace); !force && now.Before(after) {
		return ds.result(d), fmt.Errorf("selector %s of %s signs since %s: keep the old key published until %s (mail signed with it may still be in queues), or retire now with --force",
			ds.Signing, d, ds.ActivatedAt.UTC().Format(time.RFC3339), after.UTC().Format(time.RFC3339))
	}
	retired := ds.Retiring
	for _, sel := range retired {
		if err := os.Remove(env.Path(DKIMKeyPath(d, sel))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return ds.result(d), err
		}
	}
	ds.Retiring = nil
	if err := writeDKIMRotation(env, r); err != nil {
		return ds.result(d), err
	}
	res := ds.result(d)
	res.Retired = retired
	return res, nil
}

// reloadDKIMSigning renders dkim_signing.conf as an apply would, checks
// Rspamd's configuration and reloads it; a failed check puts the old
// file back.
func reloadDKIMSigning(ctx context.Context, st *site.Site, env *host.Env) error {
	c, err := NewConfig(st, env)
	if err != nil {
		return err
	}
	p := env.Path(RspamdDKIMSigningPath)
	prev, err := fsutil.ReadState(p)
	if err != nil {
		return err
	}
	uid, gid := fsutil.NoID, fsutil.NoID
	if !env.Offline {
		uid, gid = 0, 0
	}
	if _, err := fsutil.EnsureFile(p, []byte(RenderDKIMSigning(c)), fsutil.FromUnix(0o644), uid, gid); err != nil {
		return err
	}
	if env.Offline {
		return nil
	}
	res, err := env.Runner.Run(ctx, host.Cmd{Argv: rspamadmConfigtest})
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("rspamadm configtest exited %d", res.ExitCode)
	}
	if err != nil {
		if prev.Exists {
			fsutil.EnsureFile(p, prev.Data, prev.Mode, prev.UID, prev.GID)
		}
		return err
	}
	return env.Units.Reload(ctx, RspamdUnit)
}

// DKIM rotation operations of MailDKIM.
const (
	DKIMOpRotate   = "rotate"
	DKIMOpActivate = "activate"
	DKIMOpRetire   = "retire"
)

// MailDKIM runs a rotation step on domain d of the applied site st: op
// is DKIMOpRotate, DKIMOpActivate (refused while the new record is not
// in DNS as the box's resolver answers, unless force) or DKIMOpRetire
// (refused within DKIMRetireGrace, unless force). The result is a
// DKIMRotationResult (typed any so that possectl needs no import of this
// package).
func (s *Service) MailDKIM(ctx context.Context, st *site.Site, env *host.Env, op, d string, force bool) (any, error) {
	if st.Mail == nil {
		return nil, errors.New("the applied site has no mail section: add one to the template and apply it")
	}
	now := time.Now()
	switch op {
	case DKIMOpRotate:
		return RotateDKIM(st, env, d, now)
	case DKIMOpActivate:
		if !force {
			if err := s.nextLive(ctx, st, env, d); err != nil {
				return nil, err
			}
		}
		return ActivateDKIM(ctx, st, env, d, now)
	case DKIMOpRetire:
		return RetireDKIM(st, env, d, now, force)
	}
	return nil, fmt.Errorf("unknown DKIM operation %q", op)
}

// nextLive checks that DNS answers the rotated key of d.
func (s *Service) nextLive(ctx context.Context, st *site.Site, env *host.Env, d string) error {
	recs, err := DNSRecords(st, env)
	if err != nil {
		return err
	}
	var r Resolver = s.Resolver
	if s.Resolver == nil {
		r = net.DefaultResolver
	}
	for _, rec := range recs {
		if rec.Domain != d || rec.Role != DKIMNext {
			continue
		}
		checkRecord(ctx, r, &rec)
		if rec.Status != StatusOK {
			return fmt.Errorf("the new key's record %s TXT is %s in DNS as this box sees it: publish it ('possectl mail dns'), wait until it is live, then activate again (--force activates anyway)", rec.Name, rec.Status)
		}
		return nil
	}
	return fmt.Errorf("%s has no rotated key to activate: run 'possectl mail dkim rotate %s' first", d, d)
}
