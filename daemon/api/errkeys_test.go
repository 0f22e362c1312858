// SPDX-License-Identifier: GPL-3.0-or-later

package api

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestErrorKeysListsEveryKey: every Key constant is in ErrorKeys, once,
// so a client's test of its translations sees a new key.
func TestErrorKeysListsEveryKey(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "errkeys.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Key") || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok {
			return true
		}
		v, _ := strconv.Unquote(lit.Value)
		n++
		if !slices.Contains(ErrorKeys, v) {
			t.Errorf("ErrorKeys lacks %s (%q)", vs.Names[0].Name, v)
		}
		return true
	})
	if n != len(ErrorKeys) || len(slices.Compact(slices.Clone(ErrorKeys))) != n {
		t.Errorf("%d Key constants, %d ErrorKeys (duplicates?)", n, len(ErrorKeys))
	}
}

func TestKeyed(t *testing.T) {
	base := errors.New("user anna already exists")
	err := fmt.Errorf("invalid input: %w", Keyed(base, KeyUserExists, "user", "anna"))
	if key, args := ErrorKey(err); key != KeyUserExists || args["user"] != "anna" || !errors.Is(err, base) || err.Error() != "invalid input: user anna already exists" {
		t.Errorf("key %q args %v, %v", key, args, err)
	}
	if Keyed(nil, KeyUserExists) != nil {
		t.Error("Keyed(nil) is not nil")
	}
	if key, args := ErrorKey(base); key != "" || args != nil {
		t.Errorf("an error without key: %q %v", key, args)
	}
}
