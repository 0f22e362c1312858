#!/bin/bash
# Runs every fuzz target in the module for a while each (default 30s):
#   make fuzz FUZZTIME=2m
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-30s}
found=0
while IFS= read -r line; do
  file=${line%%:*}
  name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]+).*/\1/' <<<"$line")
  pkg=./$(dirname "$file")
  found=$((found + 1))
  echo "== $pkg $name ($t)"
  go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$t"
done < <(grep -rEn --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' . | grep -v '^./vendor/')
echo "fuzz: ran $found targets"
