#!/usr/bin/env python3
"""Match the judged "before" findings of eval/verdicts/ against a new scan (issue #18 item 7).

usage: scripts/verdicts_after.py [--bin PIAUDIT] [--out DIR] [--no-scan] [--final] [--verdicts DIR] SRC_DIR > after-match.tsv

With --final, the judged findings are the "after" samples (`<system>.final.tsv`) instead of the
"before" ones (`<system>.tsv`).

For each system of eval/verdicts/SOURCES.tsv, scans SRC_DIR/<system> into DIR/<system>/report.json
(unless --no-scan), then looks up every judged finding of eval/verdicts/<system>.tsv in the new
report, in this order:
  fingerprint  same rule and fingerprint;
  subject      same rule, and the judged subject is the new finding's subject or one of its
               `fields` (schema 2.0 groups a dataset's fields into one finding);
  dataset      same rule, and the judged field's dataset is the new finding's subject;
  location     same rule and file:line (the finding's `location` or one of its `locations`);
otherwise the finding is `gone`. Prints the row-by-row TSV on stdout and the per-system summary
(findings and medium+ before/after, TRUE kept, FALSE/NOISE gone, new findings, and the current
medium+ findings by the best verdict of the judged findings each matched, TRUE/NOISE/FALSE/unjudged)
on stderr, in the layout of eval/verdicts/README.md. Several judged findings may match one new finding (a grouped
finding): the summary counts the new finding's verdict as the best of them only for TRUE-kept.
"""
import argparse
import collections
import csv
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VERDICTS = os.path.join(ROOT, "eval", "verdicts")
MEDIUM_PLUS = {"critical", "high", "medium"}


def systems():
    with open(os.path.join(VERDICTS, "SOURCES.tsv"), encoding="utf-8") as f:
        return [row["system"] for row in csv.DictReader(f, delimiter="\t")]


def judged(system, which=""):
    with open(os.path.join(VERDICTS, f"{system}{which}.tsv"), encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def loc(l):
    return f"{l.get('file')}:{l.get('line')}"


def dataset_of(subject):
    # `<file>#<table>.<column>` -> `<file>#<table>`; other subjects have no dataset.
    if "#" not in subject:
        return None
    head, _, tail = subject.partition("#")
    return f"{head}#{tail.rsplit('.', 1)[0]}" if "." in tail else None


def match(row, findings):
    rule, subject, fp, where = row["rule"], row["subject"], row["fingerprint"], row["location"]
    same = [f for f in findings if f["rule"] == rule]
    for how, ok in (
        ("fingerprint", lambda f: f["fingerprint"] == fp),
        ("subject", lambda f: subject in f["subjects"] or subject in f.get("fields", [])),
        ("dataset", lambda f: dataset_of(subject) in f["subjects"]),
        ("location", lambda f: where == loc(f["location"])
         or where in [loc(l) for l in f.get("locations", [])]),
    ):
        hits = [f for f in same if ok(f)]
        if hits:
            return how, hits[0]
    return "gone", None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("PIAUDIT", os.path.join(ROOT, "target/debug/piaudit")))
    ap.add_argument("--out", default="/tmp/after")
    ap.add_argument("--no-scan", action="store_true")
    ap.add_argument("--final", action="store_true",
                    help="match the 'after' verdicts (<system>.final.tsv) instead of the 'before' ones")
    ap.add_argument("--verdicts", default=None,
                    help="directory of the verdict set (SOURCES.tsv and <system>.tsv), "
                         "default eval/verdicts; eval/verdicts/independent for the independent set")
    ap.add_argument("src")
    a = ap.parse_args()
    if a.verdicts:
        global VERDICTS
        VERDICTS = os.path.abspath(a.verdicts)
    out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    out.writerow(["system", "rule", "verdict", "subject", "location", "fingerprint_before",
                  "severity_before", "severity_after", "confidence_after", "matched_by", "fingerprint_after"])
    pooled = collections.Counter()
    print("| system | findings before → now | medium+ before → now | TRUE kept / judged | "
          "FALSE gone / judged | NOISE gone / judged | TRUE at medium+ now | "
          "medium+ now T/N/F/unjudged |", file=sys.stderr)
    print("|---|---:|---:|---:|---:|---:|---:|---:|", file=sys.stderr)
    for s in systems():
        dst = os.path.join(a.out, s)
        if not a.no_scan:
            os.makedirs(dst, exist_ok=True)
            subprocess.run([a.bin, "scan", os.path.join(a.src, s), "--deterministic", "--format", "json",
                            "--out", dst, "--fail-on", "never"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(dst, "report.json"), encoding="utf-8") as f:
            findings = json.load(f)["findings"]
        rows = judged(s, ".final" if a.final else "")
        c = collections.Counter()
        true_medplus = 0
        # Best verdict of the judged findings each new finding matched
        # (TRUE > NOISE > FALSE): the verdict of the new finding.
        best = {}
        rank = {"TRUE": 3, "NOISE": 2, "FALSE": 1}
        for r in rows:
            how, hit = match(r, findings)
            v = r["verdict"]
            if hit is not None and rank.get(v, 0) > rank.get(best.get(hit["fingerprint"]), 0):
                best[hit["fingerprint"]] = v
            c[f"{v}_judged"] += 1
            if hit is None:
                c[f"{v}_gone"] += 1
            elif v == "TRUE":
                c["TRUE_kept"] += 1
                if hit["severity"] in MEDIUM_PLUS:
                    true_medplus += 1
            out.writerow([s, r["rule"], v, r["subject"], r["location"], r["fingerprint"], r["severity"],
                          hit["severity"] if hit else "", hit.get("confidence", "") if hit else "", how,
                          hit["fingerprint"] if hit else ""])
        now = len(findings)
        now_med = sum(f["severity"] in MEDIUM_PLUS for f in findings)
        med = collections.Counter(best.get(f["fingerprint"], "unjudged")
                                  for f in findings if f["severity"] in MEDIUM_PLUS)
        for k, n in med.items():
            c[f"med_{k}"] += n
        print(f"| {s} | → {now} | → {now_med} | {c['TRUE_kept']} / {c['TRUE_judged']} | "
              f"{c['FALSE_gone']} / {c['FALSE_judged']} | {c['NOISE_gone']} / {c['NOISE_judged']} | "
              f"{true_medplus} | {med['TRUE']}/{med['NOISE']}/{med['FALSE']}/{med['unjudged']} |",
              file=sys.stderr)
        pooled.update(c)
        pooled["now"] += now
        pooled["now_med"] += now_med
    p = pooled
    print(f"| **pooled** | → {p['now']} | → {p['now_med']} | {p['TRUE_kept']} / {p['TRUE_judged']} | "
          f"{p['FALSE_gone']} / {p['FALSE_judged']} | {p['NOISE_gone']} / {p['NOISE_judged']} | | "
          f"{p['med_TRUE']}/{p['med_NOISE']}/{p['med_FALSE']}/{p['med_unjudged']} |",
          file=sys.stderr)


if __name__ == "__main__":
    main()
