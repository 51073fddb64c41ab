#!/usr/bin/env python3
"""Deterministic generator of the demo landing zone (data_samples/landing/).

Run:  .venv/bin/python data_samples/build_samples.py

It (re)writes every feed folder of data_samples/landing/ and data_samples/expected.json.
Stdlib + pyyaml + pyarrow only; all randomness comes from one seeded Random, so
two runs give byte-identical files.

How it works
  1. A roster of treated children (scenario labels a01.., b01.., c01..): payer,
     birth date, infusion date, weight, a motor-function profile and the claim /
     evidence quirks each one is meant to exercise (see README.md).
  2. From the roster it generates every feed: claims (infusion claims, their
     replacements and voids, monitoring lab / clinic claims), authorizations,
     assessments, respiratory support logs, clinical events, contracts and
     remittances, and assigns each row to a delivery file.
  3. It then evaluates the product rules itself (an independent, simplified
     re-implementation of spec/claims.md and spec/contracts.md over the rows
     that are meant to load) to write expected.json: claim findings, episodes,
     milestone statuses, refunds and reconciliation as of 2026-11-21. The
     remittances are chosen from that evaluation (exact / under / over payment,
     reversal pair, unmatched, future-dated).
  4. Deliberately bad rows and the one bad file are added last, each recorded in
     expected.json with the quarantine reason the pipeline should give.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import sys
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

import samples_payments
import samples_identity  # the identity scenarios (spec identity.md): ids that change, coverage that ends

HERE = Path(__file__).resolve().parent
LANDING = HERE / "landing"
AS_OF = date(2026, 11, 21)
SEED = 20261121
rng = random.Random(SEED)

FEED_DIRS = ["claims", "authorizations", "assessments", "respiratory_support",
             "clinical_events", "remittances", "contracts", "member_crosswalk", "enrollment"]

# Delivery files per feed (file stem = delivery date; lexical order = delivery order).
CLAIM_FILES = ["2026-08-01_claims_backfill", "2026-09-01_claims", "2026-10-01_claims",
               "2026-11-01_claims", "2026-11-15_claims"]
AUTH_FILES = ["2026-08-01_authorizations_backfill", "2026-09-01_authorizations",
              "2026-10-01_authorizations", "2026-11-01_authorizations"]
ASMT_FILES = ["2026-08-01_assessments_backfill", "2026-09-01_assessments",
              "2026-10-01_assessments", "2026-11-01_assessments",  # <- the Parquet delivery
              "2026-11-15_assessments"]
RESP_FILES = ["2026-08-01_respiratory_support_backfill", "2026-10-01_respiratory_support",
              "2026-11-15_respiratory_support"]
EVENT_FILES = ["2026-08-01_clinical_events_backfill", "2026-09-01_clinical_events",
               "2026-10-15_clinical_events",          # <- rejected whole (header lacks event_date)
               "2026-10-16_clinical_events_resend",   # <- the same rows, fixed header
               "2026-11-15_clinical_events"]
REMIT_FILES = ["2026-08-01_remittances_backfill", "2026-10-01_remittances", "2026-11-15_remittances"]
PARQUET_FILE = ("assessments", "2026-11-01_assessments")
REJECTED_FILE = ("clinical_events", "2026-10-15_clinical_events")


def file_date(stem: str) -> date:
    return date.fromisoformat(stem[:10])


def delivery_file(files: list[str], d: date, lag_days: int, skip: tuple[str, ...] = ()) -> str | None:
    """First delivery file dated on/after d + lag; None if not delivered yet."""
    target = d + timedelta(days=lag_days)
    for f in files:
        if f in skip:
            continue
        if file_date(f) >= target:
            return f
    return None


# --------------------------------------------------------------------------- dates / kits

def add_months(d: date, n: int) -> date:
    y, m0 = divmod(d.month - 1 + n, 12)
    y += d.year
    m = m0 + 1
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    last = (nxt - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


def iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _kits_path() -> Path:
    for p in (HERE.parent / "pipelines" / "reference" / "zolgensma_kits.csv",
              Path("/work/shared/reference/zolgensma_kits.csv")):
        if p.exists():
            return p
    raise SystemExit("zolgensma_kits.csv not found")


KITS = list(csv.DictReader(_kits_path().open(encoding="utf-8")))
KIT_NDCS = {k["ndc_11"] for k in KITS}


def kit_for_weight(w: Decimal) -> dict | None:
    r = w.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    for k in KITS:
        if Decimal(k["weight_min_kg"]) <= r <= Decimal(k["weight_max_kg"]):
            return k
    return None


def kit_by_product(prod: str) -> dict:
    return next(k for k in KITS if k["ndc_11"].split("-")[1] == prod)


def ndc_form(kit: dict, form: str) -> str:
    if form == "542":
        return kit["ndc_11"]
    if form == "11":
        return kit["ndc_11"].replace("-", "")
    return kit["ndc_10"]  # 10-digit 5-3-2


def norm_ndc(s: str) -> str | None:
    s = (s or "").strip()
    if not s:
        return None
    parts = s.split("-")
    if len(parts) == 3 and [len(p) for p in parts] == [5, 4, 2]:
        return s
    if len(parts) == 3 and [len(p) for p in parts] == [5, 3, 2]:
        return f"{parts[0]}-0{parts[1]}-{parts[2]}"
    if len(s) == 11 and s.isdigit():
        return f"{s[:5]}-{s[5:9]}-{s[9:]}"
    return s


# --------------------------------------------------------------------------- contracts

PRICE = Decimal("2125000.00")
VFS = "ventilator_free_survival"


def smin(i, v):
    return {"score_min": {"instrument": i, "value": v}}


def sgain(i, p):
    return {"score_gain": {"instrument": i, "points": p}}


def mm(m):
    return {"motor_milestone": m}


CONTRACTS = [
    {   # ACME's first agreement: closed period, cap below the sum of the refund percentages.
        "file": "2026-08-01_OBA-ACME-2021.yaml",
        "comment": "ACME 2021-2023 agreement. refund_cap_pct 50 < 10+15+20+20+25 = 90: the cap bites.",
        "contract_id": "OBA-ACME-2021", "payer_id": "ACME", "product_hcpcs": "J3399",
        "effective_from": date(2021, 1, 1), "effective_to": date(2023, 12, 31),
        "price_basis": PRICE, "refund_cap_pct": 50,
        "milestones": [
            {"timepoint_months": 6, "refund_pct": 10, "criteria": VFS},
            {"timepoint_months": 12, "window_days_before": 30, "window_days_after": 60, "refund_pct": 15,
             "criteria": {"all": [VFS, {"any": [mm("SITS_WITHOUT_SUPPORT_30S"), smin("CHOP-INTEND", 40)]}]}},
            {"timepoint_months": 24, "refund_pct": 20,
             "criteria": {"all": [VFS, {"any": [smin("HFMSE", 20), mm("STANDS_WITH_ASSISTANCE")]}]}},
            {"timepoint_months": 36, "window_days_before": 45, "window_days_after": 45, "refund_pct": 20,
             "criteria": {"all": [VFS, {"any": [mm("STANDS_ALONE"), mm("WALKS_WITH_ASSISTANCE"),
                                                smin("HFMSE", 25)]}]}},
            {"timepoint_months": 60, "window_days_before": 60, "window_days_after": 60, "refund_pct": 25,
             "criteria": "alive"},
        ],
    },
    {   # ACME's current agreement: open-ended, every default.
        "file": "2026-08-01_OBA-ACME-2024.yaml",
        "comment": "ACME agreement for infusions from 2024-01-01 (open-ended); all optional terms at their defaults.",
        "contract_id": "OBA-ACME-2024", "payer_id": "ACME", "product_hcpcs": "J3399",
        "effective_from": date(2024, 1, 1),
        "price_basis": PRICE,
        "milestones": [
            {"timepoint_months": 6, "window_days_before": 30, "window_days_after": 30, "refund_pct": 17,
             "criteria": {"all": [VFS, {"any": [sgain("CHOP-INTEND", 4), mm("SITS_WITHOUT_SUPPORT_30S")]}]}},
            {"timepoint_months": 12, "window_days_before": 30, "window_days_after": 60, "refund_pct": 17,
             "criteria": {"all": [VFS, {"any": [mm("SITS_WITHOUT_SUPPORT_30S"), smin("CHOP-INTEND", 40)]}]}},
            {"timepoint_months": 24, "refund_pct": 17,
             "criteria": {"all": [VFS, {"any": [smin("CHOP-INTEND", 50), smin("HFMSE", 20),
                                                mm("STANDS_WITH_ASSISTANCE")]}]}},
            {"timepoint_months": 36, "refund_pct": 17, "criteria": VFS},
            {"timepoint_months": 60, "refund_pct": 16, "criteria": "alive"},
        ],
    },
    {   # BLUEPEAK: missing evidence is refunded, best score in window, shorter refund terms.
        "file": "2026-08-01_OBA-BLUEPEAK-2021.yaml",
        "comment": "BLUEPEAK agreement as first signed (refund_due_days 90); amended by 2026-10-01_OBA-BLUEPEAK-2021.yaml.",
        "contract_id": "OBA-BLUEPEAK-2021", "payer_id": "BLUEPEAK", "product_hcpcs": "J3399",
        "effective_from": date(2021, 7, 1),
        "price_basis": PRICE, "refund_cap_pct": 100, "refund_due_days": 90,
        "missing_evidence": "refund", "assessment_selection": "best", "baseline_window_days": 45,
        "on_disenrollment": "stop",
        "milestones": [
            {"timepoint_months": 6, "refund_pct": 15,
             "criteria": {"all": [VFS, {"any": [sgain("CHOP-INTEND", 4), mm("SITS_WITHOUT_SUPPORT_30S")]}]}},
            {"timepoint_months": 12, "window_days_before": 30, "window_days_after": 60, "refund_pct": 15,
             "criteria": {"all": [VFS, {"any": [mm("SITS_WITHOUT_SUPPORT_30S"), smin("CHOP-INTEND", 40)]}]}},
            {"timepoint_months": 24, "refund_pct": 20,
             "criteria": {"all": [VFS, {"any": [mm("STANDS_WITH_ASSISTANCE"), smin("HFMSE", 20)]}]}},
            {"timepoint_months": 36, "refund_pct": 20,
             "criteria": {"all": [VFS, {"any": [mm("WALKS_WITH_ASSISTANCE"), smin("RHS", 30)]}]}},
            {"timepoint_months": 60, "window_days_before": 60, "window_days_after": 60, "refund_pct": 10,
             "criteria": "alive"},
        ],
    },
]
# The amendment: same contract_id, delivered later, refund_due_days 90 -> 60. The later delivery wins.
CONTRACTS.append({**CONTRACTS[2], "file": "2026-10-01_OBA-BLUEPEAK-2021.yaml",
                  "comment": "BLUEPEAK amendment no. 1 (re-delivery of the same contract_id): "
                             "refund_due_days 90 -> 60. Replaces the 2026-08-01 terms.",
                  "refund_due_days": 60})
CURRENT_CONTRACTS = {c["contract_id"]: c for c in CONTRACTS}  # later file wins (list is in delivery order)
DEFAULTS = {"refund_cap_pct": 100, "refund_due_days": 90, "missing_evidence": "no_refund",
            "assessment_selection": "closest_to_due", "baseline_window_days": 30}


def cterm(c, k):
    return c.get(k, DEFAULTS[k])


class ContractDumper(yaml.SafeDumper):
    """safe_dump for contract files: money as a plain number with 2 decimals (2125000.00), lists
    indented under their key, and no anchors / aliases (the contract loader refuses them)."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data):
        return True


ContractDumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", f"{v:.2f}"))


def contract_yaml(c: dict) -> str:
    doc = {k: c[k] for k in ("contract_id", "payer_id", "product_hcpcs", "effective_from", "effective_to",
                             "price_basis", "refund_cap_pct", "refund_due_days", "missing_evidence",
                             "assessment_selection", "baseline_window_days", "on_disenrollment",
                             "claim_submission_days", "payment") if c.get(k) is not None}
    doc["milestones"] = c["milestones"]
    head = f"# {c['comment']}\n# Synthetic demo contract (data_samples/build_samples.py).\n"
    return head + yaml.dump(doc, Dumper=ContractDumper, sort_keys=False, default_flow_style=False)


# --------------------------------------------------------------------------- roster

