// SPDX-License-Identifier: GPL-3.0-or-later

package staff

import (
	"testing"
)

func TestNamePart(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Müller", "mueller"},
		{"O'Brien", "obrien"},
		{"d’Alembert", "dalembert"},
		{"von der Heide", "vonderheide"},
		{"Anna Maria", "annamaria"},
		{"Müller-Lüdenscheidt", "mueller-luedenscheidt"},
		{"Jean--Luc", "jean-luc"},
		{"-Anna-", "anna"},
		{"Jean - Luc", "jean-luc"},
		{"Smith (geb. Meier)", "smithgebmeier"},
		{"王", ""},
		{"", ""},
	} {
		if got := namePart(c.in); got != c.want {
			t.Errorf("namePart(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestGroupName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Buchhaltung & Lohn", "buchhaltung-lohn"},
		{"IT / EDV", "it-edv"},
		{"Geschäftsführung", "geschaeftsfuehrung"},
		{"  Empfang  ", "empfang"},
		{"Röntgen_Labor 2", "roentgen-labor-2"},
		{"Ärztinnen und Ärzte", "aerztinnen-und-aerzte"},
	} {
		if got := groupName(c.in); got != c.want {
			t.Errorf("groupName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWorkgroup(t *testing.T) {
	for _, c := range []struct{ domain, want string }{
		{"mueller-partner.example", "MUELLER"},
		{"praxis-sonnenschein.de", "PRAXIS"},
		{"ab-cd.example", "ABCD"},
		{"steuerkanzlei.example", "STEUERKANZLEI"},
		{"zahnarztpraxisamsee.example", "ZAHNARZTPRAXISA"},
		{"ad.example", "ADNET"},
		{"ad-x.example", "ADX"}, // the part before the hyphen is too short
	} {
		if got := Workgroup(c.domain); got != c.want {
			t.Errorf("Workgroup(%q) = %q, want %q", c.domain, got, c.want)
		}
	}
}
