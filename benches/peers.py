#!/usr/bin/env python3
"""kine-tarif beside what a data analyst would use instead: DuckDB and Polars.

What it measures
----------------
Each peer prices every line of a generated invoice CSV the way a careful
analyst would, in one SQL query (DuckDB) or one lazy query (Polars):

- read the invoice CSV as text (a bad field gives an empty amount, it does
  not stop the batch); `coefficient` empty = 1 (travel lines), `quantity`
  empty = 1, a decimal comma is read as a dot; `department` 971, 972, 973,
  974, 976 = overseas (`dom`), anything else (empty too) = `metropole`;
- read `tariffs/letter_values.csv` (half-open [valid_from, valid_to), empty
  valid_to = open; no value for the `unknown` and `suppressed` rows);
- join each line to the letter value of its code, territory and date (an
  equality join on code and territory, plus the date range);
- amount = coefficient x value x quantity in exact decimals (DuckDB DECIMAL,
  Polars pl.Decimal, never float), rounded to the cent half away from zero;
- write one row per input row, in input order: `row`, the input columns as
  read, `value` and `amount`, as CSV (to /dev/null when timing, as
  kine-tarif is timed with `-o /dev/null`).

The peers only price. kine-tarif also resolves each act (act_id, old
cotations, revalued coefficients) and, without `--no-rules`, applies ~30
invoice rules; its `--no-rules` run is the closest like-for-like.

Every run, kine-tarif's and each peer's, is a separate process timed from
outside (wall clock), so each pays its own start-up (Python and the library
import for the peers). The runs are alternated over R rounds, as in
benches/alternate.py, because the load of a shared machine drifts. Each peer
runs in a subprocess with its thread count set before the library is loaded
(DuckDB `SET threads`, POLARS_MAX_THREADS).

`--check` first runs each peer once and compares its amount, line by line,
with the `amount` of `kine-tarif price --no-rules` for every line kine-tarif
prices from the letter value alone: status `ok` with no finding, and its
`coefficient` equal to `coefficient_in` (act lines whose coefficient
kine-tarif revalues are left out). It should report 0 differences.

Rounding: DuckDB's ROUND on a DECIMAL rounds half away from zero (the
script checks it at start); Polars' Decimal round is half to even by
default, so the script asks for mode="half_away_from_zero" (checked too).
Polars' Decimal product keeps the larger of the two scales, rounding the
exact product, so the value is cast to scale 10 first: coefficient (scale 4)
x value (scale 2) x quantity (scale 4) has at most 10 decimals, the product
stays exact.

Install (once, from the repository root)
----------------------------------------
    python3 -m venv .venv-bench
    .venv-bench/bin/pip install -r benches/peers-requirements.txt

Run
---
    cargo build --release
    target/release/kine-tarif generate --lines 1000000 --seed 1 -o /tmp/g1m.csv
    .venv-bench/bin/python benches/peers.py /tmp/g1m.csv --rounds 5 --threads 2 --check

Options: --rounds R (default 5), --kine BINARY (default
target/release/kine-tarif), --threads N (default: the number of cores),
--letter-values PATH (default tariffs/letter_values.csv), --check.
"""

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OVERSEAS = ("971", "972", "973", "974", "976")

# Exact widths: the coefficient and the quantity to 4 decimals, the value to
# 2; their product has at most 10 decimals.
DUCKDB_QUERY = """
COPY (
    WITH lines AS (
        SELECT ordinality AS "row", * EXCLUDE (ordinality)
        FROM read_csv({file}, header = true, all_varchar = true) WITH ORDINALITY
    ),
    lv AS (
        SELECT code, territory,
               TRY_CAST(value AS DECIMAL(9, 2)) AS value_dec, value,
               CAST(valid_from AS DATE) AS valid_from,
               CAST(NULLIF(valid_to, '') AS DATE) AS valid_to
        FROM read_csv({letter_values}, header = true, all_varchar = true)
    ),
    priced AS (
        SELECT l.*, lv.value, lv.value_dec,
               COALESCE(TRY_CAST(replace(l.coefficient, ',', '.') AS DECIMAL(12, 4)),
                        CASE WHEN NULLIF(trim(l.coefficient), '') IS NULL THEN 1 END) AS coef,
               COALESCE(TRY_CAST(replace(l.quantity, ',', '.') AS DECIMAL(12, 4)),
                        CASE WHEN NULLIF(trim(l.quantity), '') IS NULL THEN 1 END) AS qty
        FROM lines l
        LEFT JOIN lv
          ON lv.code = l.code
         AND lv.territory = CASE WHEN l.department IN {overseas} THEN 'dom' ELSE 'metropole' END
         AND TRY_CAST(l.date AS DATE) >= lv.valid_from
         AND (lv.valid_to IS NULL OR TRY_CAST(l.date AS DATE) < lv.valid_to)
    )
    SELECT * EXCLUDE (value, value_dec, coef, qty),
           value,
           ROUND(coef * value_dec * qty, 2) AS amount
    FROM priced
    ORDER BY "row"
) TO {out} (FORMAT csv, HEADER true)
"""


