"""The CSV report, for loading elsewhere: the payer's reconciliation rows with the
column names of marts.refund_reconciliation (payer_id second, as the mart has it),
exact decimals, ISO dates."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipelines.defs.reports.data import ReportData
from pipelines.defs.reports.safety import csv_text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def write_csv(data: ReportData, path: Path) -> None:
    t = data.reconciliation
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([t.columns[0], "payer_id", *t.columns[1:]])
        for row in t.rows:
            w.writerow([_cell(v) for v in (row[0], data.payer_id, *row[1:])])
