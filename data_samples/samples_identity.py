"""The identity scenarios of the demo landing zone (spec identity.md), called from build_samples.py.

Children whose member id changes, and children who leave the plan:

  a01  chain of three ids: its rows until 2022-12-31 under its first id, 2023-2024 under a second,
       from 2025 under a third (crosswalk first -> second, second -> third, delivered in two files)
  a19  second infusion under a new id: from 2024-10-01 (its second J3399 claim is 2024-10-15)
  a11  evidence only under the new id: every row after the infusion day
  b04  id change in the middle of its >= 16 h respiratory run (7 days in), and the first day under
       the new id also delivered, earlier and with 2 hours, under the old id: one day, the later
       delivery wins, so the run is unbroken
  b17  a cycle: its id -> a second id -> its id; not merged, both rows in marts.identity_issues
  a04  leaves the plan 2024-03-31 under OBA-ACME-2021 (on_disenrollment: continue): nothing changes
  b03  leaves BLUEPEAK 2024-01-31 (on_disenrollment: stop), dies 2024-02-15: the 24/36/60-month
       milestones stay not_met (a death on or before the due date still decides)
  b19  leaves BLUEPEAK 2025-06-30, before its 12-month window opens: 12 months on are disenrolled
  b25  leaves BLUEPEAK 2026-05-20, during its 12-month window (due 2026-05-27): 12 months on are
       disenrolled

The generator's evaluation runs on each child's rows under one id, so it pools the child's ids by
construction; `reissue_ids` then delivers the rows under the ids in effect on their dates, and
`current_id` maps every id to the person's current one for the expected figures. The coverage
rule is re-implemented in `apply_disenrollment`. No randomness: the generator's seeded sequence
is left as it was, so every other figure stays as it was.
"""

from __future__ import annotations

from datetime import date, timedelta

CROSSWALK_FILES = ["2026-09-01_member_crosswalk", "2026-11-01_member_crosswalk"]
ENROLLMENT_FILES = ["2026-09-01_enrollment"]
CROSSWALK_COLS = ["payer_id", "previous_member_id", "member_id", "effective_date"]
ENROLLMENT_COLS = ["payer_id", "member_id", "coverage_start", "coverage_end"]

# label -> the dates from which the next id is in effect, with the prefix replacing the id's "M"
REISSUES: dict[str, list[tuple[date | None, str]]] = {
    "a01": [(date(2023, 1, 1), "R"), (date(2025, 1, 1), "T")],
    "a19": [(date(2024, 10, 1), "R")],
    "a11": [(None, "R")],   # the day after the infusion
    "b04": [(None, "R")],   # 7 days into the respiratory run
}
CYCLE = "b17"
# label -> coverage spans (start, end or None); contracts with on_disenrollment: stop are BLUEPEAK's
COVERAGE: dict[str, list[tuple[date, date | None]]] = {
    "a04": [(date(2021, 1, 1), date(2024, 3, 31))],
    "b03": [(date(2022, 1, 1), date(2024, 1, 31))],
    "b19": [(date(2024, 1, 1), date(2025, 6, 30))],
    "b25": [(date(2025, 1, 1), date(2026, 5, 20))],
}

DATE_OF = {"claims": "service_date", "authorizations": "decision_date", "assessments": "assessment_date",
           "clinical_events": "event_date", "respiratory_support": "support_date", "remittances": "remitted_date"}

_current: dict[tuple[str, str], str] = {}


def _day(v) -> date:
    return date.fromisoformat(v) if isinstance(v, str) else v


def _other_id(member: str, prefix: str) -> str:
    return prefix + member[1:]


def current_id(payer: str, member: str) -> str:
    """The person's current member id (the end of their crosswalk chain)."""
    return _current.get((payer, member), member)


def _marked(flag) -> bool:
    return str(flag or "").strip().lower() in ("true", "t", "yes", "y", "1")


def _run_middle(resp_rows: list[dict], payer: str, member: str) -> date:
    """The 8th day of the child's first run of >= 14 days of >= 16 hours."""
    days = sorted(_day(r["support_date"]) for r in resp_rows
                  if (r["payer_id"], r["member_id"]) == (payer, member) and float(r["hours"]) >= 16
                  and not _marked(r.get("acute_reversible_illness")) and not _marked(r.get("perioperative")))
    start, length = days[0], 1
    for prev, d in zip(days, days[1:]):
        if d == prev + timedelta(days=1):
            length += 1
            if length >= 14:
                return start + timedelta(days=7)
        else:
            start, length = d, 1
    raise AssertionError("b04 has no 14-day run")