def sql_string(s):
    return "'" + str(s).replace("'", "''") + "'"


def run_duckdb(path, letter_values, out, threads):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = true")
    query = DUCKDB_QUERY.format(
        file=sql_string(path),
        letter_values=sql_string(letter_values),
        out=sql_string(out),
        overseas="(" + ", ".join(sql_string(d) for d in OVERSEAS) + ")",
    )
    con.execute(query)


def run_polars(path, letter_values, out, threads):
    # POLARS_MAX_THREADS is set by the parent before this process starts.
    import polars as pl

    exact = pl.Decimal(38, 10)
    lines = pl.scan_csv(path, infer_schema=False).with_row_index("row", offset=1)
    input_columns = lines.collect_schema().names()
    keyed = lines.select(
        "row",
        "code",
        pl.when(pl.col("department").is_in(OVERSEAS))
        .then(pl.lit("dom"))
        .otherwise(pl.lit("metropole"))
        .alias("territory"),
        pl.col("date").str.to_date("%Y-%m-%d", strict=False).alias("day"),
    )
    lv = pl.scan_csv(letter_values, infer_schema=False).select(
        "code",
        "territory",
        "value",
        pl.col("valid_from").str.to_date("%Y-%m-%d"),
        pl.col("valid_to").str.to_date("%Y-%m-%d", strict=False),
    )
    matched = (
        keyed.join(lv, on=["code", "territory"], how="inner")
        .filter(
            (pl.col("day") >= pl.col("valid_from"))
            & (pl.col("valid_to").is_null() | (pl.col("day") < pl.col("valid_to")))
        )
        .select("row", "value")
    )

    def number(column):
        text = pl.col(column).str.replace(",", ".", literal=True)
        return (
            pl.when(pl.col(column).is_null() | (pl.col(column).str.strip_chars() == ""))
            .then(pl.lit(1).cast(exact))
            .otherwise(text.cast(pl.Decimal(38, 4), strict=False))
        )

    amount = (
        (number("coefficient") * pl.col("value").cast(exact, strict=False) * number("quantity"))
        .round(2, mode="half_away_from_zero")
        .cast(pl.Decimal(38, 2))
        .alias("amount")
    )
    result = (
        lines.join(matched, on="row", how="left", maintain_order="left")
        .with_columns(amount)
        .select(input_columns + ["value", "amount"])
    )
    result.sink_csv(out)


PEERS = {"DuckDB": run_duckdb, "Polars": run_polars}


