"""The GX suites run from a per-process cache: outcomes stay those of the batch and suite at hand."""

from __future__ import annotations

import gc
import json
import math
import subprocess
import sys
import textwrap
import weakref

import pandas as pd

from pipelines import EXPECTATIONS_DIR, PROJECT_ROOT
from pipelines.defs.quality import gx_suites
from pipelines.defs.quality.gx_suites import import_gx_in_background, validate, write_html

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


def test_a_bad_batch_fails_between_clean_ones_validated_with_the_same_cached_suite():
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


def test_outcomes_and_the_results_page_carry_no_member_identifiers(tmp_path):
    dupes = frame(["M-SECRET-1", "M-SECRET-1", None])
    outcome = validate("t", dupes, suite(NOT_NULL, UNIQUE_WARNS))
    page = write_html({"t": outcome}, tmp_path / "q.html", "run")
    assert outcome.blocking_failures and outcome.warnings
    assert "M-SECRET" not in repr(outcome) and "M-SECRET" not in page.read_text()


def test_a_validated_frame_is_not_kept_once_the_next_validation_ran():
    first = frame(["M1", "M2"])
    ref = weakref.ref(first)
    validate("first", first, suite(NOT_NULL))
    del first
    validate("second", frame(["M3"]), suite(NOT_NULL))
    gc.collect()
    assert ref() is None


def test_the_process_keeps_one_suite_per_name(monkeypatch):
    monkeypatch.setattr(gx_suites, "_built_suites", {})
    for max_value in range(5):
        validate("t", CLEAN, suite({**UNITS_AT_MOST_1, "kwargs": {"column": "units", "max_value": max_value}}))
    validate("u", CLEAN, suite(NOT_NULL))
    assert sorted(gx_suites._built_suites) == ["t", "u"]


def test_the_background_import_starts_once_and_leaves_gx_importable():
    thread = import_gx_in_background()
    assert import_gx_in_background() is thread
    thread.join(timeout=120)
    assert "great_expectations" in sys.modules
    assert validate("t", CLEAN, suite(NOT_NULL)).outcomes[0].success


def _in_fresh_process(code: str) -> dict:
    """Run `code` in a new interpreter (nothing imported yet) and return the JSON it prints last."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_nightly_run_validates_every_suite_without_importing_what_gx_never_uses(tmp_path):
    seen = _in_fresh_process(f"""
        import json
        from pipelines.cli import execute_nightly
        from pipelines.defs.quality.deferred_modules import still_deferred
        result = execute_nightly({str(PROJECT_ROOT / "data_samples" / "landing")!r},
                                 {str(tmp_path / "oba.duckdb")!r}, "2026-11-21")
        checks = [e.event_specific_data.asset_check_key.name for e in result.all_events
                  if e.event_type_value == "ASSET_CHECK_EVALUATION"]
        print(json.dumps({{"success": result.success, "gx_checks": sorted(c for c in checks if c.startswith("gx_")),
                          "deferred": {{m: still_deferred(m) for m in {gx_suites.GX_UNUSED_MODULES!r}}}}}))
    """)
    assert seen["success"]
    assert seen["gx_checks"] == sorted(f"gx_{p.stem}" for p in EXPECTATIONS_DIR.glob("*.json"))
    assert seen["deferred"] == {"scipy.stats": True, "altair": True}


def test_an_expectation_that_needs_a_deferred_module_imports_it_and_decides():
    seen = _in_fresh_process("""
        import json
        import pandas as pd
        from pipelines.defs.quality import gx_suites
        from pipelines.defs.quality.deferred_modules import still_deferred
        gx_suites.import_gx_in_background().join()
        before = still_deferred("scipy.stats")
        kl = {"type": "expect_column_kl_divergence_to_be_less_than",
              "kwargs": {"column": "x", "partition_object": {"values": [1, 2], "weights": [0.5, 0.5]},
                         "threshold": 0.1},
              "meta": {"blocking": True}}
        rules = {"name": "kl", "expectations": [kl]}
        same = gx_suites.validate("kl", pd.DataFrame({"x": [1, 2, 1, 2]}), rules).outcomes[0]
        skewed = gx_suites.validate("kl", pd.DataFrame({"x": [1, 1, 1, 2]}), rules).outcomes[0]
        print(json.dumps({"before": before, "after": still_deferred("scipy.stats"),
                          "same": [same.success, same.observed_value],
                          "skewed": [skewed.success, round(skewed.observed_value, 6)]}))
    """)
    assert seen["before"] and not seen["after"]
    # KL(observed || expected) for observed (3/4, 1/4) against expected (1/2, 1/2)
    assert seen["same"] == [True, 0.0]
    assert seen["skewed"] == [False, round(0.75 * math.log(1.5) + 0.25 * math.log(0.5), 6)]
