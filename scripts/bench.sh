#!/usr/bin/env bash
# piaudit benchmark suite: one run reports
#   1. `piaudit scan` end to end on the whole shared corpus and on the _perf
#      dumps: wall time, MB/s, files/s, peak RSS (GNU time);
#   2. SQL extraction alone (examples/bench.rs `extract`) on the same inputs;
#   3. a scaling curve over synthetic repos at 1x, 4x, 16x (scripts/gen_repo.py),
#      and the estate table of issue #22 (128 / 512 / 2048 services) with
#      the 512 -> 2048 time and peak-RSS ratios;
#   2c. incremental re-scan (facts cache): the 2048-service estate scanned
#      cold (--no-cache), with an empty cache (filling it), and again after
#      one file changed, with the re-scan / cold ratio (goal <= 10 %);
#   2d. a 1 GB estate (3,800 services); 2e. the org-wide merge of 2,000
#      per-service reports (500 -> 2000 ratios), and of all of them to
#      html,json (the HTML page is the large one);
#   4. the sqllineage test cases timed for piaudit, sqllineage 1.5.x and
#      sqlglot (installed from PyPI into target/bench-venv), as cases/s and ratios;
#   5. Java parsing and data flow alone (examples/bench.rs `java`: tree-sitter,
#      per-method flow, cross-file call linking) over JAVA_DIRS (default: every
#      system under ../ext, about 2 M lines), goal < 60 s on 2 cores (issue #20).
# Speed is measured here only, never asserted in unit tests.
#
# Usage: scripts/bench.sh [CORPUS_DIR]     (default: ../shared/corpus)
# Env:   REPS=3 (runs per scan measurement; the median is reported, with
#        min-max as the noise band), SKIP_PEERS=1 (no Python peers),
#        PYTHON=python3, NO_BUILD=1 (use the release binaries as built),
#        ESTATE="128 512 2048" (services per estate; "" skips the estate table),
#        INCREMENTAL=2048 (services of the re-scan estate; "" skips 2c),
#        BENCH_DATA=target/bench (where 2c finds or generates its estate),
#        BIG_ESTATE=3800 (the 1 GB estate, 1.02 GB of files; "" skips 2d),
#        MERGE_REPORTS=2000 (reports merged; "" skips 2e),
#        JAVA_DIRS="dir ..." (Java trees for section 5; "" skips it).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
CORPUS=${1:-$ROOT/../shared/corpus}
CORPUS=$(cd "$CORPUS" && pwd)
REPS=${REPS:-3}
PYTHON=${PYTHON:-python3}
WORK=$ROOT/target/bench
DATA=${BENCH_DATA:-$WORK}
BIN=$ROOT/target/release/piaudit
BENCH=$ROOT/target/release/examples/bench
CASES=$CORPUS/sqllineage/_extracted_cases.json
mkdir -p "$WORK"

TIME=/usr/bin/time
if ! "$TIME" -f %M true >/dev/null 2>&1; then
  echo "bench: GNU time is missing (Debian: apt-get install time)" >&2
  exit 2
fi

if [ "${NO_BUILD:-0}" != 1 ]; then
  echo "== build (release)" >&2
  cargo build --release --quiet --bin piaudit --example bench
fi

# run_scan LABEL BYTES PATH...: REPS scans; prints a result line.
run_scan() {
  local label=$1 bytes=$2
  shift 2
  local times=() rss=0 files=0
  for _ in $(seq "$REPS"); do
    rm -rf "$WORK/out"
    # Exit status 1 means "findings at or above --fail-on": not a failure here.
    "$TIME" -f '%e %M' -o "$WORK/time.txt" \
      "$BIN" scan "$@" --out "$WORK/out" --format json --deterministic --fail-on critical -q || [ $? -eq 1 ]
    # GNU time may put "Command exited with non-zero status 1" first.
    read -r wall kb < <(tail -n 1 "$WORK/time.txt")
    times+=("$wall")
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  LAST_RSS_KB=$rss
  files=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["scan"]["files_scanned"])' "$WORK/out/report.json")
  "$PYTHON" - "$label" "$bytes" "$files" "$rss" "${times[@]}" <<'EOF'