def check_rounding():
    """Both libraries round a DECIMAL half away from zero as used here."""
    cases = ["16.575", "18.785", "-18.785", "0.005", "0.015", "0.025", "2.345"]
    expected = [Decimal(c).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP") for c in cases]
    import duckdb
    import polars as pl

    got = [
        duckdb.sql(f"SELECT ROUND(CAST('{c}' AS DECIMAL(33, 10)), 2)").fetchall()[0][0] for c in cases
    ]
    assert got == expected, f"DuckDB rounds {cases} to {got}, expected {expected}"
    s = pl.Series(cases).cast(pl.Decimal(38, 10)).round(2, mode="half_away_from_zero")
    assert [Decimal(x).quantize(Decimal("0.01")) for x in s.to_list()] == expected, s.to_list()
    # Polars' Decimal product keeps the larger scale: scale 10 keeps it exact.
    p = pl.Series(["7.4900"]).cast(pl.Decimal(38, 4)) * pl.Series(["2.21"]).cast(pl.Decimal(38, 10))
    assert p.to_list() == [Decimal("16.5529")], p.to_list()


def peer_command(name, path, letter_values, out, threads):
    return [sys.executable, __file__, "--peer", name, path, "--letter-values", letter_values,
            "--out", out, "--threads", str(threads)]


def peer_env(threads):
    env = dict(os.environ)
    env["POLARS_MAX_THREADS"] = str(threads)
    return env


def read_amounts(path, column):
    with open(path, newline="", encoding="utf-8") as f:
        return [row[column] for row in csv.DictReader(f)]


def check(args):
    with tempfile.TemporaryDirectory(prefix="kine-peers-") as tmp:
        reference = os.path.join(tmp, "kine.csv")
        subprocess.run([args.kine, "price", args.file, "--no-rules", "-o", reference,
                        "--threads", str(args.threads)], check=True, stderr=subprocess.DEVNULL)
        with open(reference, newline="", encoding="utf-8") as f:
            kine = list(csv.DictReader(f))
        comparable = [
            i for i, r in enumerate(kine)
            if r["status"] == "ok" and r["findings"] == "" and r["amount"] != ""
            and r["coefficient"] == r["coefficient_in"]
        ]
        print(f"check: {len(kine)} lines, {len(comparable)} comparable "
              "(kine-tarif --no-rules: ok, no finding, coefficient not revalued)")
        failures = 0
        for name in PEERS:
            out = os.path.join(tmp, f"{name}.csv")
            subprocess.run(peer_command(name, args.file, args.letter_values, out, args.threads),
                           env=peer_env(args.threads), check=True)
            with open(out, newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
            if len(rows) != len(kine):
                print(f"  {name}: {len(rows)} rows for {len(kine)} input rows")
                failures += 1
                continue
            order = sum(
                1 for i, r in enumerate(rows)
                if (r["row"], r["invoice_id"], r["date"], r["code"])
                != (kine[i]["row"], kine[i]["invoice_id"], kine[i]["date"], kine[i]["code_in"])
            )
            matched, differed, examples = 0, 0, []
            by_code = {}
            for i in comparable:
                k, p = kine[i], rows[i]
                same = p["amount"] != "" and Decimal(p["amount"]) == Decimal(k["amount"])
                same = same and Decimal(p["value"]) == Decimal(k["unit_value"])
                if same:
                    matched += 1
                    by_code[k["code"]] = by_code.get(k["code"], 0) + 1
                else:
                    differed += 1
                    if len(examples) < 5:
                        examples.append((k["row"], k["code"], k["coefficient"], k["quantity"],
                                         k["amount"], p["value"], p["amount"]))
            extra = sum(1 for i, r in enumerate(kine) if r["amount"] == "" and rows[i]["amount"] != "")
            print(f"  {name}: {matched} matched, {differed} differed, rows out of order: {order}; "
                  f"lines kine-tarif leaves unpriced that {name} prices: {extra}")
            print("    matched by code: " + ", ".join(f"{c} {n}" for c, n in sorted(by_code.items())))
            for e in examples:
                print("    differs: row {} {} coefficient {} quantity {}: kine {} / peer value {} amount {}".format(*e))
            failures += differed + (order > 0)
        return failures


def timing(args):
    commands = {
        "kine-tarif, all rules": [args.kine, "price", args.file, "-o", os.devnull,
                                  "--threads", str(args.threads)],
        "kine-tarif --no-rules": [args.kine, "price", args.file, "--no-rules", "-o", os.devnull,
                                  "--threads", str(args.threads)],
    }
    for name in PEERS:
        commands[name] = peer_command(name, args.file, args.letter_values, os.devnull, args.threads)
    # The start-up each peer run pays (Python and the import), to read its figure without it.
    for name in PEERS:
        commands[f"{name} start-up only"] = [sys.executable, "-c", f"import {name.lower()}"]
    env = peer_env(args.threads)
    times = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=env, check=True)
            times[name].append(time.perf_counter() - start)
    width = max(len(n) for n in commands)
    print(f"wall time, {args.rounds} rounds alternated, {args.threads} thread(s), whole processes:")
    for name, t in times.items():
        print(f"  {name:{width}}  median {statistics.median(t) * 1000:8.1f} ms  "
              f"best {min(t) * 1000:8.1f} ms")
    print("  (\"start-up only\": python -c 'import duckdb' / 'import polars'; not part of the ratios)")
    for base in ["kine-tarif, all rules", "kine-tarif --no-rules"]:
        for name in PEERS:
            median = statistics.median(times[name]) / statistics.median(times[base])
            best = min(times[name]) / min(times[base])
            print(f"  {name} / {base}: median {median:.2f}x, best {best:.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kine", default=str(ROOT / "target" / "release" / "kine-tarif"))
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--letter-values", default=str(ROOT / "tariffs" / "letter_values.csv"))
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--peer", choices=list(PEERS), help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.peer:  # one timed peer run, in its own process
        PEERS[args.peer](args.file, args.letter_values, args.out, args.threads)
        return 0

    import duckdb
    import polars

    check_rounding()
    lines = sum(1 for _ in open(args.file, "rb")) - 1
    version = subprocess.run([args.kine, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{args.file}: {lines} lines; {version}; duckdb {duckdb.__version__}; "
          f"polars {polars.__version__}; python {sys.version.split()[0]}")
    print("The peers only price (letter value x coefficient x quantity, exact decimals, cent "
          "rounded half away from zero); kine-tarif also resolves the acts and, without "
          "--no-rules, applies ~30 invoice rules.")
    failures = check(args) if args.check else 0
    if args.rounds > 0:
        timing(args)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
