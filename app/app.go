// Package app holds the screens of the Posse desktop app, one file per
// screen: connect.go, shell.go (the main window), dashboard.go, users.go,
// groups.go, shares.go, mail.go, backup.go and template.go. Every daemon
// call goes through the Bridge (bridge.go), which runs it off the UI
// goroutine.
package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"github.com/posse-project/posse/client"
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
	loadTranslations()
	a := fyneapp.NewWithID(AppID)
	w := a.NewWindow("Posse")
	w.Resize(fyne.NewSize(o.Width, o.Height))
	c := NewConnectScreen(w, a.Preferences(), dialReal)
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
				w.SetContent(c.Content())
			})
		}
		w.SetCloseIntercept(func() { leave(w.Close) })
		w.SetContent(s.Content())
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
	default:
		w.SetContent(c.Content())
	}
	if o.Timing {
		a.Lifecycle().SetOnStarted(func() {
			go func() {
				// A frame is painted once the first queued UI call runs.
				fyne.DoAndWait(func() {})
				fmt.Printf("first frame after %v\n", time.Since(start).Round(time.Millisecond))
				if d := os.Getenv("POSSE_TIMING_HOLD"); d != "" {
					if t, err := time.ParseDuration(d); err == nil {
						time.Sleep(t)
					}
				}
				fyne.Do(a.Quit)
			}()
		})
	}
	w.ShowAndRun()
}

// dialReal connects to possed with polkit allowed to ask for a password.
func dialReal(ctx context.Context, host, acceptKey string) (Backend, error) {
	return client.Dial(ctx, client.Options{Host: host, AcceptHostKey: acceptKey, Interactive: true})
}
