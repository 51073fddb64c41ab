"""Write small landing zones for tests (the fixtures of spec/feeds.md)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from textwrap import dedent

CLAIM = {
    "claim_id": "C1", "line_number": "1", "frequency_code": "1", "payer_id": "ACME", "member_id": "M000001",
    "patient_birth_date": "2025-01-10", "service_date": "2025-06-02", "procedure_code": "J3399", "units": "1",
}
ASSESSMENT = {
    "assessment_id": "A1", "payer_id": "ACME", "member_id": "M000001", "assessment_date": "2025-06-01",
    "instrument": "CHOP-INTEND", "score": "30",
}
AUTHORIZATION = {
    "prior_auth_number": "PA1", "payer_id": "ACME", "member_id": "M000001", "decision": "approved",
    "decision_date": "2025-05-01",
}
RESPIRATORY = {"payer_id": "ACME", "member_id": "M000001", "support_date": "2025-06-01", "hours": "2"}
EVENT = {"event_id": "E1", "payer_id": "ACME", "member_id": "M000001", "event_type": "alive_contact",
         "event_date": "2025-07-01"}
REMITTANCE = {"remittance_id": "R1", "contract_id": "OBA-ACME", "payer_id": "ACME", "member_id": "M000001",
              "timepoint_months": "6", "amount": "1000.00", "remitted_date": "2025-12-01"}

BASE_ROWS = {
    "claims": CLAIM, "assessments": ASSESSMENT, "authorizations": AUTHORIZATION,
    "respiratory_support": RESPIRATORY, "clinical_events": EVENT, "remittances": REMITTANCE,
}

CONTRACT_YAML = dedent(
    """\
    contract_id: OBA-ACME
    payer_id: ACME
    product_hcpcs: J3399
    effective_from: 2024-01-01
    price_basis: 2125000.00
    milestones:
      - timepoint_months: 6
        refund_pct: 17
        criteria:
          all:
            - ventilator_free_survival
            - score_gain: {instrument: CHOP-INTEND, points: 4}
    """
)


def csv_text(rows: list[dict], header: list[str] | None = None) -> str:
    header = header or list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


def write_csv(landing: Path, feed: str, name: str, rows: list[dict], header: list[str] | None = None) -> Path:
    path = landing / feed / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(csv_text(rows, header), encoding="utf-8")
    return path


def write_text(landing: Path, feed: str, name: str, text: str | bytes) -> Path:
    path = landing / feed / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def row(feed: str, **overrides) -> dict:
    return {**BASE_ROWS[feed], **overrides}


def block_claims_with_units_above_half(tmp_path: Path, monkeypatch) -> None:
    """A claims suite with a blocking expectation every claim line breaks (units <= 0.5).

    The shipped suites guard invariants the typing SQL already enforces, so a real
    delivery cannot break them; this proves the mechanism (a failed blocking check).
    """
    from pipelines import EXPECTATIONS_DIR
    from pipelines.defs.quality import gx_suites

    suites = tmp_path / "expectations"
    suites.mkdir()
    for p in EXPECTATIONS_DIR.glob("*.json"):
        (suites / p.name).write_text(p.read_text())
    claims = json.loads((suites / "claims.json").read_text())
    claims["expectations"].append({"type": "expect_column_values_to_be_between",
                                   "kwargs": {"column": "units", "max_value": 0.5}, "meta": {"blocking": True}})
    (suites / "claims.json").write_text(json.dumps(claims))
    monkeypatch.setattr(gx_suites, "EXPECTATIONS_DIR", suites)
