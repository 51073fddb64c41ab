"""Validating a batch with a GX suite: outcomes are those of the batch and suite at hand, counts only."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import weakref

import pandas as pd

from pipelines import PROJECT_ROOT
from pipelines.defs.quality import gx_suites
from pipelines.defs.quality.gx_suites import validate

NOT_NULL = {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "member_id"},
            "meta": {"blocking": True}}
UNITS_AT_MOST_1 = {"type": "expect_column_values_to_be_between", "kwargs": {"column": "units", "max_value": 1},
                   "meta": {"blocking": True}}
UNIQUE_WARNS = {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "member_id"},
                "meta": {"blocking": False}}


def suite(*expectations) -> dict:
    return {"name": "t", "expectations": list(expectations)}


def frame(members, units=None) -> pd.DataFrame:
    return pd.DataFrame({"member_id": members, "units": units or [1] * len(members)})


CLEAN = frame(["M-SECRET-1", "M-SECRET-2", "M-SECRET-3"])
NULLS = frame(["M-SECRET-1", None, None])


def test_a_bad_batch_fails_between_clean_ones_validated_with_the_same_suite():
    rules = suite(NOT_NULL)
    assert not validate("t", CLEAN, rules).blocking_failures
    failed = validate("t", NULLS, rules).blocking_failures
    assert [(o.column, o.unexpected_count) for o in failed] == [("member_id", 2)]
    assert not validate("t", CLEAN, rules).blocking_failures


def test_a_changed_suite_is_used_from_the_next_validation():
    big_units = frame(["M1", "M2"], units=[1, 5])
    assert not validate("t", big_units, suite(NOT_NULL)).blocking_failures
    assert [o.column for o in validate("t", big_units, suite(NOT_NULL, UNITS_AT_MOST_1)).blocking_failures] == ["units"]
    assert not validate("t", big_units, suite(NOT_NULL)).blocking_failures


def test_an_edited_suite_file_is_picked_up_by_the_same_process(tmp_path, monkeypatch):
    monkeypatch.setattr(gx_suites, "EXPECTATIONS_DIR", tmp_path)
    path = tmp_path / "t.json"
    path.write_text(json.dumps(suite(NOT_NULL)))
    assert validate("t", NULLS).blocking_failures
    path.write_text(json.dumps(suite(UNITS_AT_MOST_1)))
    assert not validate("t", NULLS).blocking_failures


def test_a_failed_non_blocking_expectation_only_warns():
    dupes = frame(["M-SECRET-1", "M-SECRET-1", "M-SECRET-2"])
    outcome = validate("t", dupes, suite(NOT_NULL, UNIQUE_WARNS))
    assert not outcome.blocking_failures
    assert [(o.type, o.unexpected_count) for o in outcome.warnings] == [("expect_column_values_to_be_unique", 2)]


def test_outcomes_carry_counts_and_no_member_identifiers():
    dupes = frame(["M-SECRET-1", "M-SECRET-1", None])
    outcome = validate("t", dupes, suite(NOT_NULL, UNIQUE_WARNS))
    assert [(o.result, o.found) for o in outcome.outcomes] == [("failed", "1 unexpected (33.33%)"),
                                                             ("warned", "2 unexpected (100.00%)")]  # of the non-null values
    assert "M-SECRET" not in repr(outcome)


def test_a_validated_frame_is_not_kept_once_the_next_validation_ran():
    first = frame(["M1", "M2"])
    ref = weakref.ref(first)
    validate("first", first, suite(NOT_NULL))
    del first
    validate("second", frame(["M3"]), suite(NOT_NULL))
    gc.collect()
    assert ref() is None


def test_loading_the_dagster_definitions_does_not_import_great_expectations():
    # GX takes seconds to import: the checks import it when they first run
    code = "import sys, pipelines.definitions; print('great_expectations' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"
