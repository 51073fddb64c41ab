"""Per-payer reports from the published warehouse (spec/outputs.md "Reports").

    write_report(warehouse_path, payer_id, fmt, out_dir) -> Path
    write_all_reports(warehouse_path, out_dir, formats=("xlsx", "csv", "html")) -> list[Path]

The warehouse is opened read-only. A report reads only its payer's rows (every
query filters on payer_id with a bound parameter). Files are named
`oba_report_<payer>.<ext>` with the payer id reduced to a safe file name, always
inside out_dir, and are replaced atomically (written to a temporary file first).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb

from pipelines.defs.reports.csv_report import write_csv
from pipelines.defs.reports.data import ReportData, known_payers, load_report_data
from pipelines.defs.reports.html_report import write_html
from pipelines.defs.reports.safety import report_path
from pipelines.defs.reports.xlsx_report import write_xlsx

FORMATS: dict[str, Callable[[ReportData, Path], None]] = {
    "xlsx": write_xlsx,
    "csv": write_csv,
    "html": write_html,
}


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


def _connect(warehouse_path: str | Path) -> duckdb.DuckDBPyConnection:
    path = Path(warehouse_path)
    if not path.is_file():
        raise FileNotFoundError(f"warehouse file not found: {path}")
    return duckdb.connect(str(path), read_only=True)


def _write(data: ReportData, fmt: str, out_dir: Path) -> Path:
    target = report_path(out_dir, data.payer_id, fmt)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=f".{fmt}", dir=target.parent)
    os.close(fd)
    try:
        FORMATS[fmt](data, Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; analysts read the reports
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def write_report(warehouse_path: str | Path, payer_id: str, fmt: str, out_dir: str | Path) -> Path:
    """Write one payer's report in one format (xlsx, csv or html); returns its path.

    Raises ValueError for an unknown format or a payer id the warehouse does not have.
    """
    _check_format(fmt)
    out = Path(out_dir)
    con = _connect(warehouse_path)
    try:
        data = load_report_data(con, payer_id)
    finally:
        con.close()
    out.mkdir(parents=True, exist_ok=True)
    return _write(data, fmt, out)


def write_all_reports(
    warehouse_path: str | Path,
    out_dir: str | Path,
    formats: Iterable[str] = ("xlsx", "csv", "html"),
) -> list[Path]:
    """Every payer's report in every format; returns the paths written."""
    formats = [_check_format(f) for f in formats]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    con = _connect(warehouse_path)
    try:
        for payer_id in known_payers(con):
            data = load_report_data(con, payer_id)
            written += [_write(data, fmt, out) for fmt in formats]
    finally:
        con.close()
    return written
