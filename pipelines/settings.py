"""What a run is given: where it reads and writes by default, and its as-of date.

Kept free of Dagster, like read_only.py: the command line parses its arguments, and `oba report`
and `oba packet` (and the report workers, which import the command's module again) run without
loading the pipeline."""

from __future__ import annotations

import datetime as dt
import re

DEFAULT_WAREHOUSE = "warehouse/oba.duckdb"
DEFAULT_LANDING = "data_samples/landing"


def parse_as_of(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        # fromisoformat alone also takes week dates ('2026-W47-6') and compact forms
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"as-of date {text!r} is not a date YYYY-MM-DD") from None
