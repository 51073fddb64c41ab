"""Which rows a quality check validates: exactly the current rows this run delivered."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.defs.ingest.contracts import load_contracts
from pipelines.defs.ingest.loader import load_feed
from pipelines.defs.quality import checks
from pipelines.defs.quality.checks import new_rows_frame
from tests.landing import CONTRACT_YAML, row, write_csv, write_text

HISTORY = 40  # claims delivered by the first run, so that a run's new rows are a small part of the feed


@pytest.fixture
def two_runs(con, tmp_path):
    """run-1 delivers a history of claims; run-2 delivers two claims files around an assessments file
    (so its claim deliveries are not consecutive): a correction of C1, a new C2 and, for a payer without a
    contract, a new C3."""
    write_text(tmp_path, "contracts", "oba-acme.yaml", CONTRACT_YAML)
    load_contracts(con, tmp_path, "run-1")
    history = [row("claims", claim_id=f"C{i}") for i in range(1, HISTORY)]
    write_csv(tmp_path, "claims", "2025-06-01.csv", history)
    load_feed(con, "claims", tmp_path, "run-1")

    write_csv(tmp_path, "claims", "2025-06-02.csv", [row("claims", claim_id="C1", units="2"),
                                                    row("claims", claim_id="C2", line_number="2")])
    load_feed(con, "claims", tmp_path, "run-2")
    write_csv(tmp_path, "assessments", "a.csv", [row("assessments")])
    load_feed(con, "assessments", tmp_path, "run-2")
    write_csv(tmp_path, "claims", "2025-06-03.csv", [row("claims", claim_id="C3", line_number="2", payer_id="OTHER")])
    write_csv(tmp_path, "claims", "2025-06-04.csv", [{"claim_id": "C4"}])  # rejected whole: columns missing
    load_feed(con, "claims", tmp_path, "run-2")
    return con


def keys(df) -> set[tuple]:
    return {(r.claim_id, int(r.line_number)) for r in df.itertuples()}


def test_a_run_validates_every_current_row_it_delivered_and_nothing_older(two_runs):
    df = new_rows_frame(two_runs, "claims", "run-2")
    assert keys(df) == {("C1", 1), ("C2", 2), ("C3", 2)}
    assert df.set_index("claim_id").loc["C1", "units"] == 2  # the correction, not the superseded row


def test_rows_superseded_since_are_not_validated_for_the_run_that_delivered_them(two_runs):
    df = new_rows_frame(two_runs, "claims", "run-1")
    assert keys(df) == {(f"C{i}", 1) for i in range(2, HISTORY)}


def test_new_rows_carry_payer_has_contract_and_no_file_path(two_runs):
    df = new_rows_frame(two_runs, "claims", "run-2")
    assert "_file_path" not in df.columns
    staged = [c for (c,) in two_runs.execute("select column_name from (describe staging.claims)").fetchall()]
    assert list(df.columns) == [c for c in staged if c != "_file_path"] + ["payer_has_contract"]
    assert dict(zip(df.claim_id, df.payer_has_contract)) == {"C1": True, "C2": True, "C3": False}


def test_a_run_that_delivered_nothing_to_a_feed_validates_no_rows(two_runs):
    assert len(new_rows_frame(two_runs, "claims", "run-3")) == 0
    assert len(new_rows_frame(two_runs, "assessments", "run-1")) == 0


def test_up_to_the_sample_size_every_new_row_is_validated(two_runs, monkeypatch):
    monkeypatch.setattr(checks, "MAX_BATCH_ROWS", 3)
    assert keys(new_rows_frame(two_runs, "claims", "run-2")) == {("C1", 1), ("C2", 2), ("C3", 2)}


def test_above_the_sample_size_a_repeatable_sample_of_the_new_rows_is_validated(two_runs, monkeypatch):
    monkeypatch.setattr(checks, "MAX_BATCH_ROWS", 2)
    first = new_rows_frame(two_runs, "claims", "run-2")
    assert len(first) == 2 and keys(first) <= {("C1", 1), ("C2", 2), ("C3", 2)}
    assert keys(new_rows_frame(two_runs, "claims", "run-2")) == keys(first)


def test_list_columns_reach_the_suites_as_text_so_gx_can_fingerprint_the_batch(two_runs):
    # GX hashes a batch with pandas; a column of lists is unhashable and made it pickle the whole frame
    df = new_rows_frame(two_runs, "claims", "run-2")
    staged = dict(two_runs.execute(
        "select claim_id, array_to_string(diagnosis_codes, ';') from staging.claims where claim_id = 'C1'").fetchall())
    assert df.set_index("claim_id").loc["C1", "diagnosis_codes"] == staged["C1"]
    for column in ("modifiers", "diagnosis_codes"):
        assert all(isinstance(v, str) or pd.isna(v) for v in df[column]), column
    pd.util.hash_pandas_object(df, index=True)  # raises TypeError on list values
