"""Per-payer reports from a warehouse file (spec/outputs.md "Reports"): the nightly
job's build file just before it publishes (defs/publish.py), or the published file
for `oba report`.

    write_report(warehouse_path, payer_id, fmt, out_dir) -> Path
    write_all_reports(warehouse_path, out_dir, formats=("xlsx", "csv", "html")) -> list[Path]

The warehouse is opened read-only. A report reads only its payer's rows (every
query filters on payer_id with a bound parameter). Files are named
`oba_report_<payer>.<ext>` with the payer id reduced to a safe file name, always
inside out_dir, and are replaced atomically (written to a temporary file first).

write_all_reports writes each payer exactly as write_report does, two payers at a time.
"""

from __future__ import annotations

import importlib
import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from pathlib import Path

import duckdb

from pipelines.defs.reports.data import (
    ReportData, check_report_inputs, known_payers, load_reports_data,
)
from pipelines.defs.reports.safety import atomic_write, report_path
from pipelines.read_only import open_read_only
from pipelines.runtime import collect_garbage_less_often

# payers whose reports are written at the same time (the machine has two cores)
PARALLEL_PAYERS = 2

# Format -> (module, function) of its writer, imported on first use: a run that
# writes one format does not import the others.
FORMATS: dict[str, tuple[str, str]] = {
    "xlsx": ("xlsx_report", "write_xlsx"),
    "csv": ("csv_report", "write_csv"),
    "html": ("html_report", "write_html"),
}


def _check_format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return fmt


def _format_writer(fmt: str) -> Callable[[ReportData, Path], None]:
    module, function = FORMATS[fmt]
    return getattr(importlib.import_module(f"pipelines.defs.reports.{module}"), function)


def _connect(warehouse_path: str | Path) -> duckdb.DuckDBPyConnection:
    path = Path(warehouse_path)
    if not path.is_file():
        raise FileNotFoundError(f"warehouse file not found: {path}")
    return open_read_only(path)


def _write(data: ReportData, fmt: str, out_dir: Path) -> Path:
    target = report_path(out_dir, data.payer_id, fmt)
    write_format = _format_writer(fmt)
    atomic_write(target, lambda tmp: write_format(data, tmp))
    return target


def _write_payers(con: duckdb.DuckDBPyConnection, payer_ids: list[str], formats: list[str],
                  out: Path) -> list[Path]:
    written: list[Path] = []
    for data in load_reports_data(con, payer_ids):
        out.mkdir(parents=True, exist_ok=True)
        written += [_write(data, fmt, out) for fmt in formats]
    return written


def write_payer_reports(
    warehouse_path: str | Path, payer_ids: list[str], formats: Iterable[str], out_dir: str | Path
) -> list[Path]:
    """The given payers' reports in the given formats, payer by payer; returns their paths.

    Raises ValueError for an unknown format or a payer id the warehouse does not
    have, before writing anything.
    """
    formats = [_check_format(f) for f in formats]
    con = _connect(warehouse_path)
    try:
        return _write_payers(con, payer_ids, formats, Path(out_dir))
    finally:
        con.close()


def write_report(warehouse_path: str | Path, payer_id: str, fmt: str, out_dir: str | Path) -> Path:
    """Write one payer's report in one format (xlsx, csv or html); returns its path.

    Raises ValueError for an unknown format or a payer id the warehouse does not have.
    """
    return write_payer_reports(warehouse_path, [payer_id], [fmt], out_dir)[0]


def write_all_reports(
    warehouse_path: str | Path,
    out_dir: str | Path,
    formats: Iterable[str] = ("xlsx", "csv", "html"),
) -> list[Path]:
    """Every payer's report in every format; returns the paths written, payer by payer.

    Payers are written PARALLEL_PAYERS at a time, each in a process of its own: a report is
    single-threaded Python (XlsxWriter, matplotlib), about a fifth of a night at 10,000
    episodes, and a worker holds one payer's rows at a time."""
    formats = [_check_format(f) for f in formats]
    con = _connect(warehouse_path)
    try:
        check_report_inputs(con)
        payers = known_payers(con)
    finally:
        con.close()
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    if len(payers) < 2:
        return write_payer_reports(warehouse_path, payers, formats, out_dir)
    # spawn, not fork: the nightly job's process runs DuckDB's and Dagster's threads
    with ProcessPoolExecutor(max_workers=min(PARALLEL_PAYERS, len(payers)),
                             mp_context=multiprocessing.get_context("spawn"),
                             initializer=collect_garbage_less_often) as pool:
        written = pool.map(write_payer_reports, repeat(warehouse_path), [[p] for p in payers],
                           repeat(formats), repeat(out_dir))
        return [path for paths in written for path in paths]
