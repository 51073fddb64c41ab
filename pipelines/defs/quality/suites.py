"""The Great Expectations suites, generated from the feed definitions.

    .venv/bin/python -m pipelines.defs.quality.suites

rewrites expectations/<feed>.json for every feed of `FEEDS`
(pipelines/defs/ingest/feeds.py) and removes the suite of a feed that is gone.
Every column fact a suite checks is read from a feed's `Col`s, the same data
the typing SQL is generated from, so a range such as CHOP-INTEND 0-64 is written
once; a feed added to `FEEDS` gets its suite by running this command. The few
batch rules that are not facts of one column (volume, the share of claims
missing OBA identifiers) are written here. tests/quality/test_suites.py fails
when a committed suite differs from what this writes.

Blocking expectations (`meta.blocking`) guard what the marts rely on: required
values, codes, ranges and unique natural keys. The typing SQL already
quarantines every row that breaks one, so they fail only if loading went wrong.
The batch rules only warn: a quarantined row is not a failed run.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

from pipelines import EXPECTATIONS_DIR
from pipelines.defs.ingest.feeds import FEEDS, Col, Feed

ZOLGENSMA_HCPCS = "J3399"

# Of the ZOLGENSMA lines of payers that have a contract, this share may arrive
# without an OBA contract id before the check warns.
OBA_ID_MOSTLY = 0.9

DESCRIPTION = (
    "Generated from pipelines/defs/ingest/feeds.py by `python -m pipelines.defs.quality.suites`: do not edit. "
    "Batch checks on the newly loaded rows of staging.{feed}. Expectations with meta.blocking=true guard what "
    "the marts rely on (required values, codes, ranges, unique natural keys) and stop the marts and publishing "
    "when they fail; the others warn."
)


def _expectation(type_: str, kwargs: dict, rule: str, blocking: bool = True, notes: str = "") -> dict:
    return {"type": type_, "kwargs": kwargs, "meta": {"blocking": blocking, "rule": rule, "notes": notes}}


def _number(value: Decimal | int) -> int | float:
    """A bound as JSON holds it: whole numbers as integers."""
    return int(value) if value == int(value) else float(value)


def _range_rule(col: Col) -> str:
    low = f"{'>' if col.min_exclusive else '>='} {col.min}" if col.min is not None else ""
    high = f"<= {col.max}" if col.max is not None else ""
    return f"{col.name} {' and '.join(b for b in (low, high) if b)}"


def column_expectations(col: Col) -> list[dict]:
    """What a batch must hold for one column: present if required, a known code, in range."""
    out = []
    if col.required:
        out.append(_expectation("expect_column_values_to_not_be_null", {"column": col.name},
                                f"{col.name} is present"))
    if col.codes:
        out.append(_expectation("expect_column_values_to_be_in_set", {"column": col.name, "value_set": list(col.codes)},
                                f"{col.name} is one of {', '.join(col.codes)}"))
    if col.min is not None or col.max is not None:
        bounds = {}
        if col.min is not None:
            bounds["min_value"] = _number(col.min)
            if col.min_exclusive:
                bounds["strict_min"] = True
        if col.max is not None:
            bounds["max_value"] = _number(col.max)
        out.append(_expectation("expect_column_values_to_be_between", {"column": col.name, **bounds},
                                _range_rule(col)))
    if col.range_by:
        by = col.range_by
        for value, low, high in by.ranges:
            out.append(_expectation(
                "expect_column_values_to_be_between",
                {"column": col.name, "min_value": _number(low), "max_value": _number(high),
                 "row_condition": f"{by.column}=={json.dumps(value)}", "condition_parser": "pandas"},
                f"{col.name} between {low} and {high} where {by.column} is {value}"))
    return out


def key_expectation(feed: Feed) -> dict:
    rule = f"the natural key ({', '.join(feed.key)}) is unique"
    if len(feed.key) == 1:
        return _expectation("expect_column_values_to_be_unique", {"column": feed.key[0]}, rule)
    return _expectation("expect_compound_columns_to_be_unique", {"column_list": list(feed.key)}, rule)


def volume_expectation() -> dict:
    return _expectation(
        "expect_table_row_count_to_be_between", {"min_value": 1},
        "the files that arrived load at least one row", blocking=False,
        notes="Zero means the whole delivery was quarantined (a format change?). Warns only: a quarantined "
              "row is not a failed run.")


# Batch rules that are not the fact of one column, by feed.
BATCH_RULES: dict[str, list[dict]] = {
    "claims": [
        _expectation(
            "expect_column_values_to_not_be_null",
            {"column": "oba_contract_id", "mostly": OBA_ID_MOSTLY,
             "row_condition": f'procedure_code=="{ZOLGENSMA_HCPCS}" & payer_has_contract==True',
             "condition_parser": "pandas"},
            f"at least {OBA_ID_MOSTLY:.0%} of the ZOLGENSMA ({ZOLGENSMA_HCPCS}) lines of payers that have a contract "
            "carry an OBA contract id",
            blocking=False,
            notes="More means the payer's claim system is not capturing it (refunds at risk)."),
    ],
}


def suite_for(feed: Feed) -> dict:
    expectations = [volume_expectation()]
    for col in feed.columns:
        expectations += column_expectations(col)
    expectations.append(key_expectation(feed))
    expectations += BATCH_RULES.get(feed.name, [])
    return {"name": feed.name, "meta": {"description": DESCRIPTION.format(feed=feed.name)},
            "expectations": expectations}


def suite_text(feed: Feed) -> str:
    return json.dumps(suite_for(feed), indent=2) + "\n"


def write_suites(directory: Path) -> list[Path]:
    """Write every feed's suite into `directory` and remove the suites of feeds that are gone."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for feed in FEEDS.values():
        path = directory / f"{feed.name}.json"
        path.write_text(suite_text(feed), encoding="utf-8")
        written.append(path)
    for stale in sorted(set(directory.glob("*.json")) - set(written)):
        stale.unlink()
    return written


def main(argv: list[str] | None = None) -> int:
    directory = Path(argv[0]) if argv else EXPECTATIONS_DIR
    for path in write_suites(directory):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
