#!/usr/bin/env python3
"""Runs built fuzz targets one after another, each until its coverage
plateaus or a time cap is reached, and records what happened.

A target has plateaued when libFuzzer's `cov:` grew by less than PCT % of
its value over the last WINDOW seconds, after at least MIN seconds. The run
continues from (and adds to) fuzz/corpus/<target>/; build the targets first
(`cd fuzz && cargo +nightly fuzz build -O`).

    fuzz/plateau.py sql_extract:900 mybatis:900 ...   # target:cap_seconds
    MIN=360 WINDOW=180 PCT=0.5 fuzz/plateau.py decl:600

Logs go to fuzz/logs/<target>.log (each line prefixed with seconds since
the start); one JSON line per run is appended to fuzz/logs/summary.jsonl.
A crash, timeout or OOM ends the target's run with libFuzzer's exit code
and leaves the input in fuzz/artifacts/<target>/ (`-artifact_prefix`).
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.join(HERE, "target", "x86_64-unknown-linux-gnu", "release")
LOGS = os.path.join(HERE, "logs")
MIN = float(os.environ.get("MIN", "240"))
WINDOW = float(os.environ.get("WINDOW", "120"))
PCT = float(os.environ.get("PCT", "0.5"))
COV = re.compile(r"cov: (\d+) ft: (\d+)")
EXECS = re.compile(r"^#(\d+)")


def run(target, cap):
    os.makedirs(LOGS, exist_ok=True)
    artifacts = os.path.join(HERE, "artifacts", target) + os.sep
    os.makedirs(artifacts, exist_ok=True)
    corpus = os.path.join(HERE, "corpus", target)
    cmd = ["nice", "-n", "19", os.path.join(BIN, target), corpus,
           "-timeout=10", "-rss_limit_mb=2048", f"-max_total_time={cap}",
           "-print_final_stats=1", f"-artifact_prefix={artifacts}"]
    start = time.time()
    history = []  # (seconds, cov, ft, execs)
    inited = None
    reason = "cap"
    with open(os.path.join(LOGS, f"{target}.log"), "a") as log:
        log.write(f"=== {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd)}\n")
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True, errors="replace")
        for line in p.stderr:
            now = time.time() - start
            log.write(f"{now:8.1f} {line}")
            m = COV.search(line)
            if not m:
                continue
            cov, ft = int(m.group(1)), int(m.group(2))
            e = EXECS.match(line)
            history.append((now, cov, ft, int(e.group(1)) if e else 0))
            if "INITED" in line:
                inited = cov
            if now > MIN:
                before = [h for h in history if h[0] <= now - WINDOW]
                if before and cov - before[-1][1] < PCT / 100 * cov:
                    reason = "plateau"
                    p.send_signal(signal.SIGINT)
                    break
        try:
            p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        last = history[-1] if history else (0, 0, 0, 0)
        before = [h for h in history if h[0] <= last[0] - WINDOW]
        record = {
            "target": target, "finished": time.strftime("%H:%M:%S"),
            "reason": reason if p.returncode in (0, 72, -signal.SIGINT) else f"exit {p.returncode}",
            "seconds": round(time.time() - start), "execs": last[3],
            "cov_start": inited, "cov_end": last[1], "ft_end": last[2],
            "cov_last_window": last[1] - before[-1][1] if before else None,
            "window": WINDOW,
        }
        log.write(f"=== end {json.dumps(record)}\n")
    with open(os.path.join(LOGS, "summary.jsonl"), "a") as f:
        f.write(json.dumps(record) + "\n")
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for arg in sys.argv[1:]:
        name, _, cap = arg.partition(":")
        run(name, int(cap or 600))
