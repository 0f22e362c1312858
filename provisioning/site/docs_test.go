// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// TestDocsCoverEveryKey checks that docs/templates.md names every template
// key, so the reference cannot silently fall behind the types.
func TestDocsCoverEveryKey(t *testing.T) {
	raw, err := os.ReadFile("../../docs/templates.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct {
			return
		}
		for _, f := range fieldsOf(ty).list {
			if !regexp.MustCompile("`([a-z_\\[\\]]*\\.)?" + regexp.QuoteMeta(f.key) + "([.\\[][a-z_.\\[\\]]*)?`").MatchString(doc) {
				t.Errorf("docs/templates.md does not mention `%s` (%s)", f.key, ty.Name())
			}
			walk(ty.FieldByIndex(f.index).Type)
		}
	}
	walk(reflect.TypeOf(Site{}))
}

// TestDocsSecretsExample parses the secrets file example in the docs.
func TestDocsSecretsExample(t *testing.T) {
	raw, err := os.ReadFile("../../docs/templates.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(raw), -1)
	found := false
	for _, b := range blocks {
		if !strings.Contains(b[1], "chmod 600") {
			continue
		}
		found = true
		st, ps := ParseSecrets("templates.md", []byte(b[1]))
		if len(ps) != 0 || st.Len() == 0 {
			t.Errorf("secrets example in the docs does not parse: %v", ps)
		}
	}
	if !found {
		t.Error("docs/templates.md has no secrets file example")
	}
}
