"""kine-tarif from Python: amounts worked out by hand from the tariffs,
findings, errors, exact decimals."""

import datetime
from decimal import Decimal

import pytest

import kine_tarif as kt


def test_a_line_is_priced_exactly():
    # An ankle sprain session, RIM 7.50 on 2024-06-15: 7.50 x 2.21 = 16.575 -> 16.58.
    r = kt.price("2024-06-15", "RIM", Decimal("7.50"))
    assert r["amount"] == Decimal("16.58") and isinstance(r["amount"], Decimal)
    assert str(r["amount"]) == "16.58"
    assert r["act_id"] == "A1C-ENTORSE-MED"
    assert r["unit_value"] == Decimal("2.21")
    assert r["date"] == datetime.date(2024, 6, 15)
    assert r["status"] == "ok" and r["findings"] == []
    assert r["formula"] == "7,5 × 2,21\u00a0€ × 1 = 16,575 → 16,58\u00a0€"


def test_overseas_and_a_date_object():
    # La Réunion, RIM 8.10 on 2026-02-01: 8.10 x 2.43 = 19.683 -> 19.68.
    r = kt.price(datetime.date(2026, 2, 1), "rim", "8.10", department="974")
    assert r["amount"] == Decimal("19.68")


def test_a_wrong_billed_amount_is_a_finding_not_an_exception():
    r = kt.price("2024-06-15", "RIM", "7.50", billed_amount=Decimal("17.00"))
    assert r["status"] == "error"
    assert [f["code"] for f in r["findings"]] == ["AMOUNT_MISMATCH"]


@pytest.mark.parametrize(
    "args, kwargs",
    [
        (("2026-02-01", "RIM", 8.1), {}),  # a float
        (("2026-02-01", "XYZ", "8.10"), {}),  # an unknown code
        (("2026-02-31", "RIM", "8.10"), {}),  # no such date
        (("2026-02-01", "RIM", "8.10"), {"department": "975"}),
    ],
)
def test_what_cannot_be_read_is_an_exception(args, kwargs):
    with pytest.raises(kt.InvalidRequestError) as e:
        kt.price(*args, **kwargs)
    assert isinstance(e.value, kt.KineTarifError) and str(e.value)


def _session(invoice, code, coefficient, prescription, session):
    line = {"date": "2026-03-02", "code": code, "coefficient": coefficient}
    context = {
        "invoice_id": invoice,
        "patient_id": "P1",
        "practitioner_id": "K1",
        "prescription_id": prescription,
        "session": session,
    }
    return line, context


def test_the_checker_finds_two_sessions_the_same_day():
    c = kt.Checker()
    c.add(("F1", 1), *_session("F1", "RIC", "8.12", "RX1", "1"))
    c.add(("F2", 1), *_session("F2", "RAM", "8.09", "RX2", "2"))
    assert len(c) == 2
    out = c.finalize()
    first, second = out["lines"]
    assert first["reference"] == ("F1", 1) and first["findings"] == []
    assert [f["code"] for f in second["findings"]] == ["SAME_DAY_NOT_ALLOWED"]
    # 8.12 x 2.21 = 17.9452 -> 17.95; 8.09 x 2.21 = 17.8789 -> 17.88.
    assert [i["computed"] for i in out["invoices"]] == [Decimal("17.95"), Decimal("17.88")]
    assert out["history_lines"] == 0


def test_the_checker_sees_a_recorded_invoice(tmp_path):
    history = str(tmp_path / "cabinet.sqlite")
    c = kt.Checker(history=history)
    c.add("L1", *_session("F1", "RIC", "8.12", "RX1", "1"))
    assert c.finalize(record=True)["recorded"] == (1, 1)
    c = kt.Checker(history=history)
    c.add("L2", *_session("F2", "RAM", "8.09", "RX2", "2"))
    out = c.finalize()
    assert out["history_lines"] == 1
    assert out["lines"][0]["findings"][0]["code"] == "SAME_DAY_NOT_ALLOWED"


def test_a_file_that_is_not_a_history_is_an_exception(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("pas une base\n" * 100)
    c = kt.Checker(history=str(bad))
    c.add(1, {"date": "2026-01-05", "code": "RIM", "coefficient": "8.10"})
    with pytest.raises(kt.HistoryError):
        c.finalize()


def test_price_csv_runs_the_engine_on_files(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(
        "invoice_id,patient_id,date,code,coefficient,department\n"
        "F1,P1,2024-06-15,RIM,7.50,75\n"
        "F2,P2,2024-07-01,AMS,7.5,75\n"
        "F3,P3,not-a-date,RIM,7.50,75\n"
    )
    dst = tmp_path / "out.csv"
    s = kt.price_csv(str(src), str(dst))
    assert (s["rows"], s["ok"], s["errors"]) == (3, 1, 2)
    assert s["computed"] == Decimal("16.58")
    assert len(dst.read_text().splitlines()) == 4
    with pytest.raises(kt.BatchError):
        kt.price_csv(str(tmp_path / "missing.csv"), str(dst))


def test_the_checker_splits_who_pays_what():
    c = kt.Checker()
    line, context = _session("F1", "RIM", "7.50", "RX1", "1")
    c.add("L1", dict(line, date="2024-06-15"), dict(context, regime="alsace_moselle"))
    out = c.finalize()
    split = out["lines"][0]["split"]
    # RIM 7.50 x 2.21 = 16.58; Alsace-Moselle 90 %: 14.922 -> 14.92, 1.66 left;
    # franchise 1 EUR an act from 2024-03-31.
    assert split["amo_amount"] == Decimal("14.92") and isinstance(split["amo_amount"], Decimal)
    assert (split["patient_amount"], split["franchise"]) == (Decimal("1.66"), Decimal("1.00"))
    assert out["invoices"][0]["amo_amount"] == Decimal("14.92")
    with pytest.raises(kt.InvalidRequestError):
        kt.Checker().add("L2", line, dict(context, exoneration="9"))


def test_price_splits_who_pays_what():
    # RIM 7.50 on 2024-06-15 = 16.58; ALD-related care: 100 %, franchise 1 EUR.
    r = kt.price("2024-06-15", "RIM", "7.50", exoneration="ald")
    s = r["split"]
    assert (s["amo_rate"], s["amo_amount"], s["patient_amount"]) == (
        Decimal("100"),
        Decimal("16.58"),
        Decimal("0.00"),
    )
    assert s["franchise"] == Decimal("1.00")
    # A minor in the régime général: 60 % = 9.948 -> 9.95, no franchise.
    r = kt.price("2024-06-15", "RIM", "7.50", patient_birth_date=datetime.date(2010, 1, 1))
    assert (r["split"]["amo_amount"], r["split"]["franchise"]) == (Decimal("9.95"), Decimal("0"))
    assert "split" not in kt.price("2024-06-15", "RIM", "7.50")
    with pytest.raises(kt.InvalidRequestError):
        kt.price("2024-06-15", "RIM", "7.50", regime="msa")


def test_versions():
    assert kt.__version__ == "0.1.0"
    assert kt.TARIFF_DATA_VERSION.count(".") == 1
