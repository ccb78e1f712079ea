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
    "price_csv",
]
