// SPDX-License-Identifier: GPL-3.0-or-later

package client

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// ImportBatchSize is how many CSV rows one Users.Import call carries. One
// user costs Samba 30–90 ms, so a batch ends far inside the call's
// deadline even on a busy box, and the passwords of every finished batch
// are written (and synced) before the next starts: an interrupted import
// loses at most one batch's passwords, and says which rows.
const ImportBatchSize = 50

// ImportBatch is a part of the CSV with its header, and where its rows
// start in the original file.
type ImportBatch struct {
	CSV       []byte
	FirstLine int // line of the first row in the original file
	LastLine  int // line of the last row
	// Rows is the number of rows, -1 when the file was sent whole.
	Rows int
	// lines maps a line of the batch to the line of the original file.
	lines map[int]int
}

// SplitImport cuts a CSV into batches of n rows, each with the header.
// Quoted fields may span lines; line numbers follow the original file. A
// row whose username an earlier row already has is left out and returned
// as a problem (possed sees one batch at a time and would take the second
// row for an existing user).
func SplitImport(data []byte, n int) ([]ImportBatch, []string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = false
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, errors.New("the CSV file is empty: its first line must name the columns")
		}
		return nil, nil, err
	}
	userCol := -1
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(h), "username") {
			userCol = i
		}
	}
	seen := map[string]int{}
	var dups []string
	var batches []ImportBatch
	var cur *ImportBatch
	var buf bytes.Buffer
	var w *csv.Writer
	flush := func() {
		if cur == nil {
			return
		}
		w.Flush()
		cur.CSV = append([]byte(nil), buf.Bytes()...)
		batches = append(batches, *cur)
		cur = nil
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// Leave the judgement of a malformed line to possed, which
			// names it: send the rest of the file unsplit.
			return []ImportBatch{{CSV: data, FirstLine: 2, Rows: -1}}, nil, nil
		}
		line, _ := r.FieldPos(0)
		if userCol >= 0 && userCol < len(rec) {
			name := strings.ToLower(strings.TrimSpace(rec[userCol]))
			if first, ok := seen[name]; ok && name != "" {
				dups = append(dups, fmt.Sprintf("line %d (%s): duplicate of line %d", line, name, first))
				continue
			}
			seen[name] = line
		}
		if cur == nil {
			buf.Reset()
			w = csv.NewWriter(&buf)
			w.Write(header)
			cur = &ImportBatch{FirstLine: line, lines: map[int]int{}}
		}
		w.Flush()
		cur.lines[bytes.Count(buf.Bytes(), []byte("\n"))+1] = line
		w.Write(rec)
		cur.LastLine, cur.Rows = line, cur.Rows+1
		if cur.Rows == n {
			flush()
		}
	}
	flush()
	return batches, dups, nil
}

var problemLineRE = regexp.MustCompile(`^line (\d+)`)

// ShiftProblem turns "line K …" of a batch into the line of the original
// file.
func ShiftProblem(p string, b ImportBatch) string {
	m := problemLineRE.FindStringSubmatchIndex(p)
	if m == nil || b.lines == nil {
		return p
	}
	k, err := strconv.Atoi(p[m[2]:m[3]])
	if err != nil {
		return p
	}
	orig, ok := b.lines[k]
	if !ok {
		return p
	}
	return fmt.Sprintf("line %d%s", orig, p[m[1]:])
}
