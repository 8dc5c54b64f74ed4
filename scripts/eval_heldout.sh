#!/usr/bin/env bash
# Held-out figures for the classifier (issue #19): runs `piaudit eval` on each labelled system of
# eval/ and prints one row per system plus pooled (micro) rows for the development half (in-sample:
# cues may be tuned on these), the held-out half (never tuned on) and a third held-out group, HELD3
# (labelled blind on 2026-12-08 and never looked at while tuning: kept out of DEV and HELD so that its
# pooled row stays a first-sight figure). The split is in docs/classifier.md ("Development and
# held-out systems", "A third held-out set (2026-12-08)").
#
# usage: scripts/eval_heldout.sh [--profile gbt35273] [--bin path/to/piaudit] [--fetch] SRC_DIR
#   SRC_DIR holds one checkout per system, named after the system (`his`) or the repository
#   (`HIS`, `YunYouLogisticsCloud`), at the commit given in eval/SOURCES.tsv.
#   --fetch clones the missing ones (git clone + checkout of that commit) into SRC_DIR.
#   DEV=, HELD=, HELD3= (environment) replace a group's systems; an empty value skips the group.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=gbt35273
bin=${PIAUDIT:-${CARGO_TARGET_DIR:-target}/debug/piaudit}
fetch=0
while [ $# -gt 1 ]; do
  case "$1" in
    --profile) profile=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --fetch) fetch=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: $0 [--profile P] [--bin PIAUDIT] [--fetch] SRC_DIR" >&2; exit 2; }
src=$1
[ -x "$bin" ] || { echo "no piaudit binary at $bin (cargo build, or --bin)" >&2; exit 2; }

DEV=${DEV-"fastbee microcommunity zhicloud-hr his yunyou-tms loan-fangdai score-server"}
HELD=${HELD-"schoolcms newbee-mall-plus jetlinks-community t3rik-erp-hrm phpyun his-spring xinya-cargo"}
HELD3=${HELD3-"kharazim phpems11 yoogurt-taxi lzda"}

dir_of() { # system -> checkout dir
  local sys=$1 repo commit base
  repo=$(awk -F'\t' -v s="$sys" '$1==s{print $2}' eval/SOURCES.tsv)
  commit=$(awk -F'\t' -v s="$sys" '$1==s{print $3}' eval/SOURCES.tsv)
  base=${repo##*/}
  for d in "$src/$sys" "$src/$base" "$src/${base,,}"; do
    [ -d "$d" ] && { echo "$d"; return; }
  done
  if [ "$fetch" = 1 ] && [ -n "$repo" ]; then
    git clone -q "https://github.com/$repo" "$src/$sys" >&2
    git -C "$src/$sys" checkout -q "$commit" >&2
    echo "$src/$sys"
  fi
}

f() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b==0) printf "-"; else printf "%.3f", a/b }'; }
prf() { # tp fp fn -> "P / R / F1"
  local p r
  p=$(f "$1" $(($1 + $2))); r=$(f "$1" $(($1 + $3)))
  printf "%s / %s / %s" "$p" "$r" "$(f $((2 * $1)) $((2 * $1 + $2 + $3)))"
}

printf "| half | system | columns (missing) | is-PI P / R / F1 | sensitive P / R / F1 | category acc. |\n"
printf "|---|---|---|---|---|---|\n"
for half in dev held-out held-out-3; do
  case $half in
    dev) systems=$DEV ;;
    held-out) systems=$HELD ;;
    *) systems=$HELD3 ;;
  esac
  [ -n "$systems" ] || continue
  T=(0 0 0 0 0 0 0 0 0 0)
  for sys in $systems; do
    d=$(dir_of "$sys")
    if [ -z "$d" ]; then printf "| %s | %s | not fetched | | | |\n" "$half" "$sys"; continue; fi
    out=$(NO_COLOR=1 "$bin" eval --profile "$profile" --labels "eval/labels/$sys.csv" "$d" --errors 0 2>/dev/null || true)
    n=$(echo "$out" | sed -n 's/^columns matched: \([0-9]*\) (missing \([0-9]*\)).*/\1 \2/p')
    pi=$(echo "$out" | sed -n 's/^is-PI .*(tp \([0-9]*\) fp \([0-9]*\) fn \([0-9]*\)).*/\1 \2 \3/p')
    se=$(echo "$out" | sed -n 's/^sensitive .*(tp \([0-9]*\) fp \([0-9]*\) fn \([0-9]*\)).*/\1 \2 \3/p')
    ca=$(echo "$out" | sed -n 's/^category accuracy .*(\([0-9]*\)\/\([0-9]*\)).*/\1 \2/p')
    read -r nm nmiss <<<"${n:-0 0}"; read -r a b c <<<"${pi:-0 0 0}"; read -r s1 s2 s3 <<<"${se:-0 0 0}"; read -r c1 c2 <<<"${ca:-0 0}"
    printf "| %s | %s | %s (%s) | %s | %s | %s |\n" "$half" "$sys" "$nm" "$nmiss" "$(prf $a $b $c)" "$(prf $s1 $s2 $s3)" "$(f $c1 $c2)"
    V=($nm $nmiss $a $b $c $s1 $s2 $s3 $c1 $c2)
    for i in "${!T[@]}"; do T[$i]=$((T[$i] + V[$i])); done
  done
  printf "| %s | **pooled** | %s (%s) | %s | %s | %s |\n" "$half" "${T[0]}" "${T[1]}" "$(prf ${T[2]} ${T[3]} ${T[4]})" "$(prf ${T[5]} ${T[6]} ${T[7]})" "$(f ${T[8]} ${T[9]})"
done
