#!/bin/sh
# Seeds fuzz/corpus/<target>/ from the project's own fixtures (the corpus
# directory is not committed). Run from the repository root or from fuzz/.
set -eu
cd "$(dirname "$0")/.."
c=fuzz/corpus
mkdir -p "$c/sql_extract" "$c/sql_split" "$c/insert_values" "$c/decl" "$c/rule_pack" "$c/decode"
i=0
for f in $(find tests/fixtures examples -name '*.sql' -size -64k | sort); do
  i=$((i + 1))
  # The first byte selects the dialect (index into SqlDialect::ALL).
  for sel in 0 1 2 4 5; do
    { printf "\\$(printf %03o "$sel")"; cat "$f"; } > "$c/sql_extract/seed-$i-$sel"
    { printf "\\$(printf %03o "$sel")"; cat "$f"; } > "$c/sql_split/seed-$i-$sel"
  done
  cp "$f" "$c/decode/seed-$i"
  grep -i -o 'values.*' "$f" | head -20 | while IFS= read -r line; do
    n=$(printf %s "$line" | cksum | cut -d' ' -f1)
    printf 'INSERT INTO t %s' "$line" > "$c/insert_values/seed-$n"
  done
done
for f in $(find examples tests/fixtures rules -name 'piaudit.y*ml' -o -name '*.decl.yaml' | sort); do
  cp "$f" "$c/decl/$(echo "$f" | tr / _)"
done
for f in rules/packs/*/*.yaml; do
  case "$f" in *.test.yaml|*/pack.yaml) continue ;; esac
  # The target replaces CNPI-001.yaml, so seeds carry that id.
  sed 's/^id: .*/id: CNPI-001/' "$f" > "$c/rule_pack/$(basename "$f")"
done
echo "seeded: $(find $c -type f | wc -l) files"
