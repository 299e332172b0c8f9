"""bench/lsp's client: time didChange -> publishDiagnostics against `physc lsp` (stdio)."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time


class Server:
    def __init__(self, physc):
        self.p = subprocess.Popen([physc, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        self.id = 0

    def send(self, message):
        body = json.dumps(message).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.p.stdout.readline()
            if not line:
                sys.exit("physc lsp closed its output")
            line = line.strip()
            if not line:
                break
            if line.startswith(b"Content-Length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.p.stdout.read(length))

    def request(self, method, params):
        self.id += 1
        self.send({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
        while True:
            m = self.read()
            if m.get("id") == self.id:
                return m

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def diagnostics(self, uri):
        while True:
            m = self.read()
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                return m["params"]["diagnostics"]


def large_file(models):
    parts = []
    for k in range(models):
        parts.append(f"""model Heat{k} {{
  space    x in [0, 1] [m]
  time     t in [0, 0.5] [s]
  const    k = 0.1 [m^2 / s]
  const    L = 1 [m]
  const    u0 = 1 [K]
  field    u(x, t) [K]

  pde      dt(u) = k * dxx(u)
  initial  u = u0 * sin(pi * x / L)
  boundary u = 0 [K] at x = 0
  boundary u = 0 [K] at x = 1
}}

train Heat{k} {{
  net      mlp(width: 20, depth: 3)
  points   interior: 2048
  optimize adam(steps: 100)
}}
""")
    return "\n".join(parts)


def edits(server, uri, text, count, at):
    """Time `count` one-character edits at byte `at` (a digit toggled between 1 and 2)."""
    times, counts = [], []
    for i in range(count):
        new = text[:at] + ("2" if i % 2 == 0 else "1") + text[at + 1:]
        t = time.perf_counter()
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": i + 2},
                                                 "contentChanges": [{"text": new}]})
        d = server.diagnostics(uri)
        times.append(time.perf_counter() - t)
        counts.append(len(d))
    return times, counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--physc", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    server = Server(a.physc)
    server.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    server.notify("initialized", {})
    rows = []

    text = large_file(100)
    lines = text.count("\n") + 1
    uri = "file:///bench-lsp/large.phys"
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "phys",
                                                            "version": 1, "text": text}})
    server.diagnostics(uri)
    at = text.index("0.1 [m^2") + 2  # the digit of `0.1` in the first model
    times, counts = edits(server, uri, text, 41, at)
    if len(set(counts)) != 1:
        sys.exit(f"the large file's diagnostics changed between identical edits: {counts}")
    rows += [("large.phys", t) for t in times]
    large = statistics.median(times) * 1e3

    medians = {}
    for name in sorted(os.listdir(a.examples)):
        if not name.endswith(".phys"):
            continue
        with open(os.path.join(a.examples, name)) as f:
            text = f.read()
        uri = "file://" + os.path.abspath(os.path.join(a.examples, name))
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "phys",
                                                                "version": 1, "text": text}})
        server.diagnostics(uri)
        # A comment's character, so the example's meaning never changes.
        at = text.index("//") + 1 if "//" in text else len(text) - 1
        times, _ = edits(server, uri, text, 11, at) if "//" in text else ([], [])
        if not times:
            continue
        rows += [(name, t) for t in times]
        medians[name] = statistics.median(times) * 1e3
        server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    server.request("shutdown", None)
    server.notify("exit", None)
    server.p.wait(timeout=10)

    with open(os.path.join(a.out, "timings.csv"), "w") as f:
        f.write("file,seconds\n")
        f.writelines(f"{n},{t:.6f}\n" for n, t in rows)
    worst = max(medians, key=medians.get)
    print(f"large file ({lines} lines): median {large:.2f} ms over 41 edits (target < 50 ms)")
    for name, m in sorted(medians.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  {name:40s} {m:7.2f} ms")
    print(f"examples: worst median {medians[worst]:.2f} ms ({worst}), "
          f"median {statistics.median(medians.values()):.2f} ms (target < 10 ms each)")
    print(f"RESULT lsp large_file_ms={large:.2f} examples_worst_ms={medians[worst]:.2f} "
          f"examples_median_ms={statistics.median(medians.values()):.2f} lines={lines}")


if __name__ == "__main__":
    main()
