// SPDX-License-Identifier: GPL-3.0-or-later

package box

import (
	"context"
	"time"

	"github.com/posse-project/posse/daemon/api"
	"github.com/posse-project/posse/services/notify"
)

// Alerts implements daemon.Backend: the recipients and the open problems
// from the state file the alerts' check runs keep. It reads the file only
// (the check runs on posse-notify.timer); a site without a notify section
// answers Configured false.
func (b *Box) Alerts(ctx context.Context) (api.Alerts, error) {
	s, _, err := b.applied()
	if err != nil {
		return api.Alerts{}, err
	}
	if s.Notify == nil {
		return api.Alerts{To: []string{}, Open: []api.Alert{}}, nil
	}
	st, err := b.NotifyStatus(ctx)
	if err != nil {
		return api.Alerts{}, err
	}
	return AlertsOf(st), nil
}

// AlertsOf turns the alerts' status into what possed reports.
func AlertsOf(st NotifyStatus) api.Alerts {
	a := api.Alerts{Configured: true, To: append([]string{}, st.To...), From: st.From, LastCheck: rfc3339(st.State.LastRun), Open: []api.Alert{}}
	for _, k := range st.State.Keys() {
		o := st.State.Open[k]
		a.Open = append(a.Open, api.Alert{Key: k, Subject: o.Subject, What: o.What, Next: o.Next, Since: rfc3339(o.FirstSeen), LastMail: rfc3339(o.LastSent)})
	}
	return a
}

// NotifyStatusOf turns what possed reports back into the alerts' status,
// as possectl notify status prints it in process.
func NotifyStatusOf(a api.Alerts) NotifyStatus {
	st := NotifyStatus{To: a.To, From: a.From, State: notify.State{LastRun: parseRFC3339(a.LastCheck), Open: map[string]*notify.Open{}}}
	for _, o := range a.Open {
		st.State.Open[o.Key] = &notify.Open{Problem: notify.Problem{Key: o.Key, Subject: o.Subject, What: o.What, Next: o.Next},
			FirstSeen: parseRFC3339(o.Since), LastSent: parseRFC3339(o.LastMail)}
	}
	return st
}

// rfc3339 formats t in UTC, "" for the zero time.
func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// parseRFC3339 parses s, the zero time when it is empty or not a time.
func parseRFC3339(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}