import statistics, sys
label, size, files, rss = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
t = sorted(float(x) for x in sys.argv[5:])
med = statistics.median(t)
print(f"scan  {label:<28} {size/1e6:8.1f} MB {files:6d} files  wall {med:6.2f} s "
      f"(min {t[0]:.2f}, max {t[-1]:.2f})  {size/1e6/med:7.1f} MB/s  {files/med:7.0f} files/s  "
      f"peak RSS {rss/1024:6.0f} MB")
EOF
}

# run_extract LABEL PATH...: SQL extraction alone (median of REPS).
run_extract() {
  local label=$1
  shift
  local outs=()
  for _ in $(seq "$REPS"); do
    outs+=("$("$BENCH" extract "$@")")
  done
  "$PYTHON" - "$label" "${outs[@]}" <<'EOF'
import json, statistics, sys
runs = [json.loads(x) for x in sys.argv[2:]]
med = statistics.median(r["seconds"] for r in runs)
r = runs[0]
print(f"extract {sys.argv[1]:<26} {r['bytes']/1e6:8.1f} MB {r['files']:6d} SQL files wall {med:6.2f} s  "
      f"{r['bytes']/1e6/med:7.1f} MB/s  {r['files']/med:7.0f} files/s")
EOF
}

bytes_of() { find "$@" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }

echo "== machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo "== 1. end to end and extraction alone"
run_scan "corpus (all)" "$(bytes_of "$CORPUS")" "$CORPUS"
CORPUS_RSS_KB=$LAST_RSS_KB
# --format is appended to: this run writes report.html too (the default formats).
run_scan "corpus (all), html+json" "$(bytes_of "$CORPUS")" "$CORPUS" --format html
LARGEST=$(find "$CORPUS" -type f -printf '%s\n' | sort -n | tail -n 1)
"$PYTHON" -c 'import sys; big, a, b = (int(x) for x in sys.argv[1:]); bound = 2 * big + 100e6
print(f"peak RSS bound: 2 x largest file ({big/1e6:.1f} MB) + 100 MB = {bound/1e6:.1f} MB; corpus json {a*1024/1e6:.1f} MB, html+json {b*1024/1e6:.1f} MB: " + ("met" if max(a, b) * 1024 <= bound else "NOT met"))' \
  "$LARGEST" "$CORPUS_RSS_KB" "$LAST_RSS_KB"
run_scan "_perf/*.sql" "$(bytes_of "$CORPUS"/_perf/*.sql)" "$CORPUS"/_perf/*.sql
for f in "$CORPUS"/_perf/*.sql; do
  run_scan "_perf/$(basename "$f")" "$(bytes_of "$f")" "$f"
done
run_extract "corpus (all)" "$CORPUS"
run_extract "_perf/*.sql" "$CORPUS"/_perf/*.sql

echo "== 2. scaling (synthetic repos; 1x = 8 services)"
declare -A SCALE_TIME
for x in 1 4 16; do
  dir=$WORK/gen-$x
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    "$PYTHON" scripts/gen_repo.py --scale $((8 * x)) --out "$dir" >/dev/null
    touch "$dir/.done"
  fi
  line=$(run_scan "synthetic ${x}x" "$(bytes_of "$dir")" "$dir")
  echo "$line"
  SCALE_TIME[$x]=$(echo "$line" | sed -E 's/.* wall +([0-9.]+) s.*/\1/')
done
"$PYTHON" -c 'import sys; t1, t4, t16 = map(float, sys.argv[1:]); print(f"scaling: 4x input = {t4/t1:.2f}x time, 16x input = {t16/t1:.2f}x time (target <= 17x)")' \
  "${SCALE_TIME[1]}" "${SCALE_TIME[4]}" "${SCALE_TIME[16]}"

