#!/bin/sh
# Seeds fuzz/corpus/<target>/ from the project's own fixtures (the corpus
# directory is not committed). Run from the repository root or from fuzz/.
set -eu
cd "$(dirname "$0")/.."
c=fuzz/corpus
mkdir -p "$c/sql_extract" "$c/sql_split" "$c/insert_values" "$c/decl" "$c/rule_pack" "$c/rule_file" "$c/decode" \
  "$c/spring_config" "$c/logging_xml" "$c/etl_job" "$c/mybatis" "$c/dbt" "$c/java"
# Writes selector byte $1 followed by file $2 to $3 (the targets whose first
# byte picks a dialect, file name or reader).
with_selector() {
  { printf "\\$(printf %03o "$1")"; cat "$2"; } > "$3"
}
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
for f in $(find examples tests/fixtures rules -name 'piaudit.y*ml' -o -name '*.decl.yaml' | sort) src/piaudit.template.yaml; do
  cp "$f" "$c/decl/$(echo "$f" | tr / _)"
done
# The piaudit.yaml snippets of the docs, one seed per ```yaml block.
for f in docs/declarations.md docs/db.md docs/classifier.md docs/suppressions.md; do
  awk -v out="$c/decl/$(basename "$f" .md)-block" '
    /^```yaml/ { n++; on = 1; next }
    /^```/ { on = 0; next }
    on { print > (out "-" n) }' "$f"
done
for f in rules/packs/*/*.yaml; do
  case "$f" in *.test.yaml|*/pack.yaml) continue ;; esac
  # The target replaces CNPI-001.yaml, so seeds carry that id.
  sed 's/^id: .*/id: CNPI-001/' "$f" > "$c/rule_pack/$(basename "$f")"
  # rule_file names the file after the input's own id.
  cp "$f" "$c/rule_file/"
done
# Config and ETL fronts. Selectors: spring_config 0 = application.yml,
# 2 = application.properties; etl_job 0 = DataX, 1 = SeaTunnel, 2 = Flink SQL;
# mybatis 0 = MySQL, 8 (SqlDialect::ALL.len()) = detect the dialect.
for f in $(find tests/fixtures examples -name '*.yml' -o -name '*.yaml' -o -name '*.properties' | sort); do
  case "$f" in */piaudit.y*ml|*.decl.yaml) continue ;; esac
  n=$(echo "$f" | tr / _)
  case "$f" in
    *.properties) with_selector 2 "$f" "$c/spring_config/$n" ;;
    *) with_selector 0 "$f" "$c/spring_config/$n" ;;
  esac
done
for f in $(find tests/fixtures examples -name '*.xml' | sort); do
  n=$(echo "$f" | tr / _)
  case "$(basename "$f")" in
    logback*|log4j*) cp "$f" "$c/logging_xml/$n" ;;
    *) for sel in 0 8; do with_selector "$sel" "$f" "$c/mybatis/$n-$sel"; done ;;
  esac
done
for f in $(find tests/fixtures examples -name '*.json' | sort); do
  with_selector 0 "$f" "$c/etl_job/$(echo "$f" | tr / _)"
done
for f in $(find tests/fixtures examples -name '*.conf' -o -name '*.hocon' | sort); do
  with_selector 1 "$f" "$c/etl_job/$(echo "$f" | tr / _)"
done
for f in $(grep -l -i -r --include='*.sql' connector tests/fixtures examples | sort); do
  with_selector 2 "$f" "$c/etl_job/$(echo "$f" | tr / _)"
done
# dbt: the selector is the slot of the target's fixed project the input
# replaces (0 project file, 1 model, 3 schema YAML, 4 Markdown docs, 5 seed).
for f in $(find tests/fixtures/dbt -type f | sort); do
  n=$(echo "$f" | tr / _)
  case "$f" in
    */dbt_project.yml) with_selector 0 "$f" "$c/dbt/$n" ;;
    *.sql) with_selector 1 "$f" "$c/dbt/$n" ;;
    *.yml|*.yaml) with_selector 3 "$f" "$c/dbt/$n" ;;
    *.md) with_selector 4 "$f" "$c/dbt/$n" ;;
    *.csv) with_selector 5 "$f" "$c/dbt/$n" ;;
  esac
done
for f in $(find tests/fixtures examples -name '*.java' -size -64k | sort); do
  cp "$f" "$c/java/$(echo "$f" | tr / _)"
done
echo "seeded: $(find $c -type f | wc -l) files"
