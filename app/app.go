// SPDX-License-Identifier: GPL-3.0-or-later

// Package app holds the screens of the Posse desktop app, one file per
// screen: connect.go, shell.go (the main window), dashboard.go, users.go,
// groups.go, shares.go, mail.go, backup.go and template.go. Every daemon
// call goes through the Bridge (bridge.go), which runs it off the UI
// goroutine.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/client/fleet"
	"github.com/posse-project/posse/packaging/icon"
)

// AppID is the app's identity (preferences, desktop file).
const AppID = "org.posse.Posse"

// Options are the command line's choices.
type Options struct {
	// Demo uses built-in demo data instead of a box.
	Demo bool
	// DemoUsers is the number of demo users.
	DemoUsers int
	// Host connects to user@host over SSH right away.
	Host string
	// Local connects to this computer's possed right away.
	Local bool
	// Bus connects to possed on this D-Bus address right away (a sandbox
	// box's system bus, for example); it implies Local.
	Bus string
	// Screen opens this screen first (dashboard, users, groups, shares,
	// mail, backup, template, setup).
	Screen string
	// Template opens this site template in the template screen.
	Template string
	// Width and Height are the window's size.
	Width, Height float32
	// DemoNew shows the demo as a fresh box without a site.
	DemoNew bool
	// DemoOffice shows the demo as an office manager sees it.
	DemoOffice bool
	// Timing prints the time to the first frame and exits.
	Timing bool
}

