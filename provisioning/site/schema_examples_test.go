// SPDX-License-Identifier: GPL-3.0-or-later

package site

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// compileSchema compiles the generated schema with a real JSON Schema
// implementation.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("site.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("site.schema.json")
	if err != nil {
		t.Fatalf("schema does not compile: %v", err)
	}
	return sch
}

// yamlToJSONValue turns YAML into the generic JSON value an editor's
// yaml-language-server would check.
func yamlToJSONValue(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSchemaAcceptsExamples checks the schema against the examples, so the
// schema never refuses a valid template.
func TestSchemaAcceptsExamples(t *testing.T) {
	sch := compileSchema(t)
	files, _ := filepath.Glob("../../examples/*.yaml")
	for _, f := range files {
		if strings.HasSuffix(f, ".secrets.yaml") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(yamlToJSONValue(t, data)); err != nil {
			t.Errorf("%s: schema refuses a valid example: %v", f, err)
		}
	}
}

// TestSchemaRefuses checks that the schema catches what editors should
// flag: unknown keys, bad names, inline passwords, missing keys.
func TestSchemaRefuses(t *testing.T) {
	sch := compileSchema(t)
	for name, y := range map[string]string{
		"unknown key":     minimalYAML + "sahres: []\n",
		"bad username":    strings.Replace(minimalYAML, "username: anna", "username: '*)(uid=*'", 1),
		"inline password": strings.Replace(minimalYAML, "${secret:anna}", "hunter2", 1),
		"missing domain":  strings.Replace(minimalYAML, "  domain: test.example\n", "", 1),
		"version 2":       strings.Replace(minimalYAML, "version: 1", "version: 2", 1),
		"bad include":     minimalYAML + "backup: {repository: /srv/b, password: '${secret:b}', schedule: daily, keep: {daily: 1}, include: [everything]}\n",
	} {
		if err := sch.Validate(yamlToJSONValue(t, []byte(y))); err == nil {
			t.Errorf("%s: schema accepts it", name)
		}
	}
	if err := sch.Validate(yamlToJSONValue(t, []byte(minimalYAML))); err != nil {
		t.Errorf("schema refuses the minimal template: %v", err)
	}
}