PAYER_PREFIX = {"ACME": "AC", "BLUEPEAK": "BPK", "CORALHEALTH": "CH"}
CENTERS = {"ACME": ["1003000126", "1003000134"], "BLUEPEAK": ["1005000117", "1005000125"],
           "CORALHEALTH": ["1007000108"]}   # synthetic 10-digit identifiers, not real NPIs
ASSESSORS = ["1900000011", "1900000029", "1900000037", "1900000045", "1900000052", "1900000060"]

_used_members: set[str] = set()


def new_member() -> str:
    while True:
        m = "M" + str(rng.randint(100000, 999999))
        if m not in _used_members:
            _used_members.add(m)
            return m


def K(label, payer, inf, kind, profile, **opt):
    """One treated child. kind: infant (symptomatic, 1-7 months), presym (newborn), older (9-23 months)."""
    return {"label": label, "payer": payer, "inf": date.fromisoformat(inf), "kind": kind,
            "profile": profile, **opt}


ROSTER = [
    # ---------------- ACME (contracts OBA-ACME-2021 for 2021-2023, OBA-ACME-2024 from 2024)
    K("a01", "ACME", "2021-08-16", "infant", "good", note="clean; long responder, all 60-month milestones decided",
      alive_contacts=True),
    K("a02", "ACME", "2022-01-20", "infant", "decline", death=date(2022, 5, 10),
      note="death 2022-05-10, before the 6-month window opens: every milestone not_met, refund cap (50%) bites"),
    K("a03", "ACME", "2022-03-22", "infant", "plateau", oba="OBA-ACME-2020", pa_missing_record=True,
      note="OBA_ID_UNKNOWN (billed OBA-ACME-2020) + PA_NOT_FOUND; suggested OBA-ACME-2021"),
    K("a04", "ACME", "2021-11-03", "infant", "good", lost_after=date(2024, 3, 1),
      note="lost to follow-up after 2024-03-01: 36-month milestone missing_evidence (no_refund contract)"),
    K("a05", "ACME", "2022-07-11", "older", "good", units="2", rev="0637",
      note="UNITS_NOT_ONE (J3399 units 2) + REVENUE_CODE_UNEXPECTED (0637)"),
    K("a06", "ACME", "2023-02-14", "infant", "good", oba="OBA-BLUEPEAK-2021",
      note="OBA_PAYER_MISMATCH (billed BLUEPEAK's contract); suggested OBA-ACME-2021"),
    K("a07", "ACME", "2023-05-09", "older", "late", weight="8.0", claim_weight="8.05", kit_prod="0130",
      note="NDC_KIT_WEIGHT_MISMATCH: claim weight 8.05 rounds half-up to 8.1 -> kit 71894-0131-06; billed 0130 "
           "(the authorization's 8.0 kg would have matched, but the claim's dose-build weight wins)"),
    K("a08", "ACME", "2023-08-28", "infant", "plateau", skip={12}, night_bipap=True,
      note="12-month visit missed: 12-month milestone missing_evidence; short nightly BiPAP log (<16 h) that is not permanent ventilation"),
    K("a09", "ACME", "2024-03-12", "infant", "good", oba="OBA-ACME-2021",
      note="OBA_NOT_EFFECTIVE (billed OBA-ACME-2021, which ended 2023-12-31); suggested OBA-ACME-2024"),
    K("a10", "ACME", "2024-02-06", "infant", "plateau", pv_event=date(2024, 11, 20),
      note="adjudicated permanent_ventilation event 2024-11-20: 12- and 24-month milestones not_met"),
    K("a11", "ACME", "2024-05-21", "infant", "good", oba=None,
      note="OBA_ID_MISSING; suggested OBA-ACME-2024"),
    K("a12", "ACME", "2024-09-03", "infant", "good", baseline_days=38,
      note="baseline CHOP-INTEND 38 days before infusion (outside the 30-day baseline window): "
           "6-month score_gain unknown -> missing_evidence although the child improves"),
    K("a13", "ACME", "2025-06-10", "infant", "plateau", baseline=34, amend12=(38, 42),
      note="12-month CHOP-INTEND delivered as 38 (2026-08-01 backfill), amended to 42 on 2026-10-01: "
           "12-month milestone met only thanks to the amendment"),
    K("a14", "ACME", "2025-01-15", "infant", "good", no_ndc=True, pos="49", pa_no_weight=True,
      note="NDC_MISSING + PLACE_OF_SERVICE_INELIGIBLE (49)"),
    K("a15", "ACME", "2025-04-08", "infant", "late", pa_decision="denied", note="PA_NOT_APPROVED (denied)"),
    K("a16", "ACME", "2025-09-02", "infant", "good", titer="", smn1="false",
      note="AAV9_TITER_MISSING + SMN1_NOT_CONFIRMED"),
    K("a17", "ACME", "2025-11-18", "presym", "good", titer_days=21, note="AAV9_TITER_STALE (titer 21 days before infusion)"),
    K("a18", "ACME", "2026-05-12", "infant", "decline", death=date(2026, 10, 3),
      note="death 2026-10-03, before the 6-month due date but while its window is still open: "
           "all five milestones not_met at once, refunds due in 2027"),
    K("a19", "ACME", "2024-07-09", "infant", "good", second_dose=date(2024, 10, 15),
      note="a second J3399 claim 2024-10-15: DUPLICATE_LIFETIME_DOSE (+ AAV9_TITER_STALE, same PA) on the second claim"),
    K("a20", "ACME", "2024-04-02", "older", "good", age_days=763, weight="12.2",
      note="AGE_AT_INFUSION (25 months old)"),
    K("a21", "ACME", "2026-07-14", "presym", "good", chain=True,
      note="claim chain: original without OBA id (2026-08-01) -> replacement adds it (2026-09-01) -> "
           "replacement of the replacement corrects paid amount (2026-10-01); current version clean"),
    K("a22", "ACME", "2026-08-19", "infant", "good", weight="6.3", claim_weight="6.3", amend_ndc_from="0126",
      note="J3399 line first delivered with the wrong kit (0126, 2026-09-01), amended in place to the right kit "
           "(same claim_id/line, 2026-10-01): no finding after the amendment"),
    K("a23", "ACME", "2026-10-06", "presym", "good", note="clean; infused 6 weeks before as-of, everything pending"),
    K("a24", "ACME", "2022-10-04", "presym", "good", weight="3.05", claim_weight="3.05",
      note="clean; weight 3.05 rounds to 3.1 -> kit 0121 (billed 0121)"),
    K("a25", "ACME", "2023-11-15", "infant", "decline", note="clean claim; declining child"),
    K("a26", "ACME", "2025-02-25", "older", "good", pa_amended=True,
      note="authorization delivered 'pended' (backfill), amended to 'approved' on 2026-09-01: no PA finding"),
    K("a27", "ACME", "2021-12-14", "older", "plateau", note="clean; older child, plateau"),
    K("a28", "ACME", "2026-02-03", "infant", "good", ari_episode=True,
      note="clean; 5-day acute reversible illness on 20 h/day support (flagged): not permanent ventilation"),
    # ---------------- BLUEPEAK (OBA-BLUEPEAK-2021 from 2021-07-01; missing_evidence: refund; best)
    K("b01", "BLUEPEAK", "2021-06-15", "infant", "good", oba="OBA-BLUEPEAK-2021",
      note="OBA_NOT_EFFECTIVE (infused before the contract's 2021-07-01 start): no other contract -> unlinked"),
    K("b02", "BLUEPEAK", "2021-09-07", "infant", "decline", trach=date(2022, 6, 20),
      note="tracheostomy 2022-06-20: 12/24/36-month milestones not_met, 60-month (alive) met"),
    K("b03", "BLUEPEAK", "2022-09-12", "infant", "late", death=date(2024, 2, 15),
      note="death 2024-02-15 (between 12 and 24 months): 24/36/60 not_met"),
    K("b04", "BLUEPEAK", "2023-05-16", "infant", "plateau", resp_run=date(2023, 12, 11),
      note="permanent ventilation only via the daily log: >=16 h on 14+ consecutive days from 2023-12-11"),
    K("b05", "BLUEPEAK", "2023-10-24", "infant", "plateau", resp_interrupted=date(2024, 6, 1),
      note="interrupted >=16 h runs (an acute_reversible_illness day, a 15-hour day, a missing day, a "
           "perioperative day): never 14 consecutive qualifying days -> NOT permanent ventilation"),
    K("b06", "BLUEPEAK", "2025-03-04", "infant", "good", eie6=True,
      note="6-month CHOP-INTEND re-delivered as entered_in_error: 6-month missing_evidence, refunded (contract says refund)"),
    K("b07", "BLUEPEAK", "2024-06-18", "infant", "plateau", baseline=30, best12=(41, 38),
      note="two 12-month CHOP-INTEND scores in the window (41 at due-20, 38 at due+12): "
           "'best' selects 41 -> met (closest_to_due would give 38 -> not met)"),
    K("b08", "BLUEPEAK", "2022-04-19", "infant", "good", hcpcs="J3490", rev="0250",
      note="HCPCS_NOT_J3399 (J3490 + ZOLGENSMA kit NDC)"),
    K("b09", "BLUEPEAK", "2022-11-29", "infant", "late", admin=["96413", "96415"],
      note="ADMIN_CPT_INVALID (96413/96415 chemo codes) and so ADMIN_CPT_MISSING (no 96365)"),
    K("b10", "BLUEPEAK", "2023-03-21", "older", "good", bad_kit="71894-0160-15", pa_no_weight=True,
      note="NDC_NOT_A_KIT (71894-0160-15); no weight anywhere so no weight rules"),
    K("b11", "BLUEPEAK", "2024-01-09", "presym", "good", weight="2.5", kit_prod="0120",
      note="WEIGHT_BELOW_KIT_RANGE (2.5 kg from the authorization), billed the smallest kit"),
    K("b12", "BLUEPEAK", "2024-11-12", "infant", "good", pa_missing_record=True, claim_weight_same=True,
      note="PA_NOT_FOUND (the authorization number matches no record)"),
    K("b13", "BLUEPEAK", "2025-07-22", "infant", "good", titer="pending", note="AAV9_TITER_UNREADABLE ('pending')"),
    K("b14", "BLUEPEAK", "2025-10-14", "infant", "good", pa_of="b20", claim_weight_same=True,
      note="PA_MEMBER_MISMATCH (billed another child's authorization number)"),
    K("b15", "BLUEPEAK", "2026-04-21", "infant", "good", orphan=True,
      note="orphan replacement: frequency 7 naming a claim never delivered; it is the current version"),
    K("b16", "BLUEPEAK", "2022-02-08", "infant", "plateau", skip={24},
      note="24-month visit missed: 24-month missing_evidence, refunded (missing_evidence: refund)"),
    K("b17", "BLUEPEAK", "2021-12-07", "infant", "good", note="clean"),
    K("b18", "BLUEPEAK", "2023-01-24", "older", "good", note="clean; older child (HFMSE/RHS)"),
    K("b19", "BLUEPEAK", "2024-09-24", "infant", "good", alive_contacts=True, note="clean"),
    K("b20", "BLUEPEAK", "2026-01-13", "infant", "good", note="clean (its PA number is misused on b14's claim)"),
    K("b21", "BLUEPEAK", "2025-12-02", "infant", "good", void_first=True,
      note="duplicate submission of its claim voided by a void delivered one file BEFORE the duplicate: no DUPLICATE_LIFETIME_DOSE"),
    K("b22", "BLUEPEAK", "2026-09-08", "presym", "good", note="clean; recent, all pending"),
    K("b23", "BLUEPEAK", "2022-06-07", "older", "decline", note="clean; older child declining"),
    K("b24", "BLUEPEAK", "2021-07-20", "infant", "late", note="clean; oldest BLUEPEAK episode, all milestones decided"),
    K("b25", "BLUEPEAK", "2025-05-27", "presym", "good", note="clean"),
    # ---------------- CORALHEALTH (no contract at all: episodes unlinked, no OBA finding)
    K("c01", "CORALHEALTH", "2023-07-11", "older", "good", weight="9.7", claim_weight="21.4", kit_prod="0134",
      note="WEIGHT_OVER_CEILING: dose-build weight keyed in pounds (21.4) while the authorization says 9.7 kg"),
    K("c02", "CORALHEALTH", "2022-05-17", "infant", "good", diag="G71.00;R62.50", note="DIAGNOSIS_NOT_SMA"),
    K("c03", "CORALHEALTH", "2024-03-26", "infant", "good", no_pa=True, claim_weight_same=True, note="PA_MISSING"),
    K("c04", "CORALHEALTH", "2025-08-12", "infant", "good", titer="1:100", titer_days=30,
      note="AAV9_TITER_HIGH (1:100) + AAV9_TITER_STALE (30 days)"),
    K("c05", "CORALHEALTH", "2025-03-18", "infant", "good", wrong_member_void=True,
      note="first billed under a wrong member id, that claim voided (frequency 8), then re-billed as a new "
           "original under the right member: clean"),
    K("c06", "CORALHEALTH", "2021-10-26", "infant", "good", alive_contacts=True, note="clean"),
    K("c07", "CORALHEALTH", "2024-12-10", "presym", "good", note="clean"),
]
LABEL = {c["label"]: c for c in ROSTER}