echo "== 2b. estate scaling (issue #22; services of scripts/gen_repo.py)"
# ESTATE="128 512 2048" by default; ESTATE="" skips it. The 2,048-service
# estate is ~600 MB on disk and its report.json ~240 MB.
ESTATE=${ESTATE-128 512 2048}
declare -A EST_TIME EST_RSS
for n in $ESTATE; do
  dir=$WORK/estate-$n
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    "$PYTHON" scripts/gen_repo.py --scale "$n" --out "$dir" >/dev/null
    touch "$dir/.done"
  fi
  line=$(run_scan "estate ${n} services" "$(bytes_of "$dir")" "$dir")
  echo "$line"
  EST_TIME[$n]=$(echo "$line" | sed -E 's/.* wall +([0-9.]+) s.*/\1/')
  EST_RSS[$n]=$LAST_RSS_KB
done
if [ -n "${EST_TIME[512]:-}" ] && [ -n "${EST_TIME[2048]:-}" ]; then
  "$PYTHON" - "${EST_TIME[512]}" "${EST_TIME[2048]}" "${EST_RSS[512]}" "${EST_RSS[2048]}" <<'EOF2'
import sys
t512, t2048 = float(sys.argv[1]), float(sys.argv[2])
r512, r2048 = int(sys.argv[3]), int(sys.argv[4])
ok = lambda c: "met" if c else "NOT met"
print(f"estate 512 -> 2048 services (4x input): {t2048/t512:.2f}x time, {r2048/r512:.2f}x peak RSS "
      f"(goal <= 4.4x: {ok(t2048/t512 <= 4.4 and r2048/r512 <= 4.4)}); "
      f"2048 services {t2048:.1f} s, {r2048*1024/1e6:.0f} MB (goal <= 25 s, <= 1 GB: {ok(t2048 <= 25 and r2048*1024 <= 1e9)})")
EOF2
fi

echo "== 2c. incremental re-scan (issue #22; facts cache)"
# Per rep: a scan with --no-cache (cold), one with an emptied cache (cold,
# filling it), then one file changed and a re-scan with the cache. The
# changed file is restored afterwards, so the estate stays as generated.
INCREMENTAL=${INCREMENTAL-2048}
if [ -n "$INCREMENTAL" ]; then
  n=$INCREMENTAL
  dir=$DATA/estate-$n
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    "$PYTHON" scripts/gen_repo.py --scale "$n" --out "$dir" >/dev/null
    touch "$dir/.done"
  fi
  cache=$WORK/facts-cache-$n
  changed=$dir/svc000/etl/ods_sync.sql
  cp "$changed" "$WORK/changed.orig"
  # timed ARGS...: one scan; prints "wall rss_kb cpu" (cpu = user + system
  # seconds: steadier than wall on a shared machine).
  timed() {
    rm -rf "$WORK/out"
    "$TIME" -f '%e %M %U %S' -o "$WORK/time.txt" \
      "$BIN" scan "$dir" --out "$WORK/out" --format json --deterministic --fail-on never -q "$@"
    tail -n 1 "$WORK/time.txt" | awk '{print $1, $2, $3 + $4}'
  }
  cold=() fill=() warm=() cold_cpu=() warm_cpu=() warm_rss=0 cold_rss=0
  for rep in $(seq "$REPS"); do
    cp "$WORK/changed.orig" "$changed"
    read -r t kb cpu < <(timed --no-cache); cold+=("$t"); cold_cpu+=("$cpu")
    [ "$kb" -gt "$cold_rss" ] && cold_rss=$kb
    rm -rf "$cache"
    read -r t _ _ < <(timed --cache-dir "$cache"); fill+=("$t")
    printf -- '-- changed for the re-scan benchmark, rep %s\nINSERT INTO svc000_ods_probe SELECT id FROM svc000_member;\n' "$rep" >>"$changed"
    read -r t kb cpu < <(timed --cache-dir "$cache"); warm+=("$t"); warm_cpu+=("$cpu")
    [ "$kb" -gt "$warm_rss" ] && warm_rss=$kb
    cp "$WORK/out/report.json" "$WORK/report-warm.json"
    timed --no-cache >/dev/null
    cmp -s "$WORK/out/report.json" "$WORK/report-warm.json" && same=identical || same=DIFFERENT
  done
  cp "$WORK/changed.orig" "$changed"
  entries=$(find "$cache/facts-v1" -type f | wc -l)
  cache_mb=$(du -sm "$cache" | cut -f1)
  "$PYTHON" - "$n" "$(bytes_of "$dir")" "$entries" "$cache_mb" "$cold_rss" "$warm_rss" "$same" \
    "${cold[*]}" "${fill[*]}" "${warm[*]}" "${cold_cpu[*]}" "${warm_cpu[*]}" <<'EOF3'
