#!/usr/bin/env python3
"""`kine-tarif serve` under load, on loopback (BENCHMARKS.md, "HTTP service").

    cargo build --release
    python3 benches/serve.py target/release/kine-tarif /tmp/g1m.csv [SECONDS]

- /v1/price and /v1/check (a 20-line invoice) with wrk, 20 connections
  (10 x the 2 cores), 2 threads, SECONDS each (default 20): requests per
  second, p50 and p99 latency, errors;
- /v1/batch on the CSV file (curl) against `kine-tarif price` on the same
  file, alternated, 3 rounds each;
- the server's resident memory sampled every second.
Needs wrk and curl (Debian packages).
"""

import re
import subprocess
import sys
import threading
import time

binary, csv = sys.argv[1], sys.argv[2]
seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 20

server = subprocess.Popen([binary, "serve", "--bind", "127.0.0.1:0"], stderr=subprocess.PIPE, text=True)
first = server.stderr.readline()
base = re.search(r"http://[0-9.:]+", first).group(0)
threading.Thread(target=lambda: server.stderr.read(), daemon=True).start()

rss = []
stop = False


def sample():
    while not stop:
        with open(f"/proc/{server.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss.append(int(line.split()[1]) // 1024)
        time.sleep(1)


threading.Thread(target=sample, daemon=True).start()


def wrk(script, path):
    out = subprocess.run(
        ["wrk", "-t2", "-c20", f"-d{seconds}s", "--latency", "-s", f"benches/serve/{script}", base + path],
        capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)
    p50 = re.search(r"50%\s+(\S+)", out).group(1)
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    total = re.search(r"(\d+) requests in", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    print(f"{path}: {rps} requests/s, p50 {p50}, p99 {p99}, {total} requests, "
          f"non-2xx {non2xx.group(1) if non2xx else 0}, socket errors {sock.group(1) if sock else 'none'}")


wrk("price.lua", "/v1/price")
print(f"  server memory after /v1/price: {rss[-1] if rss else '?'} MiB (samples every 10 s: {rss[::10]})")
mark = len(rss)
wrk("check.lua", "/v1/check")
print(f"  server memory after /v1/check: {rss[-1] if rss else '?'} MiB (samples every 10 s: {rss[mark::10]})")

batch, command = [], []
for _ in range(3):
    t = time.perf_counter()
    subprocess.run(["curl", "-sS", "--fail", "--data-binary", f"@{csv}", "-H", "Content-Type: text/csv",
                    "-o", "/dev/null", base + "/v1/batch"], check=True)
    batch.append(time.perf_counter() - t)
    t = time.perf_counter()
    subprocess.run([binary, "price", csv, "-o", "/dev/null", "-q"], check=True)
    command.append(time.perf_counter() - t)
print(f"/v1/batch {min(batch):.3f} s best, command {min(command):.3f} s best: "
      f"ratio {min(batch) / min(command):.2f} (medians {sorted(batch)[1]:.3f} / {sorted(command)[1]:.3f})")
stop = True
server.terminate()
server.wait()
print(f"server memory (RSS, MiB): start {rss[0] if rss else '?'}, max {max(rss) if rss else '?'}, "
      f"end {rss[-1] if rss else '?'}, {len(rss)} samples")
