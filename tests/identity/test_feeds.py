"""The member_crosswalk and enrollment feeds (spec feeds.md): keys, quarantine reasons, nothing lost,
and no member id in any message."""

from __future__ import annotations

import pytest

from pipelines.defs.ingest.loader import load_feed
from tests.landing import write_csv, write_text

CROSSWALK = {"payer_id": "ACME", "previous_member_id": "M000001", "member_id": "M000777",
             "effective_date": "2025-06-01"}
ENROLLMENT = {"payer_id": "ACME", "member_id": "M000001", "coverage_start": "2025-01-01",
              "coverage_end": "2025-12-31"}
BASE = {"member_crosswalk": CROSSWALK, "enrollment": ENROLLMENT}
KEY = {"member_crosswalk": "previous_member_id", "enrollment": "coverage_start"}

REASON_CASES = [
    ("member_crosswalk", {"member_id": "M000002"}, "BAD_CODE:member_id"),        # equal ids
    ("member_crosswalk", {"member_id": " M000002 "}, "BAD_CODE:member_id"),      # equal once trimmed
    ("member_crosswalk", {"previous_member_id": ""}, "MISSING_REQUIRED:previous_member_id"),
    ("member_crosswalk", {"member_id": ""}, "MISSING_REQUIRED:member_id"),
    ("member_crosswalk", {"effective_date": ""}, "MISSING_REQUIRED:effective_date"),
    ("member_crosswalk", {"effective_date": "2025-6-1"}, "BAD_DATE:effective_date"),
    ("enrollment", {"coverage_end": "2024-12-31"}, "OUT_OF_RANGE:coverage_end"),  # ends before it starts
    ("enrollment", {"coverage_start": ""}, "MISSING_REQUIRED:coverage_start"),
    ("enrollment", {"coverage_end": "31/12/2025"}, "BAD_DATE:coverage_end"),
    ("enrollment", {"member_id": ""}, "MISSING_REQUIRED:member_id"),
]


@pytest.mark.parametrize("feed,overrides,reason", REASON_CASES,
                         ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(REASON_CASES)])
def test_bad_row_is_quarantined_with_its_reason_and_the_good_rows_load(tmp_path, con, feed, overrides, reason):
    bad = {**BASE[feed], KEY[feed]: "2025-02-01" if feed == "enrollment" else "M000002", **overrides}
    write_csv(tmp_path, feed, "f1.csv", [BASE[feed], bad])
    (r,) = load_feed(con, feed, tmp_path, "run-1")
    assert (r.status, r.rows_read, r.rows_loaded, r.rows_quarantined) == ("loaded", 2, 1, 1)
    assert con.execute("select feed, row_number, reason from audit.quarantine").fetchall() == [(feed, 2, reason)]


def test_a_one_day_span_and_an_open_span_load(tmp_path, con):
    write_csv(tmp_path, "enrollment", "f1.csv", [{**ENROLLMENT, "coverage_end": "2025-01-01"},
                                                 {**ENROLLMENT, "coverage_start": "2026-01-01", "coverage_end": ""}])
    (r,) = load_feed(con, "enrollment", tmp_path, "run-1")
    assert (r.rows_loaded, r.rows_quarantined) == (2, 0)


def test_a_later_crosswalk_row_for_an_id_amends_the_earlier_one(tmp_path, con):
    write_csv(tmp_path, "member_crosswalk", "f1.csv", [CROSSWALK])
    write_csv(tmp_path, "member_crosswalk", "f2.csv", [{**CROSSWALK, "member_id": "M000888"}])
    load_feed(con, "member_crosswalk", tmp_path, "run-1")
    assert con.execute("select previous_member_id, member_id from staging.member_crosswalk").fetchall() == [
        ("M000001", "M000888")]


@pytest.mark.parametrize("feed", ["member_crosswalk", "enrollment"])
def test_a_file_without_a_required_column_is_rejected_with_a_message_and_no_member_id(tmp_path, con, caplog, feed):
    row = dict(BASE[feed])
    del row["payer_id"]
    write_csv(tmp_path, feed, "f1.csv", [row])
    (r,) = load_feed(con, feed, tmp_path, "run-1")
    assert r.status == "rejected"
    assert "payer_id" in r.message
    for text in [r.message, caplog.text]:
        assert "M000001" not in text and "M000777" not in text


def test_a_crosswalk_file_that_is_not_csv_is_rejected_without_quoting_it(tmp_path, con, caplog):
    write_text(tmp_path, "member_crosswalk", "f1.csv", b"\xff\xfeM000001,M000777\n")
    (r,) = load_feed(con, "member_crosswalk", tmp_path, "run-1")
    assert r.status == "rejected" and r.message
    assert "M000001" not in r.message + caplog.text
