// SPDX-License-Identifier: GPL-3.0-or-later

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/posse-project/posse/client"
	"github.com/posse-project/posse/daemon/api"
	"github.com/spf13/cobra"
)

// batchFake imports CSV batches as possed does (problems name the line of
// the batch) and can fail one call as a deadline would.
type batchFake struct {
	usersBackend
	calls  int
	failAt int
	sizes  []int
}

func (f *batchFake) ImportUsers(_ context.Context, data []byte, dryRun bool) (api.ImportResult, error) {
	f.calls++
	if f.calls == f.failAt {
		return api.ImportResult{}, errors.New("context deadline exceeded")
	}
	r := csv.NewReader(bytes.NewReader(data))
	recs, err := r.ReadAll()
	if err != nil {
		return api.ImportResult{}, err
	}
	var res api.ImportResult
	for i, rec := range recs[1:] {
		if rec[0] == "bad" {
			res.Problems = append(res.Problems, fmt.Sprintf("line %d (bad): not a valid username", i+2))
			continue
		}
		res.Created = append(res.Created, rec[0])
		res.Passwords = append(res.Passwords, rec[0]+",Pw-"+rec[0])
	}
	f.sizes = append(f.sizes, len(recs)-1)
	return res, nil
}

func runImport(t *testing.T, be usersBackend, data string) (string, string, string, error) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "pw.csv")
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var o, e bytes.Buffer
	c := &cobra.Command{}
	c.SetOut(&o)
	c.SetErr(&e)
	c.SetContext(context.Background())
	err = daemonImport(c, be, "staff.csv", strings.NewReader(data), &passwordsFile{File: f, path: p}, p, false)
	pw, _ := os.ReadFile(p)
	return o.String(), e.String(), string(pw), err
}

func TestImportInBatchesKeepsEveryPassword(t *testing.T) {
	var b strings.Builder
	b.WriteString("username,given_name,surname\n")
	for i := range 120 {
		if i == 70 {
			b.WriteString("bad,\"Two\nLines\",X\n") // a quoted field over two lines
			continue
		}
		if i == 110 {
			b.WriteString("U005,Again,X\n") // the username of row 5, in a later batch
			continue
		}
		fmt.Fprintf(&b, "u%03d,G,S\n", i)
	}
	f := &batchFake{}
	out, errOut, pw, err := runImport(t, f, b.String())
	if err == nil || !strings.Contains(err.Error(), "2 rows were rejected") {
		t.Fatalf("err %v", err)
	}
	if len(f.sizes) != 3 || f.sizes[0] != client.ImportBatchSize || f.sizes[2] != 120-2*client.ImportBatchSize-1 {
		t.Errorf("batches %v", f.sizes)
	}
	if n := strings.Count(pw, "\n"); n != 118 || !strings.Contains(pw, "u119,Pw-u119") {
		t.Errorf("passwords file has %d lines", n)
	}
	// Row 70 starts on line 72 of the file (header, then one line per row).
	if !strings.Contains(errOut, "staff.csv:line 72 (bad)") {
		t.Errorf("problem not on the file's line:\n%s", errOut)
	}
	if !strings.Contains(errOut, "staff.csv:line 113 (u005): duplicate of line 7") {
		t.Errorf("a username given twice in different batches is not a problem:\n%s", errOut)
	}
	if !strings.Contains(out, "created 118 users") || !strings.Contains(errOut, "119 of 119 rows") {
		t.Errorf("output:\n%s\n%s", out, errOut)
	}
}

func TestImportStoppedSaysWhichRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("username,given_name,surname\n")
	for i := range 2*client.ImportBatchSize + 10 {
		fmt.Fprintf(&b, "u%03d,G,S\n", i)
	}
	f := &batchFake{failAt: 2}
	_, _, pw, err := runImport(t, f, b.String())
	if err == nil {
		t.Fatal("a failed batch passed")
	}
	want := fmt.Sprintf("lines %d–%d", client.ImportBatchSize+2, 2*client.ImportBatchSize+1)
	if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), fmt.Sprintf("%d users were created before", client.ImportBatchSize)) {
		t.Errorf("error %q lacks %q", err, want)
	}
	if n := strings.Count(pw, "\n"); n != client.ImportBatchSize {
		t.Errorf("passwords of the finished batch: %d lines, want %d", n, client.ImportBatchSize)
	}
}