def reissue_ids(label: dict, infusion_dates: dict[str, date], rows: dict[str, list[dict]]) -> dict:
    """Deliver each re-issued child's rows under the id in effect on their date (a claim's lines by
    the claim's first service date); returns the crosswalk and enrollment rows to write."""
    crosswalk = []
    for lab, changes in REISSUES.items():
        c = label[lab]
        payer, first = c["payer"], c["member"]
        dated = []
        for when, prefix in changes:
            if when is None:
                when = (infusion_dates[lab] + timedelta(days=1) if lab == "a11"
                        else _run_middle(rows["respiratory_support"], payer, first))
            dated.append((when, _other_id(first, prefix)))
        ids = [first] + [i for _, i in dated]
        for (when, new), old, n in zip(dated, ids, range(len(dated))):
            crosswalk.append({"payer_id": payer, "previous_member_id": old, "member_id": new,
                              "effective_date": when.isoformat(), "_file": CROSSWALK_FILES[min(n, 1)]})
        for member in ids:
            _current[(payer, member)] = ids[-1]

        def id_on(d: date) -> str:
            return ([first] + [i for w, i in dated if w <= d])[-1]

        claim_day: dict[str, date] = {}
        for r in rows["claims"]:
            if (r["payer_id"], r["member_id"]) == (payer, first) and "_bad" not in r:
                d = _day(r["service_date"])
                claim_day[r["claim_id"]] = min(d, claim_day.get(r["claim_id"], d))
        for feed, rs in rows.items():
            for r in rs:
                if (r["payer_id"], r["member_id"]) != (payer, first) or "_bad" in r:
                    continue
                d = claim_day[r["claim_id"]] if feed == "claims" else _day(r[DATE_OF[feed]])
                r["member_id"] = id_on(d)
        if lab == "b04":
            # the first day under the new id, delivered just before it under the old id with 2 hours
            when, new = dated[0]
            real = next(r for r in rows["respiratory_support"] if r["member_id"] == new and _day(r["support_date"]) == when)
            stale = {**real, "member_id": first, "hours": "2.0", "_seq": (real["_seq"][0], real["_seq"][1] - 0.5)}
            rows["respiratory_support"].append(stale)
    c = label[CYCLE]
    other = _other_id(c["member"], "Q")
    cycle = [{"payer_id": c["payer"], "previous_member_id": c["member"], "member_id": other,
              "effective_date": "2025-03-01", "_file": CROSSWALK_FILES[0]},
             {"payer_id": c["payer"], "previous_member_id": other, "member_id": c["member"],
              "effective_date": "2025-09-01", "_file": CROSSWALK_FILES[1]}]
    crosswalk += cycle
    for i, r in enumerate(crosswalk):
        r["_seq"] = (CROSSWALK_FILES.index(r["_file"]), i)
    enrollment = []
    for lab, spans in COVERAGE.items():
        c = label[lab]
        for start, end in spans:
            enrollment.append({"payer_id": c["payer"], "member_id": c["member"], "coverage_start": start.isoformat(),
                               "coverage_end": end.isoformat() if end else "", "_file": ENROLLMENT_FILES[0],
                               "_seq": (0, len(enrollment))})
    issues = [{k: r[k] for k in CROSSWALK_COLS} | {"reason": "CYCLE"} for r in cycle]
    return {"crosswalk": crosswalk, "enrollment": enrollment, "identity_issues": issues}


def apply_disenrollment(milestones: list[dict], event_rows: list[dict], contracts: dict, label: dict,
                        as_of: date) -> None:
    """identity.md under on_disenrollment: stop: a milestone whose due date no span of the person's
    covers is disenrolled and owes nothing, unless a death on or before the due date (not_met).
    People without enrollment rows are enrolled throughout. Only milestones that owed nothing are
    turned (an owed refund would move the episode's cap): the scenarios are chosen so."""
    spans = {(label[lab]["payer"], label[lab]["member"]): s for lab, s in COVERAGE.items()}
    deaths: dict[tuple[str, str], date] = {}
    for e in event_rows:
        if e.get("event_type") == "death" and "_bad" not in e and _day(e["event_date"]) <= as_of:
            k = (e["payer_id"], e["member_id"])
            deaths[k] = min(_day(e["event_date"]), deaths.get(k, date.max))
    for m in milestones:
        person = (m["payer_id"], m["member_id"])
        if contracts[m["contract_id"]].get("on_disenrollment") != "stop" or person not in spans:
            continue
        due = date.fromisoformat(m["due_date"])
        if any(s <= due and (e is None or due <= e) for s, e in spans[person]):
            continue
        if deaths.get(person, date.max) <= due:
            continue
        assert m["refund_due_amount"] == "0.00", m
        m.update(status="disenrolled", decided_by="not enrolled on the due date (on_disenrollment: stop)",
                 refund_due_amount="0.00", refund_due_date="")