GAINS = {  # CHOP-INTEND change from baseline by month after infusion
    "good": {1: 5, 3: 10, 6: 15, 9: 18, 12: 21, 18: 24, 24: 26},
    "late": {1: 2, 3: 4, 6: 7, 9: 10, 12: 12, 18: 16, 24: 18},
    "plateau": {1: 3, 3: 5, 6: 6, 9: 6, 12: 6, 18: 6, 24: 5},
    "decline": {1: 2, 3: 0, 6: -3, 9: -5, 12: -7, 18: -9, 24: -10},
}
OLDER_GAINS = {  # HFMSE change from baseline
    "good": {3: 2, 6: 4, 12: 6, 18: 8, 24: 9, 36: 11, 48: 12, 60: 12},
    "late": {3: 1, 6: 3, 12: 4, 18: 5, 24: 6, 36: 7, 48: 7, 60: 7},
    "plateau": {3: 1, 6: 1, 12: 2, 18: 2, 24: 2, 36: 2, 48: 1, 60: 1},
    "decline": {3: 0, 6: -1, 12: -2, 18: -3, 24: -4, 36: -5, 48: -6, 60: -7},
}
# month after infusion at which a motor milestone is achieved (None = not achieved)
MILESTONE_AT = {
    ("presym", "good"): {"HEAD_CONTROL": 3, "SITS_WITHOUT_SUPPORT_30S": 6, "STANDS_WITH_ASSISTANCE": 12,
                         "WALKS_WITH_ASSISTANCE": 18, "STANDS_ALONE": 18, "WALKS_ALONE": 24},
    ("infant", "good"): {"HEAD_CONTROL": 3, "SITS_WITHOUT_SUPPORT_30S": 12, "STANDS_WITH_ASSISTANCE": 18,
                         "WALKS_WITH_ASSISTANCE": 30, "STANDS_ALONE": 36, "WALKS_ALONE": 48},
    ("infant", "late"): {"HEAD_CONTROL": 6, "SITS_WITHOUT_SUPPORT_30S": 18, "STANDS_WITH_ASSISTANCE": 36},
    ("older", "good"): {"SITS_WITHOUT_SUPPORT_30S": 6, "STANDS_WITH_ASSISTANCE": 12,
                        "WALKS_WITH_ASSISTANCE": 24, "STANDS_ALONE": 36},
    ("older", "late"): {"SITS_WITHOUT_SUPPORT_30S": 6, "STANDS_WITH_ASSISTANCE": 24},
    ("older", "plateau"): {"SITS_WITHOUT_SUPPORT_30S": 6},
    ("older", "decline"): {},
    ("infant", "plateau"): {"HEAD_CONTROL": 6},
    ("infant", "decline"): {},
}
MILESTONE_TRACK_FROM = {"HEAD_CONTROL": 3, "SITS_WITHOUT_SUPPORT_30S": 6, "STANDS_WITH_ASSISTANCE": 12,
                        "WALKS_WITH_ASSISTANCE": 18, "STANDS_ALONE": 18, "WALKS_ALONE": 24}
VISIT_MONTHS = [1, 3, 6, 9, 12, 18, 24, 30, 36, 48, 60]


def prepare_children():
    for c in ROSTER:
        c["member"] = new_member()
        c["center"] = rng.choice(CENTERS[c["payer"]])
        c["assessor"] = rng.choice(ASSESSORS)
        kind = c["kind"]
        if "age_days" in c:
            age = c["age_days"]
        elif kind == "presym":
            age = rng.randint(12, 40)
        elif kind == "infant":
            age = rng.randint(35, 200)
        else:
            age = rng.randint(280, 690)
        c["birth"] = c["inf"] - timedelta(days=age)
        if "weight" in c:
            w = Decimal(c["weight"])
        else:
            months = age / 30.44
            if kind == "presym":
                base = 3.1 + 0.9 * months
            elif kind == "infant":
                base = 3.6 + 0.55 * months
            else:
                base = 6.4 + 0.2 * months
            w = Decimal(str(round(base + rng.uniform(-0.4, 0.4), 1)))
        c["weight_kg"] = w
        cw = c.get("claim_weight")
        if c.get("claim_weight_same") or (cw is None and rng.random() < 0.35 and "weight" not in c
                                      and not c.get("pa_no_weight")):
            cw = str(w)
        c["claim_weight_kg"] = cw
        eff_w = Decimal(cw) if cw else w
        if "kit_prod" in c:
            c["kit"] = kit_by_product(c["kit_prod"])
        else:
            k = kit_for_weight(eff_w)
            c["kit"] = k
        if kind in ("infant", "presym"):
            if "baseline" in c:
                c["b0"] = c["baseline"]
            elif kind == "presym":
                c["b0"] = rng.randint(38, 50)
            else:
                c["b0"] = rng.randint(16, 34)
        else:
            c["hfmse0"] = rng.randint(9, 22)
            c["rhs0"] = rng.randint(12, 26)
        c["sma_type"] = {"presym": "presymptomatic", "infant": "1", "older": "2"}[kind]
        c["smn2"] = {"presym": rng.choice([2, 3]), "infant": 2, "older": 3}[kind]


# --------------------------------------------------------------------------- evidence generation

ASMT_LAG = 7          # an assessment reaches the payer about a week after the visit
ASMT_DELIVERY_CUTOFF = file_date(ASMT_FILES[-1]) - timedelta(days=ASMT_LAG)

asmt_rows: list[dict] = []
event_rows: list[dict] = []
resp_rows: list[dict] = []
_seq = {"asmt": 0, "event": 0}


def next_id(kind: str, prefix: str) -> str:
    _seq[kind] += 1
    return f"{prefix}{_seq[kind]:06d}"


def add_asmt(c, d, instrument, score=None, milestone=None, achieved=None, status=None, aid=None):
    if status is None:   # the feed's default is final: leave it empty on about a third of the rows
        status = "final" if rng.random() < 0.67 else ""
    row = {"assessment_id": aid or next_id("asmt", "ASM"), "payer_id": c["payer"], "member_id": c["member"],
           "assessment_date": d, "instrument": instrument,
           "score": score, "milestone": milestone, "achieved": achieved,
           "status": status, "assessor_npi": c["assessor"], "_child": c["label"]}
    asmt_rows.append(row)
    return row


def clamp(v, lo, hi):
    return max(lo, min(hi, v))


def child_stop(c) -> date:
    stop = min(AS_OF, ASMT_DELIVERY_CUTOFF)
    if c.get("death"):
        stop = min(stop, c["death"] - timedelta(days=1))
    if c.get("lost_after"):
        stop = min(stop, c["lost_after"])
    return stop


