"""price_arrow: the batch engine on Arrow tables (pyarrow, Polars). Amounts
are worked out by hand from tariffs/ (letter values, act coefficients)."""

import datetime
from decimal import Decimal

import polars as pl
import pyarrow as pa
import pytest

import kine_tarif as kt


def _table(**cols):
    return pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()})


BASE = dict(
    invoice_id=["F1", "F2", "F3", "F4"],
    patient_id=["P1", "P2", "P3", "P4"],
    date=["2024-06-15", "2026-02-01", "2024-07-01", "2024-06-15"],
    code=["RIM", "RIM", "AMS", "RIM"],
    coefficient=["7.50", "8.10", "7.5", "7,50"],
    department=["75", "974", "75", "75"],
)


def test_amounts_are_exact_decimals_in_input_order():
    out = kt.price_arrow(_table(**BASE))
    assert out.num_rows == 4
    assert out.schema.field("amount").type == pa.decimal128(18, 2)
    assert out.schema.field("coefficient").type == pa.decimal128(18, 6)
    amounts = out.column("amount").to_pylist()
    # RIM 7.50 x 2.21 = 16.575 -> 16.58 (mainland, 2024); La Réunion, RIM
    # 8.10 x 2.43 = 19.683 -> 19.68 (2026); AMS after 2024-02-22: refused,
    # no amount; "7,50" is read as 7.50.
    assert amounts == [Decimal("16.58"), Decimal("19.68"), None, Decimal("16.58")]
    assert all(a is None or isinstance(a, Decimal) for a in amounts)
    assert out.column("status").to_pylist() == ["ok", "ok", "error", "ok"]
    assert out.column("findings").to_pylist()[2] == "OLD_COTATION_REJECTED"
    assert out.column("row").to_pylist() == [1, 2, 3, 4]
    # The input's columns come first, unchanged, code and coefficient as
    # code_in and coefficient_in (as in the command's output).
    assert out.column("coefficient_in").to_pylist() == BASE["coefficient"]
    assert out.column("coefficient").to_pylist()[3] == Decimal("7.5")
    assert out.column("unit_value").to_pylist()[:2] == [Decimal("2.21"), Decimal("2.43")]


def test_typed_columns_read_as_their_text():
    typed = pa.table(
        {
            "invoice_id": pa.array(BASE["invoice_id"]).dictionary_encode(),
            "patient_id": pa.array(BASE["patient_id"], pa.large_string()),
            "date": pa.array(
                [datetime.date.fromisoformat(d) for d in BASE["date"]], pa.date32()
            ),
            "code": pa.array(BASE["code"], pa.string_view()),
            "coefficient": pa.array(
                [Decimal("7.50"), Decimal("8.10"), Decimal("7.50"), Decimal("7.50")],
                pa.decimal128(5, 2),
            ),
            "department": pa.array([75, 974, 75, 75], pa.int16()),
            "telesoin": pa.array([False, False, None, False]),
        }
    )
    out = kt.price_arrow(typed, keep_input=False)
    want = kt.price_arrow(_table(**BASE), keep_input=False)
    assert out.column("amount").equals(want.column("amount"))
    assert out.column("status").equals(want.column("status"))
    assert out.column_names == want.column_names


def test_a_float_column_is_refused_by_name():
    t = _table(**BASE).set_column(4, "coefficient", pa.array([7.5, 8.1, 7.5, 7.5]))
    with pytest.raises(kt.InvalidRequestError, match="coefficient"):
        kt.price_arrow(t)
    with pytest.raises(kt.BatchError, match="coefficient"):
        kt.price_arrow(_table(**BASE).drop_columns(["coefficient"]))
    with pytest.raises(TypeError):
        kt.price_arrow([{"code": "RIM"}])


def test_cross_line_rules_see_each_practitioner_whatever_the_order():
    # Two sessions the same day for patient P1 with K1 (RIC, then RAM on
    # another prescription), with K2's lines in between: the second K1
    # line is refused, the K2 line on the same day is not concerned.
    t = _table(
        invoice_id=["F1", "F9", "F2"],
        patient_id=["P1", "P1", "P1"],
        practitioner_id=["K1", "K2", "K1"],
        date=["2026-03-02"] * 3,
        code=["RIC", "RIM", "RAM"],
        coefficient=["8.12", "8.10", "8.09"],
        prescription_id=["RX1", "RX9", "RX2"],
        session=["1", "1", "2"],
    )
    out = kt.price_arrow(t)
    assert out.column("invoice_id").to_pylist() == ["F1", "F9", "F2"]
    assert out.column("findings").to_pylist() == [None, None, "SAME_DAY_NOT_ALLOWED"]
    # 8.12 x 2.21 = 17.9452 -> 17.95; 8.10 x 2.21 = 17.901 -> 17.90;
    # 8.09 x 2.21 = 17.8789 -> 17.88 (amount kept, the line is flagged).
    assert out.column("amount").to_pylist() == [
        Decimal("17.95"),
        Decimal("17.90"),
        Decimal("17.88"),
    ]


def test_polars_record_batches_and_repricing():
    df = pl.DataFrame(BASE)
    out = pl.from_arrow(kt.price_arrow(df))
    assert out["amount"].to_list() == [Decimal("16.58"), Decimal("19.68"), None, Decimal("16.58")]
    batch = _table(**BASE).to_batches()[0]
    table, summary = kt.price_arrow(batch, reprice_at="2026-03-01", summary=True)
    # RIM 7.50 of 2024 is RIM 8.10 from 2026-01-01: 8.10 x 2.21 = 17.901 -> 17.90.
    assert table.column("reprice_amount").to_pylist()[0] == Decimal("17.90")
    assert table.column("reprice_coefficient").to_pylist()[0] == Decimal("8.1")
    assert (summary["rows"], summary["ok"], summary["errors"]) == (4, 3, 1)
    # 16.58 + 19.68 + 16.58 = 52.84.
    assert summary["computed"] == Decimal("52.84")


def test_an_empty_table_gives_an_empty_table():
    out = kt.price_arrow(_table(**{k: [] for k in BASE}))
    assert out.num_rows == 0 and "amount" in out.column_names


def test_coverage_columns_add_who_pays_what():
    t = _table(**BASE).append_column("regime", pa.array(["13", "", "", ""]))
    out = kt.price_arrow(t, keep_input=False)
    assert out.schema.field("amo_amount").type == pa.decimal128(18, 2)
    # Alsace-Moselle: 16.58 x 90 % = 14.922 -> 14.92; La Réunion, régime
    # général: 19.68 x 60 % = 11.808 -> 11.81; the refused AMS line has none.
    assert out.column("amo_amount").to_pylist() == [
        Decimal("14.92"),
        Decimal("11.81"),
        None,
        Decimal("9.95"),
    ]
    assert out.column("patient_amount").to_pylist()[0] == Decimal("1.66")
    assert "amo_amount" not in kt.price_arrow(_table(**BASE)).column_names
