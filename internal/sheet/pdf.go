// SPDX-License-Identifier: GPL-3.0-or-later

package sheet

import (
	"bytes"
	"fmt"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

// PDF lays the sheets out one per A4 page. The fonts (the Go fonts) are
// embedded, so every Latin name prints, Turkish and Polish ones too, and
// passwords are in Go Mono, which tells l, 1 and I apart. The
// document holds passwords: write it only to a file only its owner can
// read.
func PDF(sheets []Sheet, title string) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(title, true)
	pdf.SetCreator("Posse", true)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	pdf.AddUTF8FontFromBytes("gomono", "", gomono.TTF)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	const (
		lineH = 6.0
		keyW  = 55.0
	)
	for _, sh := range sheets {
		pdf.AddPage()
		pdf.SetFont("go", "B", 16)
		pdf.MultiCell(0, 9, sh.Title, "", "L", false)
		for _, sec := range sh.Sections {
			pdf.Ln(4)
			pdf.SetFont("go", "B", 12)
			pdf.MultiCell(0, 7, sec.Title, "", "L", false)
			pdf.SetFont("go", "", 11)
			for _, l := range sec.Lines {
				switch l.Kind {
				case Row, Cell:
					key := l.Key
					if l.Kind == Row {
						key += ":"
					}
					pdf.SetX(25)
					pdf.CellFormat(keyW, lineH, key, "", 0, "L", false, 0, "")
					if l.Secret {
						pdf.SetFont("gomono", "", 12)
					}
					pdf.MultiCell(0, lineH, l.Text, "", "L", false)
					pdf.SetFont("go", "", 11)
				case Blank:
					pdf.Ln(2)
				case Para:
					pdf.SetX(25)
					pdf.MultiCell(0, lineH, l.Text, "", "L", false)
				case Step:
					pdf.SetX(25)
					pdf.CellFormat(7, lineH, fmt.Sprintf("%d.", l.N), "", 0, "L", false, 0, "")
					pdf.MultiCell(0, lineH, l.Text, "", "L", false)
				}
			}
		}
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("cannot lay out the password sheets: %w", err)
	}
	return b.Bytes(), nil
}
