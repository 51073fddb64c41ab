"""The SQL layer as a dbt project: Dagster shows it whole, and its unit tests pass.

The rules themselves are tested end to end by tests/claims, tests/milestones and tests/refunds
(through tests/sqlmodels.py); the dbt data tests (marts' invariants) run in every nightly build
and tests/pipeline/test_nightly.py breaks one on purpose.
"""

from __future__ import annotations

import json
import os
import subprocess

import dagster as dg
import duckdb

from pipelines import schema
from pipelines.defs.dbt.project import dbt_command, project_dir
from tests.sqlmodels import manifest

# the rule steps whose dbt unit tests (given rows -> expected rows) the issue asks for
UNIT_TESTS = {
    "permanent_ventilation_is_14_days_in_a_row_of_16_hours",
    "milestone_scores_select_the_score_closest_to_due_or_the_best_and_the_last_baseline",
    "criteria_are_three_valued_all_and_any",
    "an_episodes_refunds_stop_at_its_cap",
    "offset_settles_refunds_by_due_date_then_timepoint_against_earliest_installments_due_on_or_after",
}


def test_dagster_shows_every_model_as_an_asset_and_every_data_test_as_a_check():
    from pipelines.definitions import defs

    nodes = manifest()["nodes"].values()
    # ephemeral models (the claim finding rules) make no table: Dagster draws them inside their reader
    models = {dg.AssetKey([n["schema"], n["alias"]]) for n in nodes
              if n["resource_type"] == "model" and n["config"]["materialized"] != "ephemeral"}
    data_tests = {n["name"] for n in nodes if n["resource_type"] == "test"}
    graph = defs.resolve_asset_graph()
    assert models <= graph.get_all_asset_keys()
    checks = {spec.name for cd in defs.assets if isinstance(cd, dg.AssetsDefinition) for spec in cd.check_specs}
    assert data_tests <= checks
    # lineage runs from the loaders through the models to the reports
    assert dg.AssetKey(["staging", "contracts"]) in graph.get(dg.AssetKey(["core", "milestone_windows"])).parent_keys
    assert dg.AssetKey(["marts", "payer_summary"]) in graph.get(dg.AssetKey("payer_reports")).parent_keys


def test_the_published_table_names_do_not_change_and_core_and_marts_share_none():
    tables = {(n["schema"], n["alias"]) for n in manifest()["nodes"].values()
              if n["resource_type"] == "model" and n["config"]["materialized"] != "ephemeral"}
    marts = {name for s, name in tables if s == "marts"}
    assert marts == {"claim_findings", "claims_missing_oba", "treatment_episodes", "milestone_status",
                     "refund_reconciliation", "refunds_at_risk", "payer_summary", "assessment_worklist",
                     "claims_to_fix", "milestones_by_timepoint", "ventilator_free_survival",
                     "installment_schedule", "refund_claims", "refund_claims_to_submit", "milestone_evidence",
                     "payer_payments_summary", "identity_issues"}
    assert not marts & {name for s, name in tables if s == "core"}


def test_usage_statistics_are_off_in_the_project_itself():
    text = (project_dir() / "dbt_project.yml").read_text()
    assert "send_anonymous_usage_stats: false" in text


def test_the_unit_tests_of_the_rule_models_pass(tmp_path):
    """dbt unit tests need the tables they read to exist: build every model on a warehouse with
    only the (empty) base tables, then run the unit tests alone."""
    build = tmp_path / "empty.duckdb"
    con = duckdb.connect(str(build))
    schema.create_all(con)
    con.close()
    env = {**os.environ, "OBA_DBT_BUILD_FILE": str(build), "OBA_DBT_AS_OF": "2026-11-21"}
    target = tmp_path / "target"
    for args in (["run"], ["test", "--select", "test_type:unit"]):
        done = subprocess.run(dbt_command(project_dir(), *args, target_path=target), env=env,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout[-6000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    statuses = {r["unique_id"].split(".")[-1]: r["status"] for r in results}
    assert UNIT_TESTS <= set(statuses), statuses
    assert set(statuses.values()) == {"pass"}, statuses


def test_the_nightly_dbt_step_never_asks_pypi_for_dbts_latest_version(tmp_path, monkeypatch):
    """`dbt --version` looks up the latest release on PyPI; dagster-dbt runs it before every dbt
    command unless told the version (pipelines/defs/dbt/assets.py): a call home from a payer's network."""
    import dagster_dbt.core.resource

    from tests.pipeline.test_nightly import run, small_landing

    def no_version_lookup(command, *args, **kwargs):
        raise AssertionError(f"the nightly job ran {command}")

    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", no_version_lookup)
    assert run(small_landing(tmp_path), tmp_path / "oba.duckdb").success
