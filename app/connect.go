// SPDX-License-Identifier: GPL-3.0-or-later

package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
)

// Dialer connects to possed on host ("" = this computer), accepting an
// unknown SSH host key only when its fingerprint equals acceptKey.
type Dialer func(ctx context.Context, host, acceptKey string) (Backend, error)

const prefRecent = "recentBoxes"

// ConnectScreen asks which box to manage: this computer or user@host over
// SSH, with the recently used boxes one click away. An unknown SSH host
// key is shown with its fingerprint for the person to confirm.
type ConnectScreen struct {
	win   fyne.Window
	prefs fyne.Preferences
	dial  Dialer
	// Sync runs the connection on the caller's goroutine (tests).
	Sync bool
	// OnConnected is called on the UI goroutine with the connected box.
	OnConnected func(*Bridge)
	// OnDemo, when set, offers to try the app with demo data.
	OnDemo func()
	// OnFleet, when set, offers to go back to the fleet screen.
	OnFleet func()

	where    *widget.RadioGroup
	host     *widget.Entry
	connect  *widget.Button
	status   *widget.Label
	progress *widget.ProgressBarInfinite
	recent   *fyne.Container
}

const (
	whereLocal  = "This computer"
	whereRemote = "Another box over SSH"
)

// NewConnectScreen builds the screen.
func NewConnectScreen(w fyne.Window, prefs fyne.Preferences, dial Dialer) *ConnectScreen {
	c := &ConnectScreen{win: w, prefs: prefs, dial: dial}
	c.host = widget.NewEntry()
	c.host.SetPlaceHolder("admin@server.example.lan")
	c.host.OnSubmitted = func(string) { c.connectNow() }
	c.where = widget.NewRadioGroup([]string{tr(whereLocal), tr(whereRemote)}, func(s string) {
		if s == tr(whereLocal) {
			c.host.Disable()
		} else {
			c.host.Enable()
		}
	})
	c.where.SetSelected(tr(whereLocal))
	c.connect = widget.NewButtonWithIcon(tr("Connect"), theme.LoginIcon(), c.connectNow)
	c.connect.Importance = widget.HighImportance
	c.status = widget.NewLabel("")
	c.status.Wrapping = fyne.TextWrapWord
	c.progress = widget.NewProgressBarInfinite()
	c.progress.Hide()
	c.progress.Stop()
	c.recent = container.NewVBox()
	c.fillRecent()
	return c
}

