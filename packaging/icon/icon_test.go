// SPDX-License-Identifier: GPL-3.0-or-later

package icon

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func decode(t *testing.T, b []byte, what string) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return img
}

// TestPNGs checks every rendered PNG has its size, is square and has
// transparent corners (the icon is a rounded square), and that the
// embedded window icon is the 256 one.
func TestPNGs(t *testing.T) {
	for _, size := range Sizes {
		name := fmt.Sprintf("posse-%d.png", size)
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%v (run render.sh)", err)
		}
		img := decode(t, b, name)
		if r := img.Bounds(); r.Dx() != size || r.Dy() != size {
			t.Errorf("%s is %dx%d, want %dx%d", name, r.Dx(), r.Dy(), size, size)
			continue
		}
		r := img.Bounds()
		for _, p := range []image.Point{r.Min, {r.Max.X - 1, r.Min.Y}, {r.Min.X, r.Max.Y - 1}, {r.Max.X - 1, r.Max.Y - 1}} {
			if _, _, _, a := img.At(p.X, p.Y).RGBA(); a != 0 {
				t.Errorf("%s: corner %v is not transparent", name, p)
			}
		}
		if _, _, _, a := img.At(size/2, size/2).RGBA(); a != 0xffff {
			t.Errorf("%s: the centre is not opaque", name)
		}
	}
	if r := decode(t, PNG, "embedded icon").Bounds(); r.Dx() != 256 || r.Dy() != 256 {
		t.Errorf("embedded icon is %dx%d, want 256x256", r.Dx(), r.Dy())
	}
}

// TestSVG checks the source is an SVG on the 256 grid, and render.sh
// renders the sizes of Sizes.
func TestSVG(t *testing.T) {
	b, err := os.ReadFile("posse.svg")
	if err != nil {
		t.Fatal(err)
	}
	var svg struct {
		XMLName xml.Name
		ViewBox string `xml:"viewBox,attr"`
	}
	if err := xml.Unmarshal(b, &svg); err != nil {
		t.Fatalf("posse.svg: %v", err)
	}
	if svg.XMLName.Local != "svg" || svg.XMLName.Space != "http://www.w3.org/2000/svg" || svg.ViewBox != "0 0 256 256" {
		t.Errorf("posse.svg: root %v, viewBox %q; want an svg element with viewBox 0 0 256 256", svg.XMLName, svg.ViewBox)
	}
	sh, err := os.ReadFile("render.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`for size in ([0-9 ]+);`).FindSubmatch(sh)
	if m == nil || strings.Join(strings.Fields(string(m[1])), " ") != strings.Trim(fmt.Sprint(Sizes), "[]") {
		t.Errorf("render.sh does not render the sizes %v", Sizes)
	}
}

// TestRenderedFromSVG renders posse.svg again (needs rsvg-convert; skipped
// without it) and checks the committed PNGs are renderings of it, not of
// an older drawing. Other versions of librsvg anti-alias a little
// differently, so a few pixels may differ.
func TestRenderedFromSVG(t *testing.T) {
	rsvg, err := exec.LookPath("rsvg-convert")
	if err != nil {
		t.Skip("rsvg-convert is not installed (apt-get install librsvg2-bin): the PNGs were not compared with posse.svg")
	}
	dir := t.TempDir()
	for _, size := range Sizes {
		out := filepath.Join(dir, fmt.Sprintf("%d.png", size))
		if b, err := exec.Command(rsvg, "-w", fmt.Sprint(size), "-h", fmt.Sprint(size), "-o", out, "posse.svg").CombinedOutput(); err != nil {
			t.Fatalf("rsvg-convert: %v\n%s", err, b)
		}
		fresh, _ := os.ReadFile(out)
		committed, err := os.ReadFile(fmt.Sprintf("posse-%d.png", size))
		if err != nil {
			t.Fatal(err)
		}
		a, b := decode(t, fresh, out), decode(t, committed, "committed")
		if a.Bounds() != b.Bounds() {
			t.Errorf("posse-%d.png: %v, rendered %v", size, b.Bounds(), a.Bounds())
			continue
		}
		differ := 0
		r := a.Bounds()
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if far(a.At(x, y), b.At(x, y)) {
					differ++
				}
			}
		}
		if differ*100 > r.Dx()*r.Dy() {
			t.Errorf("posse-%d.png differs from posse.svg in %d of %d pixels: run packaging/icon/render.sh", size, differ, r.Dx()*r.Dy())
		}
	}
}

// far says whether two colours differ by more than 1/8 in a channel.
func far(a, b interface{ RGBA() (r, g, b, a uint32) }) bool {
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	for _, d := range [][2]uint32{{ar, br}, {ag, bg}, {ab, bb}, {aa, ba}} {
		if max(d[0], d[1])-min(d[0], d[1]) > 0xffff/8 {
			return true
		}
	}
	return false
}

// TestInstalled checks the Debian package posse-desktop installs every
// PNG into the hicolor theme under the name the desktop entry uses, and
// the SVG as the scalable icon, and that FyneApp.toml names the embedded
// icon.
func TestInstalled(t *testing.T) {
	b, err := os.ReadFile("../deb/posse-desktop.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Contents []struct {
			Src string `yaml:"src"`
			Dst string `yaml:"dst"`
		} `yaml:"contents"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("posse-desktop.yaml: %v", err)
	}
	installed := map[string]string{}
	for _, c := range cfg.Contents {
		installed[c.Dst] = c.Src
	}
	want := map[string]string{"/usr/share/icons/hicolor/scalable/apps/posse.svg": "packaging/icon/posse.svg"}
	for _, size := range Sizes {
		want[fmt.Sprintf("/usr/share/icons/hicolor/%dx%d/apps/posse.png", size, size)] = fmt.Sprintf("packaging/icon/posse-%d.png", size)
	}
	for dst, src := range want {
		if installed[dst] != src {
			t.Errorf("posse-desktop.yaml installs %q as %s, want %s", installed[dst], dst, src)
		}
	}
	for dst, src := range installed {
		if strings.Contains(dst, "/icons/") && want[dst] == "" {
			t.Errorf("posse-desktop.yaml installs an icon %s (from %s) that is not one of these", dst, src)
		}
	}

	desktop, err := os.ReadFile("../deb/org.posse.Posse.desktop")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^Icon=posse$`).Match(desktop) {
		t.Error("org.posse.Posse.desktop: want Icon=posse")
	}

	toml, err := os.ReadFile("../../FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^Icon = "packaging/icon/posse-256.png"$`).Match(toml) {
		t.Error(`FyneApp.toml: want Icon = "packaging/icon/posse-256.png", the icon the app embeds`)
	}
}