import statistics, sys
n, size, entries, cache_mb, cold_rss, warm_rss, same = sys.argv[1:8]
cold, fill, warm, ccpu, wcpu = (sorted(float(x) for x in a.split()) for a in sys.argv[8:13])
c, f, w, cc, wc = (statistics.median(x) for x in (cold, fill, warm, ccpu, wcpu))
print(f"rescan estate {n} services {int(size)/1e6:.0f} MB: cold (--no-cache) {c:.2f} s wall / {cc:.2f} s CPU "
      f"(wall min {cold[0]:.2f}, max {cold[-1]:.2f}); filling the cache {f:.2f} s ({f/c:.2f}x cold); "
      f"re-scan after one change {w:.2f} s wall / {wc:.2f} s CPU (wall min {warm[0]:.2f}, max {warm[-1]:.2f}) "
      f"= {w/c*100:.1f} % of cold wall, {wc/cc*100:.1f} % of cold CPU "
      f"(goal <= 10 %: {'met' if w <= 0.1 * c else 'NOT met'}); peak RSS cold {int(cold_rss)/1024:.0f} MB, "
      f"re-scan {int(warm_rss)/1024:.0f} MB; cache {entries} entries, {cache_mb} MB; "
      f"re-scan report vs --no-cache: {same}")
EOF3
fi

echo "== 2d. a 1 GB estate (issue #22)"
BIG_ESTATE=${BIG_ESTATE-3800}
for n in $BIG_ESTATE; do
  dir=$WORK/estate-$n
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir"
    "$PYTHON" scripts/gen_repo.py --scale "$n" --out "$dir" >/dev/null
    touch "$dir/.done"
  fi
  line=$(run_scan "estate ${n} services" "$(bytes_of "$dir")" "$dir")
  echo "$line"
  echo "report.json $(stat -c %s "$WORK/out/report.json") bytes"
done

echo "== 2e. org-wide merge (issue #22): one report per service, then one merge"
# The reports are those of scanning each service of the 2,048-service
# estate on its own (as a CI matrix would scan each repository); the merge
# joins the services again (each one's ETL reads the previous one's tables).
MERGE_REPORTS=${MERGE_REPORTS-2000}
if [ -n "$MERGE_REPORTS" ]; then
  src=$WORK/estate-2048
  if [ ! -f "$src/.done" ]; then
    rm -rf "$src"
    "$PYTHON" scripts/gen_repo.py --scale 2048 --out "$src" >/dev/null
    touch "$src/.done"
  fi
  reports=$WORK/merge-reports
  if [ ! -f "$reports/.done" ]; then
    rm -rf "$reports"
    mkdir -p "$reports"
    (cd "$src" && ls -d svc* | head -n "$MERGE_REPORTS" | xargs -P "$(nproc)" -I{} \
      "$BIN" scan {} --out "$reports/{}" --format json --deterministic --fail-on never -q)
    touch "$reports/.done"
  fi
  declare -A MERGE_TIME MERGE_USER MERGE_RSS
  for n in $((MERGE_REPORTS / 4)) "$MERGE_REPORTS"; do
    mapfile -t files < <(ls -d "$reports"/svc* | head -n "$n" | sed 's|$|/report.json|')
    bytes=$(cat "${files[@]}" | wc -c)
    rm -rf "$WORK/merged"
    "$TIME" -f '%e %U %M' -o "$WORK/time.txt" \
      "$BIN" merge "${files[@]}" --out "$WORK/merged" --format json --fail-on never -q
    read -r wall user kb < <(tail -n 1 "$WORK/time.txt")
    MERGE_TIME[$n]=$wall MERGE_USER[$n]=$user MERGE_RSS[$n]=$kb
    echo "merge ${n} reports: $((bytes / 1000000)) MB in, wall ${wall} s, user ${user} s, peak RSS $((kb / 1024)) MiB, report.json $(stat -c %s "$WORK/merged/report.json") bytes"
  done
  rm -rf "$WORK/merged-html"
  "$TIME" -f '%e %U %M' -o "$WORK/time.txt" \
    "$BIN" merge "${files[@]}" --out "$WORK/merged-html" --format html,json --fail-on never -q
  read -r wall user kb < <(tail -n 1 "$WORK/time.txt")
  echo "merge ${MERGE_REPORTS} reports to html,json: wall ${wall} s, user ${user} s, peak RSS $((kb / 1024)) MiB, report.html $(stat -c %s "$WORK/merged-html/report.html") bytes"
  if cmp -s "$WORK/merged/report.json" "$WORK/merged-html/report.json"; then same=identical; else same=DIFFERENT; fi
  echo "merge to html,json: peak RSS $((kb * 1024 / 1000000)) MB (goal <= 1 GB: $([ $((kb * 1024)) -le 1000000000 ] && echo met || echo NOT met)); its report.json is ${same} to the json-only merge's"
  q=$((MERGE_REPORTS / 4))
  "$PYTHON" - "${MERGE_TIME[$q]}" "${MERGE_TIME[$MERGE_REPORTS]}" "${MERGE_USER[$q]}" "${MERGE_USER[$MERGE_REPORTS]}" "${MERGE_RSS[$q]}" "${MERGE_RSS[$MERGE_REPORTS]}" <<'EOF3'
