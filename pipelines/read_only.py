"""Opening a warehouse file read-only, as the CLI's summary and the reports do.

Kept free of Dagster: `oba report` and the run summary open a file without loading the pipeline."""

from __future__ import annotations

from pathlib import Path

import duckdb


class NotAWarehouse(ValueError):
    """The path is not a warehouse that `oba run` published (the message says what it is instead)."""


def open_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file now at `path`.

    Not `duckdb.connect(path)`: DuckDB keeps one instance per path in a process, and while
    this process still holds a file a run has since replaced (a notebook's reader, say),
    connecting to the path would join that instance and read the old file. A new in-memory
    database that attaches the path opens the file that is there now.

    Raises NotAWarehouse when the file is not a DuckDB database, or is one without the
    warehouse's audit.runs table."""
    con = duckdb.connect()
    try:
        try:
            con.execute(f"attach '{str(path).replace(chr(39), chr(39) * 2)}' as warehouse (read_only)")
        except duckdb.Error as e:
            # DuckDB's message may quote the file's first bytes: say what is wrong without it
            raise NotAWarehouse(f"{path} is not a DuckDB database file that this DuckDB can open "
                                f"({type(e).__name__}): pass the warehouse `oba run` published") from None
        con.execute("use warehouse")
        if not con.execute("select count(*) from duckdb_tables() where database_name = 'warehouse' "
                           "and schema_name = 'audit' and table_name = 'runs'").fetchall()[0][0]:
            raise NotAWarehouse(f"{path} is a DuckDB database but not a warehouse (it has no audit.runs): "
                                "pass the warehouse `oba run` published")
    except BaseException:
        con.close()
        raise
    return con
