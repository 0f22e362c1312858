// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files and docs/site.schema.json")

const schemaFile = "../../docs/site.schema.json"

// TestSchemaInSync fails when docs/site.schema.json differs from what the Go
// types generate; run go test ./provisioning/site -run Schema -update.
func TestSchemaInSync(t *testing.T) {
	got, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date: run go test ./provisioning/site -run Schema -update", schemaFile)
	}
}

// TestSchemaCoversEveryKey checks the metadata table against the types in
// both directions, so adding a field without describing it fails.
func TestSchemaCoversEveryKey(t *testing.T) {
	seen := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct {
			return
		}
		for _, f := range fieldsOf(ty).list {
			k := ty.Name() + "." + f.key
			seen[k] = true
			if m, ok := schemaFields[k]; !ok || m.desc == "" {
				t.Errorf("%s has no schema description", k)
			}
			walk(ty.FieldByIndex(f.index).Type)
		}
	}
	walk(reflect.TypeOf(Site{}))
	for k := range schemaFields {
		if !seen[k] {
			t.Errorf("schema metadata %s matches no template key", k)
		}
	}
	for k := range schemaItems {
		if !seen[k] {
			t.Errorf("schema item metadata %s matches no template key", k)
		}
	}
}

// TestSchemaShape spot-checks the generated schema and that its patterns
// compile.
func TestSchemaShape(t *testing.T) {
	raw, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if s["additionalProperties"] != false {
		t.Error("root must refuse additional properties")
	}
	users := s["properties"].(map[string]any)["users"].(map[string]any)["items"].(map[string]any)
	if users["additionalProperties"] != false || users["required"].([]any)[0] != "username" {
		t.Errorf("users items: %v", users)
	}
	if p := users["properties"].(map[string]any)["username"].(map[string]any)["pattern"]; p != UsernamePattern {
		t.Errorf("username pattern = %v", p)
	}
	var check func(any)
	check = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if p, ok := v["pattern"].(string); ok {
				if _, err := regexp.Compile(p); err != nil {
					t.Errorf("pattern %q: %v", p, err)
				}
			}
			for _, c := range v {
				check(c)
			}
		case []any:
			for _, c := range v {
				check(c)
			}
		}
	}
	check(s)
}
