"""PySpark (local mode) re-prices a generated batch with every rule, one
practitioner per group through ``applyInArrow``, and must agree with
``kine-tarif price`` on the same file, row by row: code, coefficient, act,
value, quantity, amount, status, findings and message.

Usage: python spark_agrees.py KINE_TARIF_BINARY [LINES]
"""

import csv
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import kine_tarif

BIN = sys.argv[1]
LINES = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
PRICED = [
    "code",
    "coefficient",
    "act_id",
    "unit_value",
    "quantity",
    "amount",
    "status",
    "findings",
    "message",
]
SCHEMA = (
    "line_no long, code string, coefficient decimal(18,6), act_id string, "
    "unit_value decimal(18,2), quantity decimal(18,6), amount decimal(18,2), "
    "status string, findings string, message string"
)


def price_group(table):
    """One practitioner's lines, in the file's order (a group comes in no
    particular order), priced; the line number ties each row back."""
    table = table.sort_by("line_no")
    out = kine_tarif.price_arrow(table, keep_input=False, threads=1)
    return out.select(PRICED).add_column(0, "line_no", table.column("line_no"))


def main():
    # The workers run this interpreter (the one kine_tarif is installed in).
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    work = tempfile.mkdtemp(prefix="kt-spark-")
    generated = os.path.join(work, "generated.csv")
    subprocess.run(
        [BIN, "generate", "--lines", str(LINES), "--seed", "11", "-o", generated],
        check=True,
    )
    # A line number column, which the engine leaves alone.
    src = os.path.join(work, "invoices.csv")
    with open(generated, encoding="utf-8") as f, open(src, "w", encoding="utf-8") as g:
        g.write("line_no," + f.readline())
        for i, line in enumerate(f, 1):
            g.write(f"{i},{line}")
    cli = os.path.join(work, "cli.csv")
    started = time.perf_counter()
    subprocess.run([BIN, "price", src, "-o", cli], check=False, capture_output=True)
    cli_seconds = time.perf_counter() - started

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("kine-tarif")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    try:
        started = time.perf_counter()
        df = spark.read.option("header", True).csv(src)  # every column as text
        df = df.withColumn("line_no", F.col("line_no").cast("long"))
        priced = df.groupBy("practitioner_id").applyInArrow(price_group, SCHEMA).toArrow()
        spark_seconds = time.perf_counter() - started
    finally:
        spark.stop()

    by_line = {}
    columns = {c: priced.column(c).to_pylist() for c in ["line_no"] + PRICED}
    for i, line_no in enumerate(columns["line_no"]):
        by_line[line_no] = {c: columns[c][i] for c in PRICED}
    decimals = {"coefficient", "unit_value", "quantity", "amount"}
    rows = 0
    with open(cli, encoding="utf-8", newline="") as f:
        for want in csv.DictReader(f):
            rows += 1
            got = by_line.pop(int(want["row"]), None)
            assert got is not None, f"ligne {want['row']} absente du résultat Spark"
            for c in PRICED:
                w = want[c] or None
                if w is not None and c in decimals:
                    w = Decimal(w)
                assert got[c] == w, f"ligne {want['row']}, {c} : Spark {got[c]!r}, commande {w!r}"
    assert rows == LINES, (rows, LINES)
    assert not by_line, f"{len(by_line)} lignes Spark en trop"
    print(
        f"PySpark agrees with the command on {rows} rows "
        f"(command {cli_seconds:.2f} s, Spark local[2] job {spark_seconds:.2f} s)"
    )


if __name__ == "__main__":
    main()
