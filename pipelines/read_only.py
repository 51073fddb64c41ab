"""Opening a warehouse file read-only, as the CLI's summary and the reports do.

Kept free of Dagster so the report helper process starts quickly."""

from __future__ import annotations

from pathlib import Path

import duckdb


def open_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file now at `path`.

    Not `duckdb.connect(path)`: DuckDB keeps one instance per path in a process, and while
    this process still holds a file a run has since replaced (a notebook's reader, say),
    connecting to the path would join that instance and read the old file. A new in-memory
    database that attaches the path opens the file that is there now."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{str(path).replace(chr(39), chr(39) * 2)}' as warehouse (read_only)")
        con.execute("use warehouse")
    except BaseException:
        con.close()
        raise
    return con
