"""Reports after the crosswalk (spec identity.md, outputs.md "Reports"): a payer's report shows the
current member id and, where it differs, the id the claim was billed under; it never holds another
payer's rows, even when the other payer uses the same member ids."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipelines import schema
from pipelines.defs.reports.writer import write_report
from tests.claims.helpers import CONTRACT, INFUSION, clean_auth, clean_claim
from tests.conftest import DEFAULT_AS_OF, insert
from tests.identity.support import crosswalk, link, run_night
from tests.milestones.support import add_contract
from tests.sqlmodels import set_as_of

OTHER_CLAIMS = ["OTHER-CLAIM-1", "OTHER-CLAIM-2"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """ACME re-issued OLD as NEW; OTHER uses the ids OLD and NEW for two children of its own."""
    root = tmp_path_factory.mktemp("identity_reports")
    path = root / "oba.duckdb"
    con = duckdb.connect(str(path))
    schema.create_all(con)
    set_as_of(con, DEFAULT_AS_OF)
    add_contract(con, [{"timepoint_months": 6, "criteria": "alive"}], contract_id=CONTRACT, payer="ACME")
    add_contract(con, [{"timepoint_months": 6, "criteria": "alive"}], contract_id="OBA-OTHER", payer="OTHER")
    crosswalk(con, link("OLD", "NEW", payer="ACME"))
    later = INFUSION + dt.timedelta(days=30)
    insert(con, "staging.claims",
           clean_claim("ACME-CLAIM-1", member_id="OLD")
           # billed under the old id with no OBA id: a claim to fix, shown under NEW, billed as OLD
           + clean_claim("ACME-CLAIM-2", member_id="OLD", oba_contract_id=None, service_date=later)
           + clean_claim(OTHER_CLAIMS[0], payer_id="OTHER", member_id="OLD", oba_contract_id=None,
                         prior_auth_number="PA-O1")
           + clean_claim(OTHER_CLAIMS[1], payer_id="OTHER", member_id="NEW", oba_contract_id=None,
                         prior_auth_number="PA-O2"))
    insert(con, "staging.authorizations", [clean_auth(member_id="OLD"),
                                           clean_auth("PA-O1", payer_id="OTHER", member_id="OLD"),
                                           clean_auth("PA-O2", payer_id="OTHER", member_id="NEW")])
    insert(con, "staging.remittances", [
        {"remittance_id": "RA1", "contract_id": CONTRACT, "payer_id": "ACME", "member_id": "OLD",
         "timepoint_months": 6, "amount": "123.45", "remitted_date": "2026-01-05"},
        {"remittance_id": "RO1", "contract_id": "OBA-OTHER", "payer_id": "OTHER", "member_id": "OLD",
         "timepoint_months": 6, "amount": "777.77", "remitted_date": "2026-01-05"}])
    run_night(con)
    other = con.execute("select member_id from marts.treatment_episodes where payer_id = 'OTHER' "
                        "order by 1").fetchall()
    assert other == [("NEW",), ("OLD",)]  # OTHER's ids are not merged by ACME's crosswalk
    con.close()
    out = root / "reports"
    return {fmt: write_report(path, "ACME", fmt, out) for fmt in ("xlsx", "csv", "html")}


def xlsx_rows(path: Path, sheet_word: str) -> list[tuple]:
    book = openpyxl.load_workbook(path, read_only=True)
    (sheet,) = [s for s in book.worksheets if sheet_word.lower() in s.title.lower()]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def test_claims_to_fix_show_the_current_id_and_the_id_billed_where_it_differs(reports):
    rows = xlsx_rows(reports["xlsx"], "fix")
    header = next(r for r in rows if "Claim" in r)
    member, billed, claim = header.index("Member"), header.index("Billed as member"), header.index("Claim")
    fixes = {(r[claim], r[member], r[billed]) for r in rows[rows.index(header) + 1:] if r[claim]}
    assert ("ACME-CLAIM-2", "NEW", "OLD") in fixes
    assert {r[1] for r in fixes} == {"NEW"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "html"])
def test_a_report_never_holds_another_payers_rows_when_the_payers_share_member_ids(reports, fmt):
    path = reports[fmt]
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        text = " ".join(str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r if v)
    else:
        text = path.read_text(encoding="utf-8")
    assert "123.45" in text and "NEW" in text   # ACME's remittance, under the current id
    if fmt != "csv":                              # the CSV holds the reconciliation rows only
        assert "ACME-CLAIM-2" in text
    for secret in [*OTHER_CLAIMS, "OTHER", "OBA-OTHER", "PA-O1", "PA-O2", "777.77"]:
        assert secret not in text, f"{fmt} report of ACME holds {secret}"