// Content returns the screen's widget tree.
func (c *ConnectScreen) Content() fyne.CanvasObject {
	title := widget.NewLabelWithStyle(tr("Connect to a Posse box"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.SizeName = theme.SizeNameSubHeadingText
	intro := widget.NewLabel(tr("Choose the server you want to manage. For a remote box, enter the account you log in with over SSH."))
	intro.Wrapping = fyne.TextWrapWord
	top := container.NewBorder(nil, nil, nil, languageSelect(c.SwitchLanguage), title)
	form := container.NewVBox(top, intro, c.where, c.host,
		container.NewHBox(layout.NewSpacer(), c.connect), c.progress, c.status,
		widget.NewSeparator(), widget.NewLabelWithStyle(tr("Recent boxes"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), c.recent)
	if c.OnDemo != nil {
		demo := widget.NewButtonWithIcon(tr("Try it with demo data"), theme.MediaPlayIcon(), c.OnDemo)
		demo.Importance = widget.LowImportance
		form.Add(widget.NewSeparator())
		form.Add(container.NewHBox(demo))
	}
	if c.OnFleet != nil {
		back := widget.NewButtonWithIcon(tr("All your boxes"), theme.NavigateBackIcon(), c.OnFleet)
		back.Importance = widget.LowImportance
		form.Objects = append([]fyne.CanvasObject{container.NewHBox(back)}, form.Objects...)
	}
	card := container.NewPadded(form)
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(520, 600), card))
}

func (c *ConnectScreen) fillRecent() {
	c.recent.RemoveAll()
	list := c.prefs.StringList(prefRecent)
	if len(list) == 0 {
		c.recent.Add(widget.NewLabel(tr("None yet.")))
	}
	for _, h := range list {
		h := h
		name := h
		if h == "" {
			name = tr(whereLocal)
		}
		b := widget.NewButtonWithIcon(name, theme.ComputerIcon(), func() { c.Connect(h, "") })
		b.Alignment = widget.ButtonAlignLeading
		c.recent.Add(b)
	}
	c.recent.Refresh()
}

func (c *ConnectScreen) remember(host string) {
	list := []string{host}
	for _, h := range c.prefs.StringList(prefRecent) {
		if h != host && len(list) < 6 {
			list = append(list, h)
		}
	}
	c.prefs.SetStringList(prefRecent, list)
}

func (c *ConnectScreen) connectNow() {
	host := ""
	if c.where.Selected == tr(whereRemote) {
		host = strings.TrimSpace(c.host.Text)
		if host == "" || !strings.Contains(host, "@") {
			infoDialog(c.win, tr("Which box?"), tr("Enter the box as user@host, for example admin@server.example.lan."))
			return
		}
	}
	c.Connect(host, "")
}

// Connect connects to host ("" = this computer); acceptKey is a host key
// fingerprint the person confirmed.
func (c *ConnectScreen) Connect(host, acceptKey string) {
	name := host
	if host == "" {
		name = tr(whereLocal)
	}
	c.status.SetText(tr("Connecting to %s…", name))
	c.busy(true)
	br := &Bridge{Box: host, Sync: c.Sync}
	br.do(func(ctx context.Context, _ Backend) error {
		be, err := c.dial(ctx, host, acceptKey)
		if err != nil {
			return err
		}
		br.Backend = be
		return nil
	}, func(err error) {
		c.busy(false)
		if err != nil {
			c.failed(host, err)
			return
		}
		c.remember(host)
		c.Finish(br)
	})
}

func (c *ConnectScreen) busy(on bool) {
	if on {
		c.connect.Disable()
		c.progress.Show()
		c.progress.Start()
		return
	}
	c.connect.Enable()
	c.progress.Stop()
	c.progress.Hide()
}

func (c *ConnectScreen) failed(host string, err error) {
	var hk *client.HostKeyError
	if errors.As(err, &hk) {
		c.status.SetText("")
		c.askHostKey(host, hk)
		return
	}
	c.status.SetText(tr("Not connected."))
	var ce *client.Error
	if host == "" && !errors.As(err, &ce) {
		// No bus or no possed here: not a box that is switched off.
		showErrorAdvice(c.win, tr("Cannot connect"), err, tr("Posse does not answer on this computer. On the server itself, install the posse package; from a desktop, connect to the server over SSH."))
		return
	}
	showError(c.win, tr("Cannot connect"), err)
}

// askHostKey shows an unknown key's fingerprint for the person to compare
// with the box's; a changed key is refused outright.
func (c *ConnectScreen) askHostKey(host string, hk *client.HostKeyError) {
	fp := widget.NewLabelWithStyle(hk.Fingerprint, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	fp.Selectable = true
	if hk.Changed {
		msg := widget.NewLabel(tr("The SSH host key of %s has CHANGED since the last connection. Someone may be intercepting the connection. If the box was reinstalled, ask its administrator to confirm the new key, then remove the old one from %s (line %d).", hk.Host, hk.KnownHosts, hk.Line))
		msg.Wrapping = fyne.TextWrapWord
		d := dialog.NewCustom(tr("Host key changed"), tr("Close"), container.NewVBox(msg, widget.NewLabel(tr("New fingerprint:")), fp), c.win)
		d.Resize(fyne.NewSize(520, 300))
		showDialog(c.win, d)
		return
	}
	msg := widget.NewLabel(tr("This is the first connection to %s. Compare the key's fingerprint with the one on the box (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and connect only if they match.", hk.Host))
	msg.Wrapping = fyne.TextWrapWord
	body := container.NewVBox(msg, widget.NewForm(widget.NewFormItem(tr("Key type"), widget.NewLabel(hk.KeyType)), widget.NewFormItem(tr("Fingerprint"), fp)))
	d := dialog.NewCustomConfirm(tr("Unknown host key"), tr("Fingerprints match, connect"), tr("Cancel"), body, func(ok bool) {
		if ok {
			c.Connect(host, hk.Fingerprint)
		}
	}, c.win)
	d.Resize(fyne.NewSize(560, 300))
	showDialog(c.win, d)
}

// Finish finds out what the connected person may do, then hands the box
// to OnConnected. The probes do not let polkit ask for a password: a
// site-level read that is refused while user management is allowed means
// office-manager mode (posse-office: Users and a read-only Dashboard).
// Someone refused both may still authenticate when acting, so they get
// every screen.
func (c *ConnectScreen) Finish(br *Bridge) {
	br.Sync = br.Sync || c.Sync
	var st api.Status
	br.do(func(ctx context.Context, be Backend) error {
		var err error
		if st, err = be.Status(ctx); err != nil {
			return err
		}
		probe := nonInteractive(be)
		if _, err := probe.Shares(ctx); client.IsNotAuthorized(err) {
			_, err := probe.Users(ctx, "posse-probe")
			br.OfficeManager = err == nil || !client.IsNotAuthorized(err)
		}
		return nil
	}, func(err error) {
		if err != nil {
			c.status.SetText(tr("Not connected."))
			showError(c.win, tr("The box does not answer"), err)
			return
		}
		br.Hostname = st.Hostname
		if br.Box == "" {
			br.Box = st.Hostname
		}
		if c.OnConnected != nil {
			c.OnConnected(br)
		}
	})
}

// nonInteractive returns be without polkit's password prompts, on the same
// connection, for probing what the person may do.
func nonInteractive(be Backend) Backend {
	c, ok := be.(*client.Client)
	if d, isDialled := be.(*dialled); isDialled {
		c, ok = d.Client, true
	}
	if ok {
		return client.NewFromConn(c.Conn(), client.Options{CallTimeout: 30 * time.Second})
	}
	return be
}
