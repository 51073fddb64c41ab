"""The benchmark's split of a run's time into parts (bench/run.py `run_parts`).

The README's Performance section quotes these parts; a step counted twice or
not at all would make its shares wrong.
"""

import pytest
from dagster._core.execution.api import create_execution_plan

from bench.run import run_parts
from pipelines.definitions import defs


def nightly_step_keys() -> list[str]:
    return [step.key for step in create_execution_plan(defs.resolve_job_def("nightly")).steps]


def test_every_step_of_the_nightly_job_belongs_to_exactly_one_part():
    keys = nightly_step_keys()
    steps = {k: 1.0 for k in keys}
    parts = run_parts({"total_s": float(len(keys)), "steps": steps})
    assert sum(parts.values()) == pytest.approx(len(keys))
    assert parts["orchestration"] == pytest.approx(0.0)
    assert parts["data quality checks"] == sum("_gx_" in k for k in keys) > 0
    assert parts["models"] == sum(k.startswith(("core__", "marts__")) for k in keys) > 0


def test_a_check_is_not_counted_as_loading_and_the_rest_is_orchestration():
    run = {"total_s": 10.0, "steps": {
        "warehouse_build": 1.0, "staging__claims": 2.0, "staging__claims_gx_claims": 0.5,
        "core__claim_versions": 1.5, "marts__payer_summary": 0.25, "published_warehouse": 0.25,
        "payer_reports": 1.5,
    }}
    assert run_parts(run) == {
        "copy and schema": 1.0, "data quality checks": 0.5, "loading files": 2.0, "models": 1.75,
        "publish": 0.25, "reports": 1.5, "orchestration": 3.0,
    }


def test_a_step_of_no_known_part_fails_loudly():
    with pytest.raises(ValueError, match="new_step"):
        run_parts({"total_s": 1.0, "steps": {"new_step": 0.5}})
