#!/usr/bin/env python3
"""The Arrow path against the command, on the same lines, runs alternated.

Each round times, in turn:

- ``cli``: ``kine-tarif price FILE -o OUT`` (the command reading and
  writing files, two threads);
- ``arrow``: ``kine_tarif.price_arrow(table)`` on a pyarrow table read
  from the file beforehand (every column text), to a pyarrow table;
- ``polars``: ``pl.from_arrow(price_arrow(df))`` on a Polars DataFrame
  read beforehand.

Medians and best times, and each path's ratio to the command's
(BENCHMARKS.md, "Arrow and Python"). Run in the Python package's
environment (``bash .ci/python`` makes it):

    cargo build --release
    .venv-py/bin/python benches/arrow.py target/release/kine-tarif 9 /tmp/g1m.csv
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

import kine_tarif

binary, rounds, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, encoding="utf-8") as f:
    names = f.readline().strip().split(",")
table = pacsv.read_csv(
    path,
    convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}),
)
frame = pl.read_csv(path, infer_schema=False)
out = os.path.join(tempfile.mkdtemp(), "out.csv")


def cli():
    subprocess.run([binary, "price", path, "-o", out], check=False, capture_output=True)


def arrow():
    kine_tarif.price_arrow(table)


def polars():
    pl.from_arrow(kine_tarif.price_arrow(frame))


paths = {"cli": cli, "arrow": arrow, "polars": polars}
times = {name: [] for name in paths}
for _ in range(rounds):
    for name, run in paths.items():
        started = time.perf_counter()
        run()
        times[name].append(time.perf_counter() - started)
base = statistics.median(times["cli"])
print(f"{table.num_rows} lines, {rounds} rounds")
for name, t in times.items():
    m = statistics.median(t)
    print(f"{name:7} median {m:.3f} s  best {min(t):.3f} s  ratio {m / base:.2f}")