def gen_assessments(c):
    inf, kind, prof = c["inf"], c["kind"], c["profile"]
    stop = child_stop(c)
    bdays = c.get("baseline_days", rng.randint(3, 24))
    bdate = inf - timedelta(days=bdays)
    if kind in ("infant", "presym"):
        add_asmt(c, bdate, "CHOP-INTEND", score=c["b0"])
    else:
        add_asmt(c, bdate, "HFMSE", score=c["hfmse0"])
        add_asmt(c, bdate, "RHS", score=c["rhs0"])
    achieved_at = MILESTONE_AT.get((kind, prof), {})
    if kind == "presym" and prof != "good":
        achieved_at = MILESTONE_AT[("infant", prof)]
    recorded_true: set[str] = set()
    pv_penalty = 0
    for m in VISIT_MONTHS:
        if m in c.get("skip", set()):
            continue
        jitter = c.get("jitter", {}).get(m, rng.randint(-9, 9))
        d = add_months(inf, m) + timedelta(days=jitter)
        if d > stop:
            break
        if c.get("pv_event") and d > c["pv_event"] or c.get("trach") and d > c["trach"] \
                or c.get("resp_run") and d > c["resp_run"]:
            pv_penalty = 3
        noise = rng.randint(-2, 2)
        if kind in ("infant", "presym"):
            if m <= 24:
                s = clamp(c["b0"] + GAINS[prof][m] + noise - pv_penalty, 0, 64)
                if m == 12 and c.get("amend12"):
                    r = add_asmt(c, d, "CHOP-INTEND", score=c["amend12"][0])
                    c["amend_row"] = r
                elif m == 12 and c.get("best12"):
                    due = add_months(inf, 12)
                    add_asmt(c, due - timedelta(days=20), "CHOP-INTEND", score=c["best12"][0])
                    add_asmt(c, due + timedelta(days=12), "CHOP-INTEND", score=c["best12"][1])
                else:
                    r = add_asmt(c, d, "CHOP-INTEND", score=s)
                    if m == 6 and c.get("eie6"):
                        c["eie_row"] = r
            if m >= 24:
                hf = {"good": 14 + (m - 24) // 3, "late": 8 + (m - 24) // 6, "plateau": 4,
                      "decline": 2}[prof] + (8 if kind == "presym" else 0)
                add_asmt(c, d, "HFMSE", score=clamp(hf + noise, 0, 66))
            if m >= 36:
                rh = {"good": 22, "late": 14, "plateau": 6, "decline": 3}[prof] + (12 if kind == "presym" else 0) \
                    + ((m - 36) // 4 if prof in ("good", "late") else 0)
                add_asmt(c, d, "RHS", score=clamp(rh + noise, 0, 69))
        else:
            if m in OLDER_GAINS[prof]:
                add_asmt(c, d, "HFMSE", score=clamp(c["hfmse0"] + OLDER_GAINS[prof][m] + noise - pv_penalty, 0, 66))
                if m >= 6:
                    add_asmt(c, d, "RHS", score=clamp(c["rhs0"] + OLDER_GAINS[prof][m] + 1 + noise, 0, 69))
        # motor milestones, from 3 months on
        if m >= 3 and m not in (1,):
            for ms, start in MILESTONE_TRACK_FROM.items():
                if kind == "older" and ms == "HEAD_CONTROL":
                    continue
                if m < start or ms in recorded_true:
                    continue
                at = achieved_at.get(ms)
                ok = at is not None and m >= at
                add_asmt(c, d, "MOTOR_MILESTONE", milestone=ms, achieved=ok)
                if ok:
                    recorded_true.add(ms)


def gen_events(c):
    stop = min(AS_OF, file_date(EVENT_FILES[-1]) - timedelta(days=5))
    if c.get("death"):
        event_rows.append({"event_id": next_id("event", "EV"), "payer_id": c["payer"], "member_id": c["member"],
                           "event_type": "death", "event_date": c["death"], "_child": c["label"]})
    for k, t in (("trach", "tracheostomy"), ("pv_event", "permanent_ventilation")):
        if c.get(k):
            event_rows.append({"event_id": next_id("event", "EV"), "payer_id": c["payer"], "member_id": c["member"],
                               "event_type": t, "event_date": c[k], "_child": c["label"]})
    if c.get("alive_contacts"):
        d = add_months(c["inf"], 2)
        i = 0
        while d <= min(stop, child_stop(c) if not c.get("death") else c["death"] - timedelta(days=1)):
            event_rows.append({"event_id": next_id("event", "EV"), "payer_id": c["payer"], "member_id": c["member"],
                               "event_type": "alive_contact", "event_date": d, "_child": c["label"]})
            i += 1
            d = add_months(c["inf"], 2 + 4 * i) + timedelta(days=rng.randint(-5, 5))
    elif not c.get("death") and not c.get("lost_after") and rng.random() < 0.4:
        # one recent phone contact
        d = AS_OF - timedelta(days=rng.randint(40, 100))
        if d > c["inf"]:
            event_rows.append({"event_id": next_id("event", "EV"), "payer_id": c["payer"], "member_id": c["member"],
                               "event_type": "alive_contact", "event_date": d, "_child": c["label"]})


def add_resp(c, d, hours, stype, ari=None, periop=None):
    resp_rows.append({"payer_id": c["payer"], "member_id": c["member"], "support_date": d,
                      "hours": hours, "support_type": stype,
                      "acute_reversible_illness": ari, "perioperative": periop, "_child": c["label"]})


def gen_resp(c):
    if c.get("resp_run"):
        onset = c["resp_run"]
        d = onset - timedelta(days=10)
        for _ in range(10):            # 10 days of 8-14 h NIV before the run
            add_resp(c, d, f"{rng.randint(8, 14)}.0", "niv")
            d += timedelta(days=1)
        for i in range(52):            # then >= 16 h every day (one day exactly 16.0)
            h = "16.0" if i == 3 else f"{rng.randint(17, 23)}.{rng.choice([0, 5])}"
            add_resp(c, d, h, "niv" if i < 30 else "invasive", ari="false" if i % 7 == 0 else None)
            d += timedelta(days=1)
    if c.get("resp_interrupted"):
        d = c["resp_interrupted"]

        def block(n):
            nonlocal d
            for _ in range(n):
                add_resp(c, d, f"{rng.randint(16, 21)}.{rng.choice([0, 5])}", "niv")
                d += timedelta(days=1)
        block(13)
        add_resp(c, d, "20.0", "niv", ari="true"); d += timedelta(days=1)      # marked day ends the run
        block(13)
        add_resp(c, d, "15.0", "niv"); d += timedelta(days=1)                   # 15 hours ends the run
        block(13)
        d += timedelta(days=1)                                                  # a missing day ends the run
        block(13)
        add_resp(c, d, "18.0", "invasive", periop="yes"); d += timedelta(days=1)  # perioperative day
        block(13)
        for _ in range(10):
            add_resp(c, d, f"{rng.randint(6, 10)}.0", "niv"); d += timedelta(days=1)
    if c.get("night_bipap"):
        d = add_months(c["inf"], 20)
        for _ in range(30):
            add_resp(c, d, f"{rng.randint(8, 12)}.0", "niv"); d += timedelta(days=1)
    if c.get("ari_episode"):
        d = add_months(c["inf"], 7) + timedelta(days=3)
        for i in range(20):
            if 4 <= i < 9:
                add_resp(c, d, "20.0", "niv", ari="Y")
            else:
                add_resp(c, d, f"{rng.randint(0, 4)}.0", "none" if i % 2 else "niv", ari="N")
            d += timedelta(days=1)


# --------------------------------------------------------------------------- claims / authorizations

CLAIM_COLS = ["claim_id", "line_number", "frequency_code", "original_claim_id", "payer_id", "member_id",
              "patient_birth_date", "service_date", "procedure_code", "units", "modifiers", "revenue_code",
              "place_of_service", "ndc", "ndc_unit", "ndc_quantity", "diagnosis_codes", "prior_auth_number",
              "oba_contract_id", "billing_npi", "kit_lot_number", "patient_weight_kg", "billed_amount",
              "paid_amount", "paid_date"]
AUTH_COLS = ["prior_auth_number", "payer_id", "member_id", "decision", "decision_date", "sma_type",
             "smn1_biallelic", "smn2_copy_number", "aav9_titer", "aav9_titer_date", "weight_kg", "weight_date",
             "planned_infusion_date", "treating_center_npi"]
ASMT_COLS = ["assessment_id", "payer_id", "member_id", "assessment_date", "instrument", "score", "milestone",
             "achieved", "status", "assessor_npi"]
RESP_COLS = ["payer_id", "member_id", "support_date", "hours", "support_type", "acute_reversible_illness",
             "perioperative"]
EVENT_COLS = ["event_id", "payer_id", "member_id", "event_type", "event_date"]
REMIT_COLS = ["remittance_id", "contract_id", "payer_id", "member_id", "timepoint_months", "amount",
              "remitted_date", "reference"]

claim_rows: list[dict] = []   # each with _file
auth_rows: list[dict] = []
_claim_seq = {"n": 0}


def new_claim_id(payer: str, d: date) -> str:
    _claim_seq["n"] += 1
    return f"{PAYER_PREFIX[payer]}{d.strftime('%y')}{_claim_seq['n'] * 7919 % 1000000:06d}"


def claim_file_for(service: date) -> str:
    return delivery_file(CLAIM_FILES, service, 21) or CLAIM_FILES[-1]


def contract_default_oba(c) -> str | None:
    if c["payer"] == "ACME":
        return "OBA-ACME-2021" if c["inf"] <= date(2023, 12, 31) else "OBA-ACME-2024"
    if c["payer"] == "BLUEPEAK":
        return "OBA-BLUEPEAK-2021"
    return None


def infusion_lines(c, claim_id, freq, orig, service, pa, oba, paid="2125000.00", ndc_override=None):
    kit = c["kit"]
    form = rng.choice(["542", "542", "11", "10"])
    ndc = ndc_override if ndc_override is not None else ndc_form(kit, form)
    if c.get("bad_kit"):
        ndc = c["bad_kit"]
    if c.get("no_ndc"):
        ndc = ""
    diag = c.get("diag") or rng.choice(["G12.0", "G120", "G12.0;Z79.899", "G12.1", "G12.1;R62.50"])
    if c["kind"] == "older" and not c.get("diag"):
        diag = rng.choice(["G12.1", "G121;R26.89"])
    pos = c.get("pos") or rng.choice(["21", "22", "22", "19"])
    rev = c.get("rev") or rng.choice(["0636", "0636", "636"])
    npi = c["center"]
    lot = f"AVX{rng.randint(100000, 999999)}"
    paid_date = service + timedelta(days=rng.randint(18, 35))
    common = {"claim_id": claim_id, "frequency_code": freq, "original_claim_id": orig or "",
              "payer_id": c["payer"], "member_id": c.get("bill_member", c["member"]),
              "patient_birth_date": iso(c["birth"]), "diagnosis_codes": diag, "billing_npi": npi}
    claim_level = {"prior_auth_number": pa or "", "oba_contract_id": oba or ""}
    pa_line1_only = rng.random() < 0.3
    lines = []
    zl = {**common, **claim_level, "line_number": "1", "service_date": iso(service),
          "procedure_code": c.get("hcpcs", "J3399"), "units": c.get("units", rng.choice(["1", "1", "1.0"])),
          "modifiers": rng.choice(["JZ", "JZ", ""]), "revenue_code": rev, "place_of_service": pos,
          "ndc": ndc, "ndc_unit": "UN" if ndc else "", "ndc_quantity": "1" if ndc else "",
          "kit_lot_number": lot, "patient_weight_kg": c["claim_weight_kg"] or "",
          "billed_amount": "2125000.00", "paid_amount": paid, "paid_date": iso(paid_date)}
    lines.append(zl)
    admin = c.get("admin", ["96365", "96366"] if rng.random() < 0.6 else ["96365"])
    if c.get("no_admin"):
        admin = []
    for i, code in enumerate(admin, start=2):
        lines.append({**common, **({} if pa_line1_only else claim_level), "line_number": str(i),
                      "service_date": iso(service), "procedure_code": code, "units": "1", "modifiers": "",
                      "revenue_code": "0260", "place_of_service": pos, "ndc": "", "ndc_unit": "",
                      "ndc_quantity": "", "kit_lot_number": "", "patient_weight_kg": "",
                      "billed_amount": "1250.00" if code == "96365" else "420.00",
                      "paid_amount": "980.00" if code == "96365" else "315.00", "paid_date": iso(paid_date)})
    return lines


def emit(lines, file):
    for ln in lines:
        row = {k: ln.get(k, "") for k in CLAIM_COLS}
        row["_file"] = file
        claim_rows.append(row)


def gen_claims_and_auth(c):
    inf = c["inf"]
    pa = f"PA{PAYER_PREFIX[c['payer']][0]}{rng.randint(1000000, 9999999)}"
    c["pa"] = pa
    oba = c["oba"] if "oba" in c else contract_default_oba(c)
    billed_pa = None if c.get("no_pa") else pa
    if c.get("pa_of"):
        billed_pa = "__PA_OF__" + c["pa_of"]       # resolved after all PAs exist
    file = claim_file_for(inf)
    cid = new_claim_id(c["payer"], inf)
    c["claim_id"] = cid
    paid = rng.choice(["2125000.00", "2125000.00", "2082500.00"])
    if c.get("chain"):
        l0 = infusion_lines(c, cid, "1", None, inf, billed_pa, None, paid="2082500.00")
        emit(l0, CLAIM_FILES[0])
        r1 = new_claim_id(c["payer"], inf)
        emit([{**ln, "claim_id": r1, "frequency_code": "7", "original_claim_id": cid, "oba_contract_id": oba}
              for ln in l0], CLAIM_FILES[1])
        r2 = new_claim_id(c["payer"], inf)
        emit([{**ln, "claim_id": r2, "frequency_code": "7", "original_claim_id": r1, "oba_contract_id": oba,
               "paid_amount": "2125000.00" if ln["line_number"] == "1" else ln["paid_amount"]}
              for ln in l0], CLAIM_FILES[2])
        c["claim_id"] = r2
        c["chain_ids"] = [cid, r1, r2]
    elif c.get("orphan"):
        ghost = new_claim_id(c["payer"], inf)
        lines = infusion_lines(c, cid, "7", ghost, inf, billed_pa, oba, paid=paid)
        emit(lines, CLAIM_FILES[1])
        c["ghost_id"] = ghost
    elif c.get("amend_ndc_from"):
        wrong = kit_by_product(c["amend_ndc_from"])
        lines = infusion_lines(c, cid, "1", None, inf, billed_pa, oba, paid=paid, ndc_override=wrong["ndc_11"])
        emit(lines, CLAIM_FILES[1])
        emit([{**lines[0], "ndc": c["kit"]["ndc_11"]}], CLAIM_FILES[2])   # same (claim_id, line 1): amendment
    elif c.get("wrong_member_void"):
        wrong_member = new_member()
        c["wrong_member"] = wrong_member
        bad = infusion_lines({**c, "bill_member": wrong_member}, cid, "1", None, inf, billed_pa, oba, paid=paid)
        emit(bad, CLAIM_FILES[0])
        vid = new_claim_id(c["payer"], inf)
        emit([{**ln, "claim_id": vid, "frequency_code": "8", "original_claim_id": cid, "paid_amount": "0.00"}
              for ln in bad], CLAIM_FILES[1])
        good = new_claim_id(c["payer"], inf)
        emit(infusion_lines(c, good, "1", None, inf, billed_pa, oba, paid=paid), CLAIM_FILES[1])
        c["voided_id"], c["void_id"], c["claim_id"] = cid, vid, good
    else:
        emit(infusion_lines(c, cid, "1", None, inf, billed_pa, oba, paid=paid), file)
    if c.get("void_first"):
        dup = new_claim_id(c["payer"], inf)
        vid = new_claim_id(c["payer"], inf)
        lines = infusion_lines(c, dup, "1", None, inf, billed_pa, oba, paid="0.00")
        emit([{**ln, "claim_id": vid, "frequency_code": "8", "original_claim_id": dup} for ln in lines],
             CLAIM_FILES[2])                 # the void arrives first ...
        emit(lines, CLAIM_FILES[3])          # ... the duplicate it voids one delivery later
        c["dup_voided_id"], c["void_id"] = dup, vid
    if c.get("second_dose"):
        cid2 = new_claim_id(c["payer"], c["second_dose"])
        emit(infusion_lines(c, cid2, "1", None, c["second_dose"], billed_pa, oba, paid="0.00"),
             claim_file_for(c["second_dose"]))
        c["second_claim_id"] = cid2

    # the authorization
    if c.get("pa_missing_record"):
        return
    titer_days = c.get("titer_days", rng.randint(1, 14))
    titer = c["titer"] if "titer" in c else rng.choice(["1:25", "<1:25", "negative", "not detected", "<1:25"])
    dec_date = inf - timedelta(days=rng.randint(15, 40))
    row = {"prior_auth_number": pa, "payer_id": c["payer"], "member_id": c["member"],
           "decision": c.get("pa_decision", "approved"), "decision_date": iso(dec_date),
           "sma_type": c["sma_type"], "smn1_biallelic": c.get("smn1", rng.choice(["true", "true", "Y", "TRUE"])),
           "smn2_copy_number": str(c["smn2"]), "aav9_titer": titer,
           "aav9_titer_date": iso(inf - timedelta(days=titer_days)),
           "weight_kg": "" if c.get("pa_no_weight") else str(c["weight_kg"]),
           "weight_date": "" if c.get("pa_no_weight") else iso(inf - timedelta(days=rng.randint(1, 6))),
           "planned_infusion_date": iso(inf), "treating_center_npi": c["center"]}
    last_info = max(d for d in (dec_date, inf - timedelta(days=titer_days)) if d)
    if row["weight_date"]:
        last_info = max(last_info, date.fromisoformat(row["weight_date"]))
    afile = delivery_file(AUTH_FILES, last_info, 3) or AUTH_FILES[-1]
    if c.get("pa_amended"):
        auth_rows.append({**row, "decision": "pended", "_file": AUTH_FILES[0]})
        auth_rows.append({**row, "_file": AUTH_FILES[1]})
    else:
        auth_rows.append({**row, "_file": afile})


MONITOR = [("80076", "0301", "Hepatic function panel", "62.00"), ("85025", "0305", "CBC", "28.00"),
           ("84484", "0301", "Troponin I", "41.00"), ("85610", "0305", "Prothrombin time", "19.00")]


def gen_monitoring(c):
    """Post-infusion liver / platelet / troponin monitoring and clinic visits: not ZOLGENSMA lines."""
    for wk in (1, 2, 4, 8, 12):
        d = c["inf"] + timedelta(days=7 * wk + rng.randint(-1, 1))
        if d + timedelta(days=21) > file_date(CLAIM_FILES[-1]) or d > child_stop(c) + timedelta(days=0):
            continue
        if c.get("death") and d >= c["death"]:
            continue
        cid = new_claim_id(c["payer"], d)
        codes = MONITOR if wk <= 4 else MONITOR[:2]
        lines = []
        for i, (code, rev, _, amt) in enumerate(codes, start=1):
            lines.append({"claim_id": cid, "line_number": str(i), "frequency_code": "1", "payer_id": c["payer"],
                          "member_id": c["member"], "patient_birth_date": iso(c["birth"]), "service_date": iso(d),
                          "procedure_code": code, "units": "1", "revenue_code": rev, "place_of_service": "22",
                          "diagnosis_codes": "G12.0;Z09" if c["kind"] != "older" else "G12.1;Z09",
                          "billing_npi": c["center"], "billed_amount": amt,
                          "paid_amount": str((Decimal(amt) * Decimal("0.8")).quantize(Decimal("0.01"))),
                          "paid_date": iso(d + timedelta(days=20))})
        if wk in (4, 12):
            lines.append({**lines[0], "line_number": str(len(lines) + 1), "procedure_code": "G0463",
                          "revenue_code": "0510", "billed_amount": "310.00", "paid_amount": "204.00"})
        emit(lines, claim_file_for(d))


# --------------------------------------------------------------------------- evaluation (expected results)

def titer_class(t: str | None) -> str:
    if t is None or t.strip() == "":
        return "missing"
    s = t.strip().lower()
    if s in ("negative", "not detected"):
        return "ok"
    import re
    m = re.fullmatch(r"(<)?\s*1\s*:\s*(\d+)", s)
    if not m:
        return "unreadable"
    return "ok" if int(m.group(2)) <= 50 else "high"


def effective(ct, d):
    return ct["effective_from"] <= d and (ct.get("effective_to") is None or d <= ct["effective_to"])


def evaluate_claims(loaded_claims, loaded_auth):
    """Current versions, infusion claims, episodes, findings (spec/claims.md), simplified."""
    order = {f: i for i, f in enumerate(CLAIM_FILES)}
    versions: dict[str, dict] = {}
    for r in loaded_claims:
        v = versions.setdefault(r["claim_id"], {"id": r["claim_id"], "lines": [], "seq": (99, 0)})
        v["lines"].append(r)
        v["seq"] = min(v["seq"], (order[r["_file"]], r["_row"]))
    for v in versions.values():
        v["lines"].sort(key=lambda x: int(x["line_number"]))
        v["freq"] = v["lines"][0]["frequency_code"]
        v["orig"] = v["lines"][0]["original_claim_id"] or None
    parent = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for v in versions.values():
        find(v["id"])
        if v["freq"] in ("7", "8") and v["orig"]:
            parent[find(v["id"])] = find(v["orig"])
    chains: dict[str, list] = {}
    for v in versions.values():
        chains.setdefault(find(v["id"]), []).append(v)
    current = []
    for members in chains.values():
        if any(m["freq"] == "8" for m in members):
            continue
        replaced = {m["orig"] for m in members if m["freq"] == "7"}
        cands = [m for m in members if m["id"] not in replaced]
        if cands:
            current.append(max(cands, key=lambda m: m["seq"]))
    auth = {a["prior_auth_number"]: a for a in loaded_auth}

    def lvl(v, col):
        for ln in v["lines"]:
            if ln[col]:
                return ln[col]
        return None

    infusion = []
    for v in current:
        z = [ln for ln in v["lines"] if ln["procedure_code"].upper() == "J3399" or (
            ln["procedure_code"].upper() in ("J3490", "J3590", "C9399") and (norm_ndc(ln["ndc"]) or "").startswith("71894"))]
        if not z:
            continue
        v["z"] = z
        v["inf"] = min(date.fromisoformat(ln["service_date"]) for ln in z)
        for col in ("payer_id", "member_id", "patient_birth_date", "prior_auth_number", "oba_contract_id"):
            v[col] = lvl(v, col)
        infusion.append(v)
    # episodes
    episodes = {}
    for v in sorted(infusion, key=lambda v: (v["inf"], v["id"])):
        episodes.setdefault((v["payer_id"], v["member_id"]), v)
    findings = []
    for v in infusion:
        rules = []
        payer = v["payer_id"]
        payer_contracts = [ct for ct in CURRENT_CONTRACTS.values() if ct["payer_id"] == payer]
        eff = [ct for ct in payer_contracts if effective(ct, v["inf"])]
        suggested = eff[0]["contract_id"] if len(eff) == 1 else None
        oba = v["oba_contract_id"]
        link = None
        if not oba:
            if payer_contracts:
                link = "MISSING"
        elif oba not in CURRENT_CONTRACTS:
            link = "UNKNOWN_CONTRACT"
        elif CURRENT_CONTRACTS[oba]["payer_id"] != payer:
            link = "PAYER_MISMATCH"
        elif not effective(CURRENT_CONTRACTS[oba], v["inf"]):
            link = "NOT_EFFECTIVE"
        v["link_problem"] = link
        if link is None and oba:
            v["contract"], v["link_status"] = oba, "linked"
        elif suggested:
            v["contract"], v["link_status"] = suggested, "suggested"
        else:
            v["contract"], v["link_status"] = None, "unlinked"
        v["suggested"] = suggested if link else None
        rules += {"MISSING": ["OBA_ID_MISSING"], "UNKNOWN_CONTRACT": ["OBA_ID_UNKNOWN"],
                  "PAYER_MISMATCH": ["OBA_PAYER_MISMATCH"], "NOT_EFFECTIVE": ["OBA_NOT_EFFECTIVE"]}.get(link, [])
        z = v["z"]
        if any(ln["procedure_code"].upper() != "J3399" for ln in z):
            rules.append("HCPCS_NOT_J3399")
        if sum(Decimal(ln["units"]) for ln in z) != 1:
            rules.append("UNITS_NOT_ONE")
        codes = {ln["procedure_code"].upper() for ln in v["lines"]}
        if codes & {"96413", "96415", "96417", "79101", "96374"}:
            rules.append("ADMIN_CPT_INVALID")
        if "96365" not in codes:
            rules.append("ADMIN_CPT_MISSING")
        ndcs = [norm_ndc(ln["ndc"]) for ln in z if norm_ndc(ln["ndc"])]
        if not ndcs:
            rules.append("NDC_MISSING")
        if any(n not in KIT_NDCS for n in ndcs):
            rules.append("NDC_NOT_A_KIT")
        a = auth.get(v["prior_auth_number"]) if v["prior_auth_number"] else None
        same = a is not None and a["payer_id"] == payer and a["member_id"] == v["member_id"]
        cw = [Decimal(ln["patient_weight_kg"]) for ln in v["lines"] if ln["patient_weight_kg"]]
        weight = max(cw) if cw else (Decimal(a["weight_kg"]) if same and a["weight_kg"] else None)
        v["weight"] = weight
        ambiguous = []
        if weight is not None:
            k = kit_for_weight(weight)
            if weight > Decimal("21.0"):
                rules.append("WEIGHT_OVER_CEILING")
            if weight < Decimal("2.6"):
                rules.append("WEIGHT_BELOW_KIT_RANGE")
            if k is None and ndcs:
                ambiguous.append("NDC_KIT_WEIGHT_MISMATCH")   # no kit for the weight: spec silent
            elif k is not None and any(n in KIT_NDCS and n != k["ndc_11"] for n in ndcs):
                rules.append("NDC_KIT_WEIGHT_MISMATCH")
        birth = date.fromisoformat(v["patient_birth_date"])
        if v["inf"] >= add_months(birth, 24):
            rules.append("AGE_AT_INFUSION")
        dx = set()
        for ln in v["lines"]:
            dx |= {d.strip().upper().replace(".", "") for d in ln["diagnosis_codes"].split(";") if d.strip()}
        if not dx & {"G120", "G121", "G128", "G129"}:
            rules.append("DIAGNOSIS_NOT_SMA")
        if any(ln["place_of_service"].zfill(2) in ("11", "12", "49") for ln in z if ln["place_of_service"]):
            rules.append("PLACE_OF_SERVICE_INELIGIBLE")
        if any(ln["revenue_code"] and ln["revenue_code"].zfill(4) not in ("0636", "0250", "0260") for ln in z):
            rules.append("REVENUE_CODE_UNEXPECTED")
        if not v["prior_auth_number"]:
            rules.append("PA_MISSING")
        elif a is None:
            rules.append("PA_NOT_FOUND")
        else:
            if a["decision"].lower() != "approved":
                rules.append("PA_NOT_APPROVED")
            if not same:
                rules.append("PA_MEMBER_MISMATCH")
            else:
                tc = titer_class(a["aav9_titer"])
                if tc == "missing":
                    rules.append("AAV9_TITER_MISSING")
                elif tc == "unreadable":
                    rules.append("AAV9_TITER_UNREADABLE")
                elif tc == "high":
                    rules.append("AAV9_TITER_HIGH")
                td = date.fromisoformat(a["aav9_titer_date"]) if a["aav9_titer_date"] else None
                if td is None or not (0 <= (v["inf"] - td).days <= 14):
                    rules.append("AAV9_TITER_STALE")
                if a["smn1_biallelic"].strip().lower() not in ("true", "t", "yes", "y", "1"):
                    rules.append("SMN1_NOT_CONFIRMED")
        ep = episodes[(payer, v["member_id"])]
        if ep is not v:
            rules.append("DUPLICATE_LIFETIME_DOSE")
        v["rules"], v["ambiguous"] = rules, ambiguous
        findings.append(v)
    return infusion, episodes


def run_onset(rows):
    """First day of the first >=14-day run of >=16 h unmarked consecutive days."""
    days = {}
    for r in rows:
        days[r["support_date"]] = r
    run_start, run_len, prev = None, 0, None
    for d in sorted(days):
        r = days[d]
        good = Decimal(r["hours"]) >= 16 and not truthy(r["acute_reversible_illness"]) \
            and not truthy(r["perioperative"])
        if good and prev is not None and d == prev + timedelta(days=1) and run_len > 0:
            run_len += 1
        elif good:
            run_start, run_len = d, 1
        else:
            run_start, run_len = None, 0
        prev = d
        if run_len >= 14:
            return run_start
    return None


def truthy(v) -> bool:
    return v is not None and str(v).strip().lower() in ("true", "t", "yes", "y", "1")


def evaluate_milestones(episodes, asmts, events, resp):
    """spec/contracts.md, per episode with a contract. Returns rows."""
    out = []
    for (payer, member), v in sorted(episodes.items(), key=lambda kv: kv[1]["inf"]):
        if not v["contract"]:
            continue
        ct = CURRENT_CONTRACTS[v["contract"]]
        inf = v["inf"]
        ev = [e for e in events if e["payer_id"] == payer and e["member_id"] == member and e["event_date"] <= AS_OF]
        rs = [r for r in resp if r["payer_id"] == payer and r["member_id"] == member and r["support_date"] <= AS_OF]
        asm = [a for a in asmts if a["payer_id"] == payer and a["member_id"] == member
               and a["assessment_date"] <= AS_OF and a["status"] != "entered_in_error"]
        deaths = [e["event_date"] for e in ev if e["event_type"] == "death"]
        death = min(deaths) if deaths else None
        pv = [e["event_date"] for e in ev if e["event_type"] in ("tracheostomy", "permanent_ventilation")]
        ro = run_onset(rs)
        if ro:
            pv.append(ro)
        pv_onset = min(pv) if pv else None
        contacts = [a["assessment_date"] for a in asm] + [r["support_date"] for r in rs] + [e["event_date"] for e in ev]
        last_contact = max(contacts) if contacts else None
        bw = cterm(ct, "baseline_window_days")
        sel = cterm(ct, "assessment_selection")
        cum = Decimal(0)
        cap = PRICE * Decimal(cterm(ct, "refund_cap_pct")) / 100
        for m in ct["milestones"]:
            tp = m["timepoint_months"]
            due = add_months(inf, tp)
            ws = due - timedelta(days=m.get("window_days_before", 30))
            we = due + timedelta(days=m.get("window_days_after", 30))
            why: list[str] = []

            def scores(instr):
                return [a for a in asm if a["instrument"] == instr]

            def selected(instr):
                cands = [a for a in scores(instr) if ws <= a["assessment_date"] <= we]
                if not cands:
                    return None
                if sel == "best":
                    return max(cands, key=lambda a: (a["score"], -abs((a["assessment_date"] - due).days),
                                                     a["assessment_date"], a["_seq"]))
                return max(cands, key=lambda a: (-abs((a["assessment_date"] - due).days), a["assessment_date"], a["_seq"]))

            def baseline(instr):
                cands = [a for a in scores(instr) if inf - timedelta(days=bw) <= a["assessment_date"] <= inf]
                return max(cands, key=lambda a: (a["assessment_date"], a["_seq"])) if cands else None

            def ev_crit(node):
                if isinstance(node, str):
                    if node == "alive":
                        if death and death <= due:
                            return "not_met"
                        return "met" if last_contact and last_contact >= ws else "unknown"
                    if (death and death <= due) or (pv_onset and pv_onset <= due):
                        return "not_met"
                    return "met" if last_contact and last_contact >= ws else "unknown"
                (k, val), = node.items()
                if k in ("all", "any"):
                    parts = [ev_crit(ch) for ch in val]
                    if k == "all":
                        return "not_met" if "not_met" in parts else ("met" if all(p == "met" for p in parts) else "unknown")
                    return "met" if "met" in parts else ("not_met" if all(p == "not_met" for p in parts) else "unknown")
                if k == "score_min":
                    s = selected(val["instrument"])
                    if s is None:
                        return "unknown"
                    why.append(f"{val['instrument']} {s['assessment_id']}={s['score']}")
                    return "met" if s["score"] >= val["value"] else "not_met"
                if k == "score_gain":
                    s, b = selected(val["instrument"]), baseline(val["instrument"])
                    if s is None or b is None:
                        return "unknown"
                    why.append(f"{val['instrument']} gain {s['score']}-{b['score']}")
                    return "met" if s["score"] - b["score"] >= val["points"] else "not_met"
                if k == "motor_milestone":
                    rows = [a for a in asm if a["instrument"] == "MOTOR_MILESTONE" and a["milestone"] == val]
                    if any(a["achieved"] and inf <= a["assessment_date"] <= we for a in rows):
                        return "met"
                    if any((not a["achieved"]) and ws <= a["assessment_date"] <= we for a in rows):
                        return "not_met"
                    return "unknown"
                raise ValueError(k)

            if death and death <= due:
                status, how = "not_met", "death"
            elif AS_OF <= we:
                status, how = "pending", ""
            else:
                r = ev_crit(m["criteria"])
                status = {"met": "met", "not_met": "not_met", "unknown": "missing_evidence"}[r]
                how = ("pv_onset " + iso(pv_onset)) if pv_onset and pv_onset <= due else "; ".join(why)
            owes = status == "not_met" or (status == "missing_evidence" and cterm(ct, "missing_evidence") == "refund")
            amount = Decimal("0.00")
            if owes:
                full = (PRICE * Decimal(m["refund_pct"]) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                amount = max(Decimal(0), min(full, cap - cum)).quantize(Decimal("0.01"))
                cum += amount
            due_date = we + timedelta(days=cterm(ct, "refund_due_days")) if amount > 0 else None
            out.append({"label": v.get("_label"), "payer_id": payer, "member_id": member, "contract_id": ct["contract_id"],
                        "claim_id": v["id"], "link_status": v["link_status"], "infusion_date": iso(inf),
                        "timepoint_months": tp, "due_date": iso(due), "window_start": iso(ws), "window_end": iso(we),
                        "status": status, "decided_by": how, "refund_due_amount": str(amount),
                        "refund_due_date": iso(due_date)})
    return out


# --------------------------------------------------------------------------- writing

def write_csv(path: Path, cols: list[str], rows: list[dict], header: list[str] | None = None, bom=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header or cols)
    for r in rows:
        w.writerow([fmt(r.get(c)) for c in cols])
    data = buf.getvalue()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))


def fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def write_asmt_parquet(path: Path, rows: list[dict]):
    """Typed Parquet (date32 / int64 / bool / string) with the feed's column names."""
    def dt(v):
        return v if isinstance(v, date) else None
    cols = {
        "assessment_id": pa.array([r["assessment_id"] for r in rows], pa.string()),
        "payer_id": pa.array([r["payer_id"] for r in rows], pa.string()),
        "member_id": pa.array([r["member_id"] for r in rows], pa.string()),
        "assessment_date": pa.array([dt(r["assessment_date"]) for r in rows], pa.date32()),
        "instrument": pa.array([r["instrument"] for r in rows], pa.string()),
        "score": pa.array([r["score"] if r["score"] not in ("", None) else None for r in rows], pa.int64()),
        "milestone": pa.array([r["milestone"] or None for r in rows], pa.string()),
        "achieved": pa.array([r["achieved"] if isinstance(r["achieved"], bool) else None for r in rows], pa.bool_()),
        "status": pa.array([r["status"] or None for r in rows], pa.string()),
        "assessor_npi": pa.array([r["assessor_npi"] for r in rows], pa.string()),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(cols), path, compression="zstd")


def main():
    if LANDING.exists():
        shutil.rmtree(LANDING)
    for d in FEED_DIRS:
        (LANDING / d).mkdir(parents=True, exist_ok=True)

    prepare_children()
    for c in ROSTER:
        gen_claims_and_auth(c)
    for c in ROSTER:
        gen_assessments(c)
        gen_events(c)
        gen_resp(c)
        if rng.random() < 0.45 or c["label"] in ("a02", "b02", "a21", "a22", "a23", "b22"):
            gen_monitoring(c)
    # resolve misused PA numbers
    for r in claim_rows:
        if r["prior_auth_number"].startswith("__PA_OF__"):
            r["prior_auth_number"] = LABEL[r["prior_auth_number"][9:]]["pa"]
    # untreated members: a denied authorization, never infused
    for payer in ("ACME", "BLUEPEAK"):
        m = new_member()
        auth_rows.append({"prior_auth_number": f"PA{payer[0]}{rng.randint(1000000, 9999999)}", "payer_id": payer,
                          "member_id": m, "decision": "denied", "decision_date": "2026-06-30", "sma_type": "3",
                          "smn1_biallelic": "true", "smn2_copy_number": "4", "aav9_titer": "1:200",
                          "aav9_titer_date": "2026-06-20", "weight_kg": "19.5", "weight_date": "2026-06-20",
                          "planned_infusion_date": "", "treating_center_npi": CENTERS[payer][0],
                          "_file": AUTH_FILES[0]})
    # the payer that pays over time (samples_payments.py), with a random generator of its own
    samples_payments.add_children(sys.modules[__name__])

    # ---- assessment delivery files and the two re-deliveries (amended, entered_in_error)
    for r in asmt_rows:
        r["_file"] = delivery_file(ASMT_FILES, r["assessment_date"], ASMT_LAG)
        assert r["_file"], r
    a13 = LABEL["a13"]["amend_row"]
    amended = {**a13, "score": LABEL["a13"]["amend12"][1], "status": "amended", "_file": ASMT_FILES[2]}
    eie_src = LABEL["b06"]["eie_row"]
    eie = {**eie_src, "status": "entered_in_error", "_file": ASMT_FILES[3]}
    assert a13["_file"] < ASMT_FILES[2] and eie_src["_file"] < ASMT_FILES[3]
    asmt_rows.extend([amended, eie])

    # ---- other delivery files
    for r in event_rows:
        r["_file"] = delivery_file(EVENT_FILES, r["event_date"], 5, skip=(REJECTED_FILE[1],))
        assert r["_file"], r
    for r in resp_rows:
        r["_file"] = delivery_file(RESP_FILES, r["support_date"], 10)
        assert r["_file"], r

    # ---- sequence numbers (file index, row) as the pipeline will see them, for evaluation
    def seq(rows, files):
        order = {f: i for i, f in enumerate(files)}
        rows.sort(key=lambda r: (order[r["_file"]], r.get("_sortkey", "")))
        counters = {}
        for r in rows:
            counters[r["_file"]] = counters.get(r["_file"], 0) + 1
            r["_row"] = counters[r["_file"]]
            r["_seq"] = (order[r["_file"]], r["_row"])

    for r in asmt_rows:
        r["_sortkey"] = (iso(r["assessment_date"]), r["assessment_id"])
    for r in claim_rows:
        r["_sortkey"] = (r["service_date"], r["claim_id"], int(r["line_number"]))
    for r in event_rows:
        r["_sortkey"] = (iso(r["event_date"]), r["event_id"])
    for r in resp_rows:
        r["_sortkey"] = (r["member_id"], iso(r["support_date"]))
    for r in auth_rows:
        r["_sortkey"] = (r["decision_date"], r["prior_auth_number"])
    seq(asmt_rows, ASMT_FILES)
    seq(claim_rows, CLAIM_FILES)
    seq(event_rows, EVENT_FILES)
    seq(resp_rows, RESP_FILES)
    seq(auth_rows, AUTH_FILES)

    # ---- evaluate (current rows per natural key: the later delivery wins)
    def current(rows, key):
        cur = {}
        for r in sorted(rows, key=lambda r: r["_seq"]):
            cur[key(r)] = r
        return list(cur.values())

    cur_claims = current(claim_rows, lambda r: (r["claim_id"], r["line_number"]))
    cur_auth = current(auth_rows, lambda r: r["prior_auth_number"])
    cur_asmt = current(asmt_rows, lambda r: r["assessment_id"])
    infusion, episodes = evaluate_claims(cur_claims, cur_auth)
    by_member = {(c["payer"], c["member"]): c for c in ROSTER}
    for v in infusion:
        c = by_member.get((v["payer_id"], v["member_id"]))
        v["_label"] = c["label"] if c else None
    milestones = evaluate_milestones(episodes, cur_asmt, event_rows, resp_rows)
    samples_identity.apply_disenrollment(milestones, event_rows, CURRENT_CONTRACTS, LABEL, AS_OF)

    # ---- remittances chosen from the evaluation
    ms = {(r["label"], r["timepoint_months"]): r for r in milestones}
    remit_rows = []
    rseq = {"n": 0}

    def remit(label, tp, amount, rdate, ref=None, file=None, contract=None):
        c = LABEL[label]
        row = ms.get((label, tp))
        rseq["n"] += 1
        rid = f"RMT-{rseq['n']:05d}"
        d = date.fromisoformat(rdate)
        remit_rows.append({"remittance_id": rid, "contract_id": contract or row["contract_id"], "payer_id": c["payer"],
                           "member_id": c["member"], "timepoint_months": str(tp), "amount": amount,
                           "remitted_date": rdate, "reference": ref or f"MFR-{d.strftime('%Y%m')}-{rseq['n']:04d}",
                           "_file": file or (delivery_file(REMIT_FILES, d, 3) or REMIT_FILES[-1]), "_label": label})
        return rid

    def need(label, tp, status, amount=None):
        r = ms[(label, tp)]
        assert r["status"] == status, (label, tp, r)
        if amount is not None:
            assert r["refund_due_amount"] == amount, (label, tp, r)
        return r

    # a02 (death, cap 50%): 6 and 12 paid exactly, 24 underpaid, 36 (capped to 106250.00) unpaid and overdue
    need("a02", 6, "not_met", "212500.00"); need("a02", 12, "not_met", "318750.00")
    need("a02", 24, "not_met", "425000.00"); need("a02", 36, "not_met", "106250.00"); need("a02", 60, "not_met", "0.00")
    remit("a02", 6, "212500.00", "2023-01-20")
    remit("a02", 12, "318750.00", "2023-06-12")
    remit("a02", 24, "400000.00", "2024-06-03")
    # b02 (tracheostomy): 12-month overpaid
    need("b02", 12, "not_met", "318750.00")
    remit("b02", 12, "425000.00", "2023-01-30")
    # b03 (death): 24-month paid twice by mistake, the duplicate reversed -> paid exactly
    need("b03", 24, "not_met", "425000.00")
    r1 = remit("b03", 24, "425000.00", "2025-01-15", ref="MFR-202501-7781")
    remit("b03", 24, "425000.00", "2025-01-29", ref="MFR-202501-7802")
    remit("b03", 24, "-425000.00", "2025-02-14", ref="MFR-202501-7802-REV")
    # b06 (6-month missing evidence, contract refunds it): paid exactly
    need("b06", 6, "missing_evidence", "318750.00")
    remit("b06", 6, "318750.00", "2026-06-10")
    # a10 (permanent ventilation): 12-month paid exactly, late
    need("a10", 12, "not_met", "361250.00")
    remit("a10", 12, "361250.00", "2025-09-05")
    # unmatched: a remittance for a milestone that was met (no refund owed)
    need("a01", 12, "met")
    remit("a01", 12, "318750.00", "2026-09-22", ref="MFR-202609-0457")
    # future-dated: a18's 6-month refund, dated after as-of -> does not exist yet
    need("a18", 6, "not_met", "361250.00")
    remit("a18", 6, "361250.00", "2026-12-04", ref="MFR-202612-0012", file=REMIT_FILES[-1])
    # The manufacturer pays most older refunds exactly and on time. Left open on purpose: a02 36 (the capped
    # remainder), a03 (claim carried an unknown OBA id: refund only on the suggested contract), b16 24 and
    # b23 6/12 (missing evidence refunds, under dispute). Refunds due after 2026-06-01 are not paid yet.
    handled = {(r["_label"], int(r["timepoint_months"])) for r in remit_rows}
    keep_open = {("a02", 36), ("b16", 24), ("b23", 6), ("b23", 12)}
    for r in sorted(milestones, key=lambda r: (r["refund_due_date"], r["label"], r["timepoint_months"])):
        key = (r["label"], r["timepoint_months"])
        if (Decimal(r["refund_due_amount"]) == 0 or not r["refund_due_date"] or key in handled or key in keep_open
                or r["label"] == "a03" or r["label"] in samples_payments.LABELS or date.fromisoformat(r["refund_due_date"]) >= date(2026, 6, 1)):
            continue
        rd = date.fromisoformat(r["refund_due_date"]) - timedelta(days=rng.randint(5, 40))
        rd = max(rd, date.fromisoformat(r["window_end"]) + timedelta(days=10))
        remit(r["label"], r["timepoint_months"], r["refund_due_amount"], iso(rd))
    # h01's 6-month refund was settled against installment 2, yet the manufacturer also paid it: overpaid
    need("h01", 6, "not_met", "361250.00")
    remit("h01", 6, "361250.00", "2023-02-10", ref="MFR-202302-0091")
    for r in remit_rows:
        r["_sortkey"] = (r["remitted_date"], r["remittance_id"])
    seq(remit_rows, REMIT_FILES)

    # ---- re-issued member ids: each row under the id in effect on its date (evaluated above on one id)
    identity = samples_identity.reissue_ids(
        LABEL, {c["label"]: c["inf"] for c in ROSTER},
        {"claims": claim_rows, "authorizations": auth_rows, "assessments": asmt_rows, "clinical_events": event_rows,
         "respiratory_support": resp_rows, "remittances": remit_rows})
    current_id = samples_identity.current_id
    billed = {r["claim_id"]: r["member_id"] for r in claim_rows}

    # ---- bad rows (added at the end of their files; each must be quarantined)
    bad_rows = []

    def bad(feed, file, row, reason, why, rows, cols):
        row = {**{c: "" for c in cols}, **row, "_file": file, "_bad": reason}
        rows.append(row)
        bad_rows.append({"feed": feed, "file": f"{feed}/{file}", "reason": reason, "why": why, "_row": row})

    lab = next(r for r in claim_rows if r["procedure_code"] == "80076" and r["_file"] == CLAIM_FILES[1])
    bad("claims", CLAIM_FILES[1], {**lab, "claim_id": "AC26BAD001", "line_number": "1", "service_date": "2026-1-5"},
        "BAD_DATE:service_date", "service date not zero-padded (2026-1-5)", claim_rows, CLAIM_COLS)
    bad("claims", CLAIM_FILES[2], {**lab, "claim_id": "AC26BAD002", "line_number": "1", "units": "abc"},
        "BAD_NUMBER:units", "units 'abc'", claim_rows, CLAIM_COLS)
    bad("claims", CLAIM_FILES[2], {**lab, "claim_id": "AC26BAD003", "line_number": "1", "frequency_code": "7",
                                   "original_claim_id": ""},
        "MISSING_REQUIRED:original_claim_id", "frequency 7 (replacement) without original_claim_id",
        claim_rows, CLAIM_COLS)
    dupsrc = next(r for r in claim_rows if r["_file"] == CLAIM_FILES[3] and r["procedure_code"] == "85025")
    bad("claims", CLAIM_FILES[3], {**dupsrc, "units": "2", "billed_amount": "56.00"},
        "DUPLICATE_KEY", f"second row for ({dupsrc['claim_id']}, line {dupsrc['line_number']}) in the same file",
        claim_rows, CLAIM_COLS)
    mb = new_member()
    bad("authorizations", AUTH_FILES[2], {"prior_auth_number": "PAB7000001", "payer_id": "BLUEPEAK", "member_id": mb,
                                          "decision": "pended", "decision_date": "2026-09-14", "smn1_biallelic": "maybe"},
        "BAD_BOOLEAN:smn1_biallelic", "smn1_biallelic 'maybe'", auth_rows, AUTH_COLS)
    bad("authorizations", AUTH_FILES[3], {"prior_auth_number": "PAA7000002", "payer_id": "ACME", "member_id": mb,
                                          "decision": "approve", "decision_date": "2026-10-20"},
        "BAD_CODE:decision", "decision 'approve' is not one of approved/denied/pended", auth_rows, AUTH_COLS)
    some = LABEL["b19"]
    bad("assessments", ASMT_FILES[1], {"assessment_id": "ASM900001", "payer_id": some["payer"], "member_id": some["member"],
                                       "assessment_date": date(2026, 8, 20), "instrument": "CHOP-INTEND", "score": 70,
                                       "status": "final"},
        "OUT_OF_RANGE:score", "CHOP-INTEND score 70 (range 0-64)", asmt_rows, ASMT_COLS)
    bad("assessments", ASMT_FILES[2], {"assessment_id": "ASM900002", "payer_id": "ACME", "member_id": "",
                                       "assessment_date": date(2026, 9, 15), "instrument": "HFMSE", "score": 21},
        "MISSING_REQUIRED:member_id", "member_id empty", asmt_rows, ASMT_COLS)
    bad("assessments", ASMT_FILES[3], {"assessment_id": "ASM900003", "payer_id": some["payer"], "member_id": some["member"],
                                       "assessment_date": date(2026, 10, 2), "instrument": "MOTOR_MILESTONE",
                                       "milestone": "CRAWLS", "achieved": True},
        "BAD_CODE:milestone", "milestone 'CRAWLS' (Parquet file)", asmt_rows, ASMT_COLS)
    bad("assessments", ASMT_FILES[4], {"assessment_id": "ASM900004", "payer_id": some["payer"], "member_id": some["member"],
                                       "assessment_date": date(2026, 11, 3), "instrument": "BAYLEY-III", "score": 12},
        "BAD_CODE:instrument", "instrument 'BAYLEY-III'", asmt_rows, ASMT_COLS)
    c28 = LABEL["a28"]
    bad("respiratory_support", RESP_FILES[1], {"payer_id": c28["payer"], "member_id": c28["member"],
                                               "support_date": date(2026, 9, 2), "hours": "25.5", "support_type": "niv"},
        "OUT_OF_RANGE:hours", "25.5 hours in one day (range 0-24)", resp_rows, RESP_COLS)
    bad("respiratory_support", RESP_FILES[2], {"payer_id": c28["payer"], "member_id": c28["member"],
                                               "support_date": date(2026, 11, 2), "hours": "6.0",
                                               "support_type": "niv", "perioperative": "maybe"},
        "BAD_BOOLEAN:perioperative", "perioperative 'maybe'", resp_rows, RESP_COLS)
    c6 = LABEL["c06"]
    bad("clinical_events", EVENT_FILES[1], {"event_id": "EV900001", "payer_id": c6["payer"], "member_id": c6["member"],
                                            "event_type": "alive_contact", "event_date": "2026-02-30"},
        "BAD_DATE:event_date", "2026-02-30 is not a calendar date", event_rows, EVENT_COLS)
    bad("clinical_events", EVENT_FILES[4], {"event_id": "EV900002", "payer_id": c6["payer"], "member_id": c6["member"],
                                            "event_type": "hospitalization", "event_date": date(2026, 11, 4)},
        "BAD_CODE:event_type", "event_type 'hospitalization' is not a listed code", event_rows, EVENT_COLS)
    bad("remittances", REMIT_FILES[1], {"remittance_id": "RMT-90001", "contract_id": "OBA-ACME-2021", "payer_id": "ACME",
                                        "member_id": LABEL["a02"]["member"], "timepoint_months": "36",
                                        "amount": "1,062,500.00", "remitted_date": "2026-09-30"},
        "BAD_NUMBER:amount", "amount with thousands separators", remit_rows, REMIT_COLS)

    # ---- write the files
    def write_feed(feed, rows, cols, files, special=None):
        out = {}
        for f in files:
            frs = [r for r in rows if r["_file"] == f]
            good = sorted([r for r in frs if "_bad" not in r], key=lambda r: r["_seq"])
            bads = [r for r in frs if "_bad" in r]
            allrows = good + bads   # bad rows last (a DUPLICATE_KEY row must follow the row it repeats)
            if not allrows:
                continue
            for i, r in enumerate(allrows, start=1):
                r["_outrow"] = i
            out[f] = allrows
            path = LANDING / feed / f
            if (feed, f) == PARQUET_FILE:
                write_asmt_parquet(path.with_suffix(".parquet"), allrows)
            elif special and f in special:
                special[f](path.with_suffix(".csv"), allrows)
            else:
                write_csv(path.with_suffix(".csv"), cols, allrows)
        return out

    def claims_nov(path, rows):   # reordered columns, upper-case / padded header, an extra column
        cols = list(reversed(CLAIM_COLS))
        header = [f" {c.upper()} " if i % 3 == 0 else c.upper() for i, c in enumerate(cols)] + ["SOURCE_SYSTEM"]
        for r in rows:
            r["SOURCE_SYSTEM"] = "FACETS-EXPORT"
        write_csv(path, cols + ["SOURCE_SYSTEM"], rows, header=header)

    def auth_bom(path, rows):
        write_csv(path, AUTH_COLS, rows, bom=True)

    def events_rejected(path, rows):  # header says event_dt instead of event_date
        write_csv(path, EVENT_COLS, rows, header=["event_id", "payer_id", "member_id", "event_type", "event_dt"])

    # the rejected file carries the same rows as its resend
    resend = EVENT_FILES[3]
    rejected_rows = [dict(r, _file=REJECTED_FILE[1]) for r in event_rows if r["_file"] == resend and "_bad" not in r]
    event_rows.extend(rejected_rows)

    written = {
        "claims": write_feed("claims", claim_rows, CLAIM_COLS, CLAIM_FILES, {CLAIM_FILES[3]: claims_nov}),
        "authorizations": write_feed("authorizations", auth_rows, AUTH_COLS, AUTH_FILES, {AUTH_FILES[2]: auth_bom}),
        "assessments": write_feed("assessments", asmt_rows, ASMT_COLS, ASMT_FILES),
        "respiratory_support": write_feed("respiratory_support", resp_rows, RESP_COLS, RESP_FILES),
        "clinical_events": write_feed("clinical_events", event_rows, EVENT_COLS, EVENT_FILES,
                                      {REJECTED_FILE[1]: events_rejected}),
        "remittances": write_feed("remittances", remit_rows, REMIT_COLS, REMIT_FILES),
        "member_crosswalk": write_feed("member_crosswalk", identity["crosswalk"], samples_identity.CROSSWALK_COLS,
                                       samples_identity.CROSSWALK_FILES),
        "enrollment": write_feed("enrollment", identity["enrollment"], samples_identity.ENROLLMENT_COLS,
                                 samples_identity.ENROLLMENT_FILES),
    }
    for ct in CONTRACTS:
        text = contract_yaml(ct)
        parsed = yaml.safe_load(text)
        assert parsed["contract_id"] == ct["contract_id"] and len(parsed["milestones"]) == 5
        (LANDING / "contracts" / ct["file"]).write_text(text, encoding="utf-8")

    # ---- the payer's installment payments and refund claims (samples_payments.py)
    pay = samples_payments.build(sys.modules[__name__], milestones)

    # ---- expected.json
    def ext(feed, f):
        return ".parquet" if (feed, f) == PARQUET_FILE else ".csv"

    files_summary = []
    for feed, per in written.items():
        for f, rows in per.items():
            n_bad = sum(1 for r in rows if "_bad" in r)
            entry = {"file": f"{feed}/{f}{ext(feed, f)}", "rows": len(rows)}
            if (feed, f) == REJECTED_FILE:
                entry.update(status="rejected", reason="required column event_date missing from the header "
                                                       "(it says event_dt)")
            else:
                entry.update(status="loaded", rows_loaded=len(rows) - n_bad, rows_quarantined=n_bad)
            files_summary.append(entry)
    files_summary += pay["files"]
    for ct in CONTRACTS:
        files_summary.append({"file": f"contracts/{ct['file']}", "status": "loaded"})

    bad_out = [{"file": b["file"] + ext(b["feed"], b["file"].split("/")[1]), "row_number": b["_row"]["_outrow"],
                "reason": b["reason"], "why": b["why"]} for b in bad_rows] + pay["bad_rows"]

    rule_counts: dict[str, int] = {}
    claims_out = []
    for v in sorted(infusion, key=lambda v: (v["_label"] or "", v["inf"])):
        for r in v["rules"]:
            rule_counts[r] = rule_counts.get(r, 0) + 1
        claims_out.append({"label": v["_label"], "claim_id": v["id"], "payer_id": v["payer_id"],
                           "member_id": current_id(v["payer_id"], v["member_id"]),
                           "billed_member_id": billed[v["id"]], "infusion_date": iso(v["inf"]),
                           "oba_contract_id_billed": v["oba_contract_id"], "link_problem": v["link_problem"],
                           "suggested_contract_id": v["suggested"], "contract_id": v["contract"],
                           "link_status": v["link_status"], "weight_kg": str(v["weight"]) if v["weight"] else None,
                           "findings": v["rules"], "ambiguous_findings": v["ambiguous"]})
    all_rules = ["OBA_ID_MISSING", "OBA_ID_UNKNOWN", "OBA_PAYER_MISMATCH", "OBA_NOT_EFFECTIVE", "HCPCS_NOT_J3399",
                 "UNITS_NOT_ONE", "ADMIN_CPT_INVALID", "ADMIN_CPT_MISSING", "NDC_MISSING", "NDC_NOT_A_KIT",
                 "NDC_KIT_WEIGHT_MISMATCH", "WEIGHT_OVER_CEILING", "WEIGHT_BELOW_KIT_RANGE", "AGE_AT_INFUSION",
                 "DIAGNOSIS_NOT_SMA", "PLACE_OF_SERVICE_INELIGIBLE", "REVENUE_CODE_UNEXPECTED", "PA_MISSING",
                 "PA_NOT_FOUND", "PA_NOT_APPROVED", "PA_MEMBER_MISMATCH", "AAV9_TITER_MISSING",
                 "AAV9_TITER_UNREADABLE", "AAV9_TITER_HIGH", "AAV9_TITER_STALE", "SMN1_NOT_CONFIRMED",
                 "DUPLICATE_LIFETIME_DOSE"]
    missing_rules = [r for r in all_rules if r not in rule_counts]
    assert not missing_rules, missing_rules

    by_tp: dict[str, dict[str, int]] = {}
    by_status: dict[str, int] = {}
    for r in milestones:
        by_tp.setdefault(str(r["timepoint_months"]), {}).setdefault(r["status"], 0)
        by_tp[str(r["timepoint_months"])][r["status"]] += 1
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1

    # reconciliation
    remitted: dict[tuple, Decimal] = {}
    for r in remit_rows:
        if "_bad" in r or date.fromisoformat(r["remitted_date"]) > AS_OF:
            continue
        k = (r["contract_id"], r["payer_id"], current_id(r["payer_id"], r["member_id"]), int(r["timepoint_months"]))
        remitted[k] = remitted.get(k, Decimal(0)) + Decimal(r["amount"])
    for r in milestones:   # the person's current member id, as every mart shows it
        r["member_id"] = current_id(r["payer_id"], r["member_id"])
    recon = []
    seen = set()
    for r in milestones:
        k = (r["contract_id"], r["payer_id"], r["member_id"], r["timepoint_months"])
        due = Decimal(r["refund_due_amount"])
        rem = remitted.get(k)
        if due == 0 and rem is None:
            continue
        seen.add(k)
        rem = rem or Decimal("0.00")
        off = pay["offsets"].get(k, Decimal("0.00"))   # settled against installments (payments.md)
        bal = due - off - rem
        if due == 0:
            st = "unmatched"
        elif bal < 0:
            st = "overpaid"
        elif rem <= 0:
            st = "offset" if off == due else "unpaid"
        elif bal > 0:
            st = "partially_paid"
        else:
            st = "paid"
        dd = date.fromisoformat(r["refund_due_date"]) if r["refund_due_date"] else None
        dpd = (AS_OF - dd).days if (bal > 0 and dd and dd < AS_OF) else 0
        recon.append({"label": r["label"], "contract_id": k[0], "payer_id": k[1], "member_id": k[2],
                      "timepoint_months": k[3], "milestone_status": r["status"],
                      "refund_due_amount": str(due), "refund_due_date": r["refund_due_date"],
                      "offset_amount": f"{off:.2f}", "remitted_amount": f"{rem:.2f}", "balance": f"{bal:.2f}",
                      "status": st, "days_past_due": dpd})
    for k, rem in remitted.items():
        if k not in seen:
            recon.append({"contract_id": k[0], "payer_id": k[1], "member_id": k[2], "timepoint_months": k[3],
                          "remitted_amount": f"{rem:.2f}", "status": "unmatched"})

    children = [{"label": c["label"], "payer_id": c["payer"], "member_id": current_id(c["payer"], c["member"]),
                 "first_member_id": c["member"], "birth_date": iso(c["birth"]),
                 "infusion_date": iso(c["inf"]), "kind": c["kind"], "profile": c["profile"],
                 "weight_kg": str(c["weight_kg"]), "kit_ndc_billed": c["kit"]["ndc_11"], "scenario": c.get("note", "")}
                for c in ROSTER]
    expected = {
        "generator": "data_samples/build_samples.py", "seed": SEED, "as_of": iso(AS_OF),
        "notes": [
            "Everything below was computed by the generator's own simplified re-implementation of spec/claims.md "
            "and spec/contracts.md over the rows meant to load; it is a cross-check, not ground truth.",
            "Exact (deterministic by construction): children, infusion claims, findings per claim, link status, "
            "bad rows and their reasons, the rejected file.",
            "Approximate: milestone statuses of children without a designed scenario (their scores come from "
            "seeded noise; the generator evaluates them but a pipeline difference there is worth a look rather than "
            "a certain bug); 'decided_by' is informal text, not the pipeline's evidence string.",
            "ambiguous_findings: NDC_KIT_WEIGHT_MISMATCH when the weight has no kit band (over 21.0 or under 2.6 kg) - "
            "the spec does not say whether 'no kit for that weight' is a mismatch; either answer is defensible.",
        ],
        "counts": {
            "treated_children": len(ROSTER), "episodes": len(episodes),
            "current_infusion_claims": len(infusion),
            "clean_infusion_claims": sum(1 for v in infusion if not v["rules"]),
            "episodes_by_link_status": {s: sum(1 for v in episodes.values() if v["link_status"] == s)
                                        for s in ("linked", "suggested", "unlinked")},
            "milestones": len(milestones), "milestones_by_status": by_status,
            "claims_missing_oba": sum(1 for v in infusion if v["link_problem"]),
            "quarantined_rows": len(bad_out), "rejected_files": 1,
        },
        "findings_by_rule": dict(sorted(rule_counts.items())),
        "milestone_status_by_timepoint": by_tp,
        "files": files_summary,
        "bad_rows": bad_out,
        "rejected_files": [{"file": "clinical_events/2026-10-15_clinical_events.csv",
                            "reason": "required column event_date missing (header has event_dt); "
                                      "its rows are re-delivered, fixed, in 2026-10-16_clinical_events_resend.csv"}],
        "claim_versions": {
            "replacement_chain": LABEL["a21"]["chain_ids"],
            "orphan_replacement": {"claim_id": LABEL["b15"]["claim_id"], "names_never_delivered": LABEL["b15"]["ghost_id"]},
            "voided_whole_claim": {"claim_id": LABEL["c05"]["voided_id"], "void_claim_id": LABEL["c05"]["void_id"],
                                   "billed_member_id": LABEL["c05"]["wrong_member"]},
            "void_before_claim": {"claim_id": LABEL["b21"]["dup_voided_id"], "void_claim_id": LABEL["b21"]["void_id"],
                                  "void_file": f"claims/{CLAIM_FILES[2]}.csv", "claim_file": f"claims/{CLAIM_FILES[3]}.csv"},
            "line_amendment": {"claim_id": LABEL["a22"]["claim_id"], "line_number": 1,
                               "first": f"claims/{CLAIM_FILES[1]}.csv (ndc {kit_by_product('0126')['ndc_11']})",
                               "amended": f"claims/{CLAIM_FILES[2]}.csv (ndc {LABEL['a22']['kit']['ndc_11']})"},
        },
        "amendments": {
            "assessment": {"assessment_id": amended["assessment_id"], "first_score": LABEL["a13"]["amend12"][0],
                           "amended_score": LABEL["a13"]["amend12"][1], "file": f"assessments/{ASMT_FILES[2]}.csv"},
            "entered_in_error": {"assessment_id": eie["assessment_id"], "file": f"assessments/{ASMT_FILES[3]}.parquet"},
            "authorization": {"prior_auth_number": LABEL["a26"]["pa"], "first": "pended", "amended": "approved"},
            "contract": {"contract_id": "OBA-BLUEPEAK-2021", "refund_due_days": "90 -> 60"},
        },
        "children": children,
        "infusion_claims": claims_out,
        "milestones": milestones,
        "refund_reconciliation": recon,
        "installment_schedule": pay["installment_schedule"],
        "refund_claims": pay["refund_claims"],
        "identity_issues": identity["identity_issues"],
        "remittance_after_as_of": [r["remittance_id"] for r in remit_rows
                                   if "_bad" not in r and date.fromisoformat(r["remitted_date"]) > AS_OF],
    }
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, default=str) + "\n", encoding="utf-8")

    total = sum(p.stat().st_size for p in LANDING.rglob("*") if p.is_file())
    print(f"landing zone: {sum(1 for p in LANDING.rglob('*') if p.is_file())} files, {total / 1024:.0f} KiB")
    print("children", len(ROSTER), "infusion claims", len(infusion), "clean",
          expected["counts"]["clean_infusion_claims"])
    print("milestones by status", by_status)
    print("by timepoint", by_tp)
    print("findings", rule_counts)


if __name__ == "__main__":
    main()
