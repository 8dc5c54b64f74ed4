# piaudit: a full scan (every report, the SARIF for code scanning), then the
# gate: on a pull/merge request (PIAUDIT_DIFF_BASE set) the findings new
# since that ref, else the open findings not in .piaudit/baseline.json.
# Exit status: 0 clean, 1 open findings at or above PIAUDIT_FAIL_ON
# (default high), 2 usage/configuration error, 3 the scan could not run.
# Environment: PIAUDIT_OUT (reports, default piaudit-report), PIAUDIT_ARGS
# (more `piaudit scan` options), PIAUDIT_DIFF_BASE.
# 先完整扫描（全部报告及 SARIF），再按阈值判定：合并请求只看新增问题，否则看基线之外的问题。
# The scans' exit status is read below, not fatal (CI shells run with -e).
set +e -u
out="${PIAUDIT_OUT:-piaudit-report}"
fail_on="${PIAUDIT_FAIL_ON:-high}"
baseline=""
if [ -f .piaudit/baseline.json ]; then
  baseline="--baseline .piaudit/baseline.json"
fi
# The reports are written outside the checkout and copied at the end, so
# neither this scan nor the next one reads an earlier run's reports.
tmp="$(mktemp -d)"
rm -rf "$out"
echo "piaudit: full scan (reports, SARIF) / 完整扫描"
piaudit scan . --format sarif,html,json,junit,md --out "$tmp/report" --fail-on "$fail_on" --deterministic $baseline ${PIAUDIT_ARGS:-}
status=$?
if [ "$status" -le 1 ] && [ -n "${PIAUDIT_DIFF_BASE:-}" ]; then
  echo "piaudit: gate: findings new since $PIAUDIT_DIFF_BASE / 判定：相对 $PIAUDIT_DIFF_BASE 新增的问题"
  piaudit scan . --diff-base "$PIAUDIT_DIFF_BASE" --format json,md --out "$tmp/report/pr" --fail-on "$fail_on" --deterministic $baseline ${PIAUDIT_ARGS:-}
  status=$?
fi
mkdir -p "$out"
cp -R "$tmp/report/." "$out/" 2>/dev/null || true
rm -rf "$tmp"
case "$status" in
  0) echo "piaudit: passed: no open finding at or above $fail_on / 通过" ;;
  1) echo "piaudit: failed: open findings at or above $fail_on, listed above and in $out/ / 未通过：存在达到阈值的问题" ;;
  *) echo "piaudit: error (exit $status): see the message above / 出错" ;;
esac
exit "$status"
