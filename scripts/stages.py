#!/usr/bin/env python3
"""stages.py CMD...: runs CMD with PIAUDIT_LOG=piaudit=debug and prints wall and CPU
(user+sys, from /proc/PID/stat) at each stage line of stderr, and the total."""
import os, subprocess, sys, time
MARK = {"extracted facts": "extract", "assembled facts": "assemble",
        "classified fields and propagated lineage": "classify + lineage"}
env = dict(os.environ, PIAUDIT_LOG="piaudit=debug")
t0 = time.time()
p = subprocess.Popen(sys.argv[1:], stderr=subprocess.PIPE, env=env, text=True, errors="replace")
tick = os.sysconf("SC_CLK_TCK")
def cpu():
    f = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
rows = []
for line in p.stderr:
    for k, name in MARK.items():
        if k in line:
            rows.append((name, time.time() - t0, cpu()))
_, status, ru = os.wait4(p.pid, 0)
rows.append(("evaluate + report (to exit)", time.time() - t0, ru.ru_utime + ru.ru_stime))
pw = pc = 0.0
for name, w, c in rows:
    print(f"{name:30s} wall {w - pw:7.2f} s  cpu {c - pc:6.2f} s   (cumulative {w:7.2f} / {c:6.2f})")
    pw, pc = w, c
print(f"maxrss {ru.ru_maxrss} KB, exit {os.waitstatus_to_exitcode(status)}, load {open('/proc/loadavg').read().split()[0]}")
