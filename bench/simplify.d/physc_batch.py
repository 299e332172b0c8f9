#!/usr/bin/env python3
"""Run `physc simplify --format json --file FILE [extra args]` for `bench/simplify`.

physc prints one JSON array at the end and leaves out the expressions it could not read.
If the batch run gives no valid JSON (a crash part way), every line is run again on its
own, so one bad expression costs only its own row. Writes

    {"rows": {input: physc's object}, "failed": {input: first line of physc's error}}
"""

import argparse
import json
import re
import subprocess
import sys


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        lines = (l.strip() for l in f)
        return [l for l in lines if l and not l.startswith("#")]


def first_error(stderr):
    lines = [l.strip() for l in stderr.splitlines() if l.strip()]
    for l in lines:
        if l.startswith("error") or "panicked" in l:
            return l[:200]
    return lines[0][:200] if lines else "no output"


def error_for(stderr, index):
    """The diagnostic physc printed for its `<expression INDEX>`, else the first error."""
    blocks, cur = [], []
    for l in stderr.splitlines():
        if re.match(r"(error|warning)\b", l) and cur:
            blocks.append(cur)
            cur = []
        cur.append(l)
    if cur:
        blocks.append(cur)
    tag = "<expression %d>" % index
    for b in blocks:
        if any(tag in l for l in b):
            return b[0].strip()[:200]
    return first_error(stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--physc", required=True)
    ap.add_argument("--file", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("extra", nargs="*", help="extra physc arguments, e.g. --count-only")
    a = ap.parse_args()

    lines = read_lines(a.file)
    cmd = [a.physc, "simplify", *a.extra, "--format", "json", "--file", a.file]
    p = subprocess.run(cmd, capture_output=True, text=True)
    rows, failed = {}, {}
    try:
        out = json.loads(p.stdout)
        if not isinstance(out, list):
            raise ValueError("not a list")
        for r in out:
            rows[r["input"]] = r
        for i, l in enumerate(lines, 1):
            if l not in rows:
                failed[l] = error_for(p.stderr, i)
    except (ValueError, KeyError, TypeError):
        print("  physc batch run gave no JSON (exit %d: %s); running line by line"
              % (p.returncode, first_error(p.stderr)), file=sys.stderr)
        for l in lines:
            q = subprocess.run([a.physc, "simplify", *a.extra, "--format", "json", "--", l],
                               capture_output=True, text=True)
            try:
                r = json.loads(q.stdout)[0]
                rows[r["input"]] = r
            except (ValueError, KeyError, TypeError, IndexError):
                failed[l] = first_error(q.stderr)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump({"rows": rows, "failed": failed}, f, indent=1)
    if failed:
        print("  physc could not handle %d of %d lines of %s" % (len(failed), len(lines), a.file),
              file=sys.stderr)


if __name__ == "__main__":
    main()
