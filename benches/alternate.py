#!/usr/bin/env python3
"""Whole-program ratios to the floor, with the runs alternated.

On a shared machine the load changes from one minute to the next, so the
floor and the engine are timed in turn, R rounds, and the medians and
best times compared (BENCHMARKS.md, "Whole program, alternated"). More
binaries after the file (another build of the engine, e.g. the start of a
round) are timed in the same rounds.

    cargo build --release --example csv_floor
    cargo build --release
    python3 benches/alternate.py target/release/kine-tarif 20 /tmp/g1m.csv [OTHER_BINARY ...]
"""

import statistics
import subprocess
import sys
import time

binary, rounds, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
binaries = [binary] + sys.argv[4:]
floor = "target/release/examples/csv_floor"
commands = {"floor": [floor, path]}
for b in binaries:
    label = "" if len(binaries) == 1 else f" {b}"
    for threads in ["1", "2"]:
        name = {"1": "one", "2": "two"}[threads] + label
        commands[name] = [b, "price", path, "-o", "/dev/null", "--threads", threads]
times = {name: [] for name in commands}
for _ in range(rounds):
    for name, command in commands.items():
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times[name].append(time.perf_counter() - start)
for name, t in times.items():
    print(f"{name:5} median {statistics.median(t) * 1000:7.1f} ms  best {min(t) * 1000:7.1f} ms")
for name in [n for n in commands if n != "floor"]:
    median = statistics.median(times["floor"]) / statistics.median(times[name])
    best = min(times["floor"]) / min(times[name])
    print(f"{name}: floor / engine, median {median:.3f}, best {best:.3f}")
