// SPDX-License-Identifier: GPL-3.0-or-later

package site

import "testing"

func TestAddressHint(t *testing.T) {
	for addr, want := range map[string]string{
		"Anna@Example.com":       hintLowerCase,
		"büro@praxis.example":    "mail addresses hold only ASCII letters here: write umlauts and accents out, as in buero@praxis.example",
		"şükrü.öz@firma.example": "mail addresses hold only ASCII letters here: write umlauts and accents out, as in suekrue.oez@firma.example",
		"anna@@example.com":      hintAddress,
		"Ärger@@example.com":     hintAddress,
	} {
		if got := addressHint(addr); got != want {
			t.Errorf("addressHint(%q) = %q, want %q", addr, got, want)
		}
	}
}
