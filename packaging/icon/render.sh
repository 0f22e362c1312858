#!/bin/bash
# Renders the PNGs of the Posse icon from posse.svg (needs rsvg-convert:
# apt-get install librsvg2-bin). The PNGs are committed, so building does
# not need this; run it after changing posse.svg, and the unit test
# (go test ./packaging/icon) checks the PNGs still match the SVG.
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 32 48 64 128 256 512; do
  rsvg-convert -w "$size" -h "$size" -o "posse-$size.png" posse.svg
done