import sys
t1, t4, u1, u4 = map(float, sys.argv[1:5])
r1, r4 = int(sys.argv[5]), int(sys.argv[6])
ok = lambda c: "met" if c else "NOT met"
print(f"merge 4x the reports: {t4/t1:.2f}x wall, {u4/u1:.2f}x user, {r4/r1:.2f}x peak RSS; "
      f"all: {t4:.1f} s, {r4*1024/1e6:.0f} MB (goal <= 30 s, <= 1 GB: {ok(t4 <= 30 and r4*1024 <= 1e9)})")
EOF3
fi

echo "== 5. Java parse + data flow (issue #20)"
JAVA_DIRS=${JAVA_DIRS-$(ls -d "$ROOT"/../ext/*/ 2>/dev/null | tr '\n' ' ')}
if [ -n "$JAVA_DIRS" ]; then
  # shellcheck disable=SC2086
  "$TIME" -f '%e s wall, %M KB peak RSS' "$BENCH" java $JAVA_DIRS
else
  echo "skipping: no JAVA_DIRS"
fi

echo "== 3. sqllineage cases: piaudit vs sqllineage vs sqlglot"
if [ ! -f "$CASES" ]; then
  echo "skipping: $CASES not present"
  exit 0
fi
PIA=$("$BENCH" lineage "$CASES" 50)
echo "piaudit    $PIA"
if [ "${SKIP_PEERS:-0}" = 1 ]; then
  exit 0
fi
VENV=$ROOT/target/bench-venv
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet 'sqllineage>=1.5,<1.6' 'sqlglot'
fi
echo "versions:  $("$VENV/bin/pip" list 2>/dev/null | grep -Ei '^(sqllineage|sqlglot) ' | tr -s ' ' | paste -sd, -)"
SQLGLOT=$("$VENV/bin/python" scripts/bench_peers.py sqlglot "$CASES" 5)
echo "sqlglot    $SQLGLOT"
SQLLINEAGE=$("$VENV/bin/python" scripts/bench_peers.py sqllineage "$CASES" 1)
echo "sqllineage $SQLLINEAGE"
"$PYTHON" - "$PIA" "$SQLGLOT" "$SQLLINEAGE" <<'EOF'
import json, sys
p, g, l = (json.loads(x)["cases_per_s"] for x in sys.argv[1:])
print(f"cases/s: piaudit {p:.0f}, sqlglot {g:.0f}, sqllineage {l:.1f}")
print(f"ratio: {p/l:.0f}x sqllineage (target >= 100x), {p/g:.1f}x sqlglot (target >= 10x)")
EOF
