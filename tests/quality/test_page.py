"""The data-quality page describes the run that published the warehouse, and only such a run."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from pipelines.cli import execute_nightly
from pipelines.defs.ingest.feeds import FEEDS
from pipelines.defs.quality.checks import quality_build_page, quality_page
from pipelines.warehouse import WarehouseResource
from tests.landing import CONTRACT_YAML, block_claims_with_units_above_half, row, write_csv, write_text

SECRET = "M-SECRET-77"  # a member id that appears only in rows the run quarantines


def landing_zone(root: Path) -> Path:
    """Claims with two rows to quarantine (a bad date, an unknown frequency code), a claims file
    rejected whole (a required column missing), and an assessments file."""
    landing = root / "landing"
    write_text(landing, "contracts", "oba-acme.yaml", CONTRACT_YAML)
    write_csv(landing, "claims", "2025-06-10_claims.csv", [
        row("claims", oba_contract_id="OBA-ACME"),
        row("claims", claim_id="C2", member_id=SECRET, service_date="2025-13-45"),
        row("claims", claim_id="C3", member_id=SECRET, frequency_code="9"),
    ])
    write_csv(landing, "claims", "2025-06-11_claims.csv", [{"claim_id": "C4", "line_number": "1"}])
    write_csv(landing, "assessments", "a.csv", [row("assessments")])
    return landing


def text_of(page: Path) -> str:
    """The page's visible text, one space between words."""
    body = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(html.unescape(body).split())


def page_of(warehouse: Path) -> Path:
    return quality_page(WarehouseResource(path=str(warehouse)))


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("quality_page")
    landing = landing_zone(root)
    warehouse = root / "wh" / "oba.duckdb"
    result = execute_nightly(str(landing), str(warehouse), "2026-01-01")
    assert result.success
    return landing, warehouse, result.run_id


def test_the_page_names_the_run_its_as_of_date_and_every_check(first_run):
    _, warehouse, run_id = first_run
    text = text_of(page_of(warehouse))
    assert "Data quality as of 2026-01-01" in text and f"Run {run_id}" in text
    assert f"Checks {len(FEEDS)} passed, 0 warned, 0 failed" in text  # one GX check per feed
    assert "claims: passed 1 rows validated from 1 new file(s)." in text
    assert "passed the natural key (claim_id, line_number) is unique 0 unexpected (0.00%) yes" in text
    assert "authorizations: passed No new files for this feed in this run" in text


def test_the_page_lists_the_rejected_files_and_the_quarantined_rows_by_reason(first_run):
    _, warehouse, _ = first_run
    text = text_of(page_of(warehouse))
    assert "Files 3 loaded, 0 skipped (already loaded), 1 rejected" in text
    assert "Rows 3 loaded, 2 quarantined" in text  # a claim line, an assessment, a contract
    rejected = re.search(r"Files rejected feed file message (.*) Rows quarantined, by reason", text).group(1)
    assert rejected.startswith("claims claims/2025-06-11_claims.csv claims/2025-06-11_claims.csv: required column(s) "
                               "missing from the header")
    assert text.endswith("Rows quarantined, by reason feed reason rows "
                         "claims BAD_CODE:frequency_code 1 claims BAD_DATE:service_date 1")


def test_the_page_holds_no_member_identifier_nor_record_text(first_run):
    _, warehouse, _ = first_run
    page = page_of(warehouse).read_text(encoding="utf-8")
    assert SECRET not in page and "2025-13-45" not in page


def test_a_published_run_leaves_no_page_beside_the_build(first_run):
    _, warehouse, _ = first_run
    assert not quality_build_page(WarehouseResource(path=str(warehouse))).exists()


def test_a_run_that_fails_to_publish_leaves_the_last_published_page(first_run, monkeypatch):
    landing, warehouse, _ = first_run
    before = page_of(warehouse).read_bytes()

    def disk_gone(self):
        raise OSError("the disk went away while publishing")

    monkeypatch.setattr(WarehouseResource, "publish", disk_gone)
    write_csv(landing, "claims", "2025-07-01_claims.csv", [row("claims", claim_id="C5")])
    assert not execute_nightly(str(landing), str(warehouse), "2026-11-21").success
    assert page_of(warehouse).read_bytes() == before


def test_a_run_stopped_by_a_blocking_check_leaves_the_last_published_page(first_run, tmp_path, monkeypatch):
    landing, warehouse, _ = first_run
    before = page_of(warehouse).read_bytes()
    block_claims_with_units_above_half(tmp_path, monkeypatch)
    write_csv(landing, "claims", "2025-07-02_claims.csv", [row("claims", claim_id="C6")])
    assert not execute_nightly(str(landing), str(warehouse), "2026-11-21").success
    assert page_of(warehouse).read_bytes() == before


def test_the_next_published_run_replaces_the_page_with_its_own(first_run):
    landing, warehouse, _ = first_run
    write_csv(landing, "claims", "2025-07-03_claims.csv", [row("claims", claim_id="C7")])
    result = execute_nightly(str(landing), str(warehouse), "2026-11-21")
    assert result.success
    text = text_of(page_of(warehouse))
    assert "Data quality as of 2026-11-21" in text and f"Run {result.run_id}" in text
    assert text.endswith("Rows quarantined, by reason None.")  # those rows were last night's
