"""Type stubs of kine-tarif."""

import datetime
from decimal import Decimal
from typing import Any, Dict, Hashable, List, Literal, Optional, Union

__version__: str
TARIFF_DATA_VERSION: str

DecimalLike = Union[Decimal, int, str]
DateLike = Union[datetime.date, str]

class KineTarifError(Exception): ...
class InvalidRequestError(KineTarifError): ...
class HistoryError(KineTarifError): ...
class BatchError(KineTarifError): ...

def price(
    date: DateLike,
    code: str,
    coefficient: Optional[DecimalLike] = None,
    *,
    quantity: Optional[DecimalLike] = None,
    department: Optional[str] = None,
    billed_amount: Optional[DecimalLike] = None,
    act_id: Optional[str] = None,
    regime: Optional[str] = None,
    exoneration: Optional[str] = None,
    patient_birth_date: Optional[DateLike] = None,
) -> Dict[str, Any]:
    """One line's pricing: act_id, coefficient, unit_value, amount (Decimal),
    formula, status ("ok", "warning", "error") and findings; with a regime,
    an exoneration or a birth date, also "split": amo_rate, amo_amount,
    patient_amount, franchise (before its caps), source, prestation_code."""

class Checker:
    """Checks lines as practice software bills them, against an optional
    history file (SQLite, created on first use)."""

    def __init__(self, history: Optional[str] = None) -> None: ...
    def add(
        self,
        reference: Hashable,
        line: Dict[str, Any],
        context: Optional[Dict[str, Any]] = None,
    ) -> None: ...
    def finalize(self, record: bool = False) -> Dict[str, Any]:
        """{"lines": [...], "invoices": [...], "history_lines": int}"""
    def __len__(self) -> int: ...

def price_arrow(
    data: Any,
    *,
    rules: bool = True,
    threads: int = 0,
    reprice_at: Optional[DateLike] = None,
    history: Optional[str] = None,
    keep_input: bool = True,
    summary: bool = False,
) -> Any:
    """The command's engine on an Arrow table (pyarrow Table or RecordBatch,
    Polars DataFrame, any ``__arrow_c_stream__`` object): a pyarrow.Table,
    one row per input row, in input order, of the input's columns (``code``
    and ``coefficient`` renamed ``code_in`` and ``coefficient_in``) and the
    priced ones, amounts as decimal128; ``(table, summary)`` with
    ``summary=True``."""

def price_csv(
    src: str,
    dst: str,
    *,
    format: Literal["csv", "jsonl"] = "csv",
    rules: bool = True,
    threads: int = 0,
    history: Optional[str] = None,
) -> Dict[str, Any]:
    """The command's engine on a file; the GIL is released while it runs."""