// ParseArgs reads the command line (without the program name).
func ParseArgs(args []string, stderr io.Writer) (Options, error) {
	var o Options
	fs := flag.NewFlagSet("posse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.Demo, "demo", os.Getenv("POSSE_DEMO") == "1", "show built-in demo data (a German tax office) instead of a box")
	fs.IntVar(&o.DemoUsers, "demo-users", 60, "number of users in the demo data")
	fs.BoolVar(&o.DemoOffice, "demo-office", false, "with --demo: see the box as an office manager (users only)")
	fs.BoolVar(&o.DemoNew, "demo-new", false, "with --demo: a fresh box without a site (shows the setup)")
	fs.StringVar(&o.Host, "host", "", "connect to `user@host` over SSH")
	fs.BoolVar(&o.Local, "local", false, "connect to this computer's possed right away")
	fs.StringVar(&o.Bus, "bus", "", "connect right away to possed on the D-Bus `address` (such as unix:path=/proc/PID/root/run/dbus/system_bus_socket for a sandbox box)")
	fs.StringVar(&o.Screen, "screen", "", "open this screen first: dashboard, users, groups, shares, mail, backup, template, setup")
	w := fs.Int("width", 1280, "window width")
	h := fs.Int("height", 800, "window height")
	fs.BoolVar(&o.Timing, "timing", false, "print the time from start to the first frame, then quit")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: posse [flags] [site-template.yaml]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.Width, o.Height = float32(*w), float32(*h)
	if o.Bus != "" {
		o.Local = true
	}
	if o.Local && o.Host != "" {
		fmt.Fprintln(stderr, "posse: --local and --bus are for this computer, --host for a remote box: choose one")
		return o, errors.New("--local with --host")
	}
	if fs.NArg() > 0 {
		o.Template = fs.Arg(0)
		if o.Screen == "" {
			o.Screen = "template"
		}
	}
	return o, nil
}

// Run starts the app and blocks until its window closes.
func Run(o Options) {
	start := time.Now()
	tuneMemory()
	loadTranslations()
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(fyne.NewStaticResource("posse.png", icon.PNG))
	applyLanguagePreference(a.Preferences())
	w := a.NewWindow("Posse")
	w.Resize(fyne.NewSize(o.Width, o.Height))
	c := NewConnectScreen(w, a.Preferences(), dialer(o.Bus))
	// With two or more boxes in the fleet file (possectl fleet add), the
	// app opens on the fleet screen; the connect screen leads back to it.
	fl := openFleet(w, c)
	home := c.Content
	if fl != nil {
		home = fl.Content
	}
	c.OnConnected = func(br *Bridge) {
		s := NewShell(w, br, o)
		leave := func(then func()) {
			if !s.Busy() {
				then()
				return
			}
			confirm(w, tr("An apply is running"),
				tr("The box finishes the apply (or rolls it back) on its own, but you will not see how it ends. Leave anyway?"),
				tr("Leave"), then)
		}
		s.OnSwitchBox = func() {
			leave(func() {
				s.Stop()
				br.Backend.Close()
				w.SetTitle("Posse")
				w.SetContent(home())
			})
		}
		w.SetCloseIntercept(func() { leave(w.Close) })
		w.SetContent(s.Content())
		s.LearnZone()
		s.Open(o.Screen)
		s.StartRefresh()
	}
	demo := func() {
		d := NewDemo(o.DemoUsers)
		d.Step = 250 * time.Millisecond
		d.OfficeManager = o.DemoOffice
		d.NoSite = o.DemoNew
		c.Finish(&Bridge{Backend: d, Box: DemoHost, Demo: true})
	}
	c.OnDemo = demo
	switch {
	case o.Demo:
		demo()
	case o.Host != "":
		w.SetContent(c.Content())
		c.Connect(o.Host, "")
	case o.Local:
		w.SetContent(c.Content())
		c.Connect("", "")
	case fl != nil:
		w.SetContent(fl.Content())
		fl.Refresh()
	default:
		w.SetContent(c.Content())
	}
	a.Lifecycle().SetOnStarted(func() {
		go func() {
			// A frame is painted once the first queued UI call runs.
			fyne.DoAndWait(func() {})
			if o.Timing {
				fmt.Printf("first frame after %v\n", time.Since(start).Round(time.Millisecond))
			}
			// Starting leaves garbage (fonts parsed, the first layouts):
			// give it back once the first frames are drawn.
			time.Sleep(time.Second)
			releaseMemory()
			if !o.Timing {
				return
			}
			if d := os.Getenv("POSSE_TIMING_HOLD"); d != "" {
				if t, err := time.ParseDuration(d); err == nil {
					time.Sleep(t)
				}
				fmt.Println(memoryReport())
				if f := os.Getenv("POSSE_HEAP_PROFILE"); f != "" {
					writeHeapProfile(f)
				}
			}
			fyne.Do(a.Quit)
		}()
	})
	w.ShowAndRun()
}

// openFleet reads the fleet file and returns its screen, wired to the
// connect screen, when it lists two or more boxes; nil otherwise. A fleet
// file that cannot be read is reported and the app opens as without one.
func openFleet(w fyne.Window, c *ConnectScreen) *FleetScreen {
	dir, err := fleet.Dir()
	var f *fleet.File
	if err == nil {
		f, err = fleet.Load(dir)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "posse: the fleet file: %v\n", err)
		return nil
	}
	if len(f.Boxes) < 2 {
		return nil
	}
	fl := NewFleetScreen(w, f.Boxes, newFleetProber())
	fl.OnOpen = func(host string) {
		c.where.SetSelected(tr(whereRemote))
		c.host.SetText(host)
		w.SetContent(c.Content())
		c.Connect(host, "")
	}
	fl.OnConnect = func() { w.SetContent(c.Content()) }
	c.OnFleet = func() { w.SetContent(fl.Content()) }
	return fl
}

// dialer connects to possed with polkit allowed to ask for a password;
// "this computer" means the D-Bus at bus when it is set (--bus).
//
// godbus closes a connection when the context it was dialled with ends,
// and the Bridge ends a call's context as soon as the call returns: the
// connection is dialled with a context of its own, cancelled when the dial
// is abandoned (ctx ends first) or the connection is closed.
func dialer(bus string) Dialer {
	return func(ctx context.Context, host, acceptKey string) (Backend, error) {
		o := client.Options{Host: host, AcceptHostKey: acceptKey, Interactive: true}
		if host == "" {
			o.BusAddress = bus
		}
		life, cancel := context.WithCancel(context.WithoutCancel(ctx))
		type result struct {
			c   *client.Client
			err error
		}
		ch := make(chan result, 1)
		go func() {
			c, err := client.Dial(life, o)
			ch <- result{c, err}
		}()
		select {
		case r := <-ch:
			if r.err != nil {
				cancel()
				return nil, r.err
			}
			return &dialled{Client: r.c, cancel: cancel}, nil
		case <-ctx.Done():
			cancel()
			return nil, ctx.Err()
		}
	}
}

// dialled is a connection with the context it lives by.
type dialled struct {
	*client.Client
	cancel context.CancelFunc
}

func (d *dialled) Close() error {
	err := d.Client.Close()
	d.cancel()
	return err
}
