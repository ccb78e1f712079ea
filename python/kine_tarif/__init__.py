"""kine-tarif: prices and checks French physiotherapy invoice lines.

Amounts are ``decimal.Decimal`` and dates ``datetime.date``; a ``float``
given for a decimal is refused (it cannot hold 16.575 exactly). Findings
are data in the results; exceptions are for what cannot be read.

>>> from decimal import Decimal
>>> r = price("2024-06-15", "RIM", Decimal("7.50"))
>>> r["amount"], r["act_id"]
(Decimal('16.58'), 'A1C-ENTORSE-MED')
"""

from ._kine_tarif import (
    TARIFF_DATA_VERSION,
    BatchError,
    Checker,
    HistoryError,
    InvalidRequestError,
    KineTarifError,
    __version__,
    _price_arrow,
    price,
    price_csv,
)

__all__ = [
    "TARIFF_DATA_VERSION",
    "BatchError",
    "Checker",
    "HistoryError",
    "InvalidRequestError",
    "KineTarifError",
    "__version__",
    "price",
    "price_arrow",
    "price_csv",
]


def price_arrow(
    data,
    *,
    rules=True,
    threads=0,
    reprice_at=None,
    history=None,
    keep_input=True,
    summary=False,
):
    """The command's engine on an Arrow table: one output row per input row.

    ``data`` is a ``pyarrow.Table`` or ``RecordBatch``, a Polars
    ``DataFrame``, or any object with ``__arrow_c_stream__``, holding the
    invoice columns of ``kine-tarif price`` (``invoice_id``, ``patient_id``,
    ``date``, ``code``, ``coefficient``, and the optional ones), as text,
    integers, decimals, dates or booleans. Float and timestamp columns are
    refused (``InvalidRequestError``): a float cannot hold 16.55 exactly.

    Returns a ``pyarrow.Table``, one row per input row, in input order: the
    input's columns as they are (those named like an output column renamed
    with ``_in``, as the command's ``code_in`` and ``coefficient_in``), then
    the priced columns: ``row`` (from 1), ``code``, ``coefficient``,
    ``act_id``, ``unit_value``, ``quantity``, ``amount``, ``status``,
    ``findings``, ``message`` (and the ``reprice_*`` columns with
    ``reprice_at``). Euros are ``decimal128(18, 2)``, coefficients and
    quantities ``decimal128(18, 6)``, empty cells null. With
    ``keep_input=False``, the priced columns only. The whole table is held,
    so the cross-line rules see each practitioner's lines together, in any
    order. With ``summary=True``, returns ``(table, summary)``, the summary
    as from ``price_csv``.

    >>> import pyarrow as pa
    >>> t = pa.table({"invoice_id": ["F1"], "patient_id": ["P1"],
    ...               "date": ["2024-06-15"], "code": ["RIM"], "coefficient": ["7.50"]})
    >>> out = price_arrow(t)
    >>> out.column("amount")[0].as_py(), out.column("status")[0].as_py()
    (Decimal('16.58'), 'ok')
    """
    import pyarrow as pa

    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    elif not isinstance(data, pa.Table):
        if hasattr(data, "to_arrow"):
            data = data.to_arrow()
        elif hasattr(data, "__arrow_c_stream__"):
            data = pa.table(data)
        else:
            raise TypeError(
                "price_arrow attend une table Arrow (pyarrow.Table, RecordBatch, "
                f"polars.DataFrame…), pas {type(data).__name__}"
            )
    stream, totals = _price_arrow(
        data,
        rules=rules,
        threads=threads,
        reprice_at=None if reprice_at is None else str(reprice_at),
        history=history,
    )
    table = pa.table(stream)
    if keep_input:
        priced = set(table.column_names)
        names = [n + "_in" if n in priced else n for n in data.column_names]
        table = pa.Table.from_arrays(
            data.columns + table.columns, names=names + table.column_names
        )
    return (table, totals) if summary else table
