"""Deterministic scale generator of a realistic landing zone (issue "Scale").

API
---
``synthesize(episodes, seed, out, days=30) -> dict``
    Write a fresh landing zone under ``out`` (the feed folders are replaced):
    ``out/{claims,authorizations,assessments,respiratory_support,
    ``out/{claims,authorizations,assessments,respiratory_support,
    clinical_events,remittances,payments,refund_claims,member_crosswalk,enrollment}/<YYYY-MM-DD>.csv`` and
    ``out/contracts/<YYYY-MM-DD>_<contract_id>.yaml``, one file per feed per
    delivery day for the ``days`` days FIRST_DAY, FIRST_DAY + 1, ...  Day 0's
    file also carries all history delivered before FIRST_DAY (the backfill).
    A feed with nothing delivered on a day has no file that day. Lexical order
    of the file names is the delivery order. Returns a summary dict:
    ``{"episodes", "seed", "days", "first_day", "last_day", "rows": {feed: n},
    "files": {feed: n}, "planted_bad_rows": {feed: n}, "seconds"}``.
    Also writes ``out/.synth.json`` (a hidden file the loader ignores) with the
    parameters, so that ``add_day`` can continue the series.

``add_day(out, seed=None, day_index=None, episodes=None) -> dict``
    Write ONE more delivery day (default: the day after the last one written,
    read from ``out/.synth.json``), for an incremental nightly run. The files
    are exactly those ``synthesize(episodes, seed, out, days=day_index + 1)``
    would have written for that day: the generated "world" does not depend on
    ``days``; ``days`` only decides which deliveries are written. Returns the
    same kind of summary for that one day.

Determinism: same (episodes, seed, days) -> byte-identical files (numpy PCG64
streams keyed by (seed, purpose, chunk); no wall clock, no hash randomisation).

The world
---------
- 6 payers: ACME, BLUEPEAK, DUNEMED, EVERGREEN, FJORDCARE with 1-2 outcomes-based
  contracts each (timepoints 6/12/24/36/60; ventilator_free_survival, alive,
  score_gain / score_min on CHOP-INTEND / HFMSE / RHS, motor_milestone, nested
  all/any); CORALHEALTH has no contract. OBA-BLUEPEAK-2021 is amended (re-delivered
  with refund_due_days 60) on day 3.
- ``episodes`` treated children, infused 2021-01 .. 2026-10 (presymptomatic,
  symptomatic infants, older children; good / late / plateau / declining responders).
  Per child: an authorization; an infusion claim (J3399 + 96365 [+ 96366]) with
  a small share of findings (missing/wrong OBA id, J3490, units 2, wrong kit,
  stale titer, ...), replacements (7) and voids (8) of a small share; monitoring
  labs around the infusion and ongoing care claims while followed; assessments
  on a visit schedule (baseline, 1, 2, 3, 4, 6, 8, 10, 12, 15, 18, 21, 24, then
  every 6 months; CHOP-INTEND to 24 months for infants, HFMSE/RHS later or for
  older children; MOTOR_MILESTONE rows until achieved); a few amended /
  entered_in_error re-deliveries; a daily respiratory_support log for children
  on support (nightly NIV, acute reversible illness episodes flagged,
  perioperative days, >= 16 h/day after permanent-ventilation onset); deaths,
  tracheostomies, permanent_ventilation events and quarterly alive_contact
  events; remittances for most refunds owed by death / ventilation (exact,
  under-, over-paid, duplicate + reversal); the payers' refund claims and the
  manufacturer's answers, and FJORDCARE's installment payments (pipelines/synth/payments.py).
- Member ids and coverage (identity.md): about 3% of children have their id re-issued
  (a fifth of those twice), a few per thousand an id cycle; half have coverage spans
  sent, 8% of those ending while the contract runs. OBA-FJORDCARE-2023 is
  ``on_disenrollment: stop``. A re-issued child's rows dated on or after the re-issue's
  effective date (service, decision, assessment, support, event, remitted, paid or
  submitted date) are filed under the new id, so its evidence is split across ids and
  only the crosswalk pools it; a cycle's rows and the coverage spans (dated from birth)
  stay under the first id.
- Unrelated claim lines of other members (a payer's broad extract): the bulk of
  the claims feed, generated per 28-day service period.
- Scale (per episode, roughly): 1000 claim lines, 500 respiratory days, 50
  assessments, 10 clinical events, 1.2 authorizations, ~0.5 remittances.
- Planted bad rows: one per feed on days 1..5 (only if those days are written):
  claims BAD_DATE, assessments OUT_OF_RANGE, respiratory_support OUT_OF_RANGE,
  clinical_events BAD_DATE, remittances BAD_NUMBER. Reported in the summary.

Evidence runs up to WORLD_END, so add_day works for about 180 days after FIRST_DAY.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml

from pipelines import REFERENCE_DIR
from pipelines.defs.ingest.feeds import FEEDS, MOTOR_MILESTONES
from pipelines.synth import payments as synth_payments

EPOCH = dt.date(1970, 1, 1)


def _d(x: dt.date) -> int:
    return (x - EPOCH).days


def _iso(n: int) -> str:
    return (EPOCH + dt.timedelta(days=int(n))).isoformat()


FIRST_DAY = dt.date(2026, 10, 23)       # day 0 (backfill + first daily file); day 29 = 2026-11-21
WORLD_END = dt.date(2027, 4, 30)        # no evidence after this date
HISTORY_START = dt.date(2021, 1, 1)
INFUSION_FROM = dt.date(2021, 1, 4)
INFUSION_TO = dt.date(2026, 10, 31)
F0, WEND = _d(FIRST_DAY), _d(WORLD_END)
NEVER = 10**7

TABULAR = ["claims", "authorizations", "assessments", "respiratory_support", "clinical_events", "remittances",
           "payments", "refund_claims", "member_crosswalk", "enrollment"]
FEED_DIRS = [*TABULAR, "contracts"]
MANIFEST = ".synth.json"
WRITE_OPTS = pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65536)
QUOTED_OPTS = pacsv.WriteOptions(include_header=False, quoting_style="needed")

# payer, claim-id prefix, share of episodes / members
PAYERS = [("ACME", "AC", 0.24), ("BLUEPEAK", "BPK", 0.20), ("CORALHEALTH", "CH", 0.10),
          ("DUNEMED", "DM", 0.18), ("EVERGREEN", "EG", 0.16), ("FJORDCARE", "FJ", 0.12)]
PAYER_NAMES = [p[0] for p in PAYERS]
PAYER_CUM = np.cumsum([p[2] for p in PAYERS])
PAYER_CUM[-1] = 1.0

PRICE_CENTS = 212500000
VFS = "ventilator_free_survival"


def _smin(i, v):
    return {"score_min": {"instrument": i, "value": v}}


def _sgain(i, p):
    return {"score_gain": {"instrument": i, "points": p}}


def _mm(m):
    return {"motor_milestone": m}


def _vfs_and(*xs):
    return {"all": [VFS, *xs]}


CONTRACTS = [
    {"contract_id": "OBA-ACME-2021", "payer_id": "ACME", "effective_from": "2021-01-01",
     "effective_to": "2023-12-31", "refund_cap_pct": 50, "milestones": [
         (6, None, None, 10, VFS),
         (12, 30, 60, 15, _vfs_and({"any": [_mm("SITS_WITHOUT_SUPPORT_30S"), _smin("CHOP-INTEND", 40)]})),
         (24, None, None, 20, _vfs_and({"any": [_smin("HFMSE", 20), _mm("STANDS_WITH_ASSISTANCE")]})),
         (36, 45, 45, 20, _vfs_and({"any": [_mm("STANDS_ALONE"), _mm("WALKS_WITH_ASSISTANCE"),
                                            _smin("HFMSE", 25)]})),
         (60, 60, 60, 25, "alive")]},
    {"contract_id": "OBA-ACME-2024", "payer_id": "ACME", "effective_from": "2024-01-01", "milestones": [
        (6, 30, 30, 17, _vfs_and({"any": [_sgain("CHOP-INTEND", 4), _mm("SITS_WITHOUT_SUPPORT_30S")]})),
        (12, 30, 60, 17, _vfs_and({"any": [_mm("SITS_WITHOUT_SUPPORT_30S"), _smin("CHOP-INTEND", 40)]})),
        (24, None, None, 17, _vfs_and({"any": [_smin("CHOP-INTEND", 50), _smin("HFMSE", 20),
                                               _mm("STANDS_WITH_ASSISTANCE")]})),
        (36, None, None, 17, VFS),
        (60, None, None, 16, "alive")]},
    {"contract_id": "OBA-BLUEPEAK-2021", "payer_id": "BLUEPEAK", "effective_from": "2021-07-01",
     "refund_cap_pct": 100, "refund_due_days": 90, "missing_evidence": "refund",
     "assessment_selection": "best", "baseline_window_days": 45, "milestones": [
         (6, None, None, 15, _vfs_and({"any": [_sgain("CHOP-INTEND", 4), _sgain("HFMSE", 2),
                                               _mm("SITS_WITHOUT_SUPPORT_30S")]})),
         (12, 30, 60, 15, _vfs_and({"any": [_mm("SITS_WITHOUT_SUPPORT_30S"), _smin("CHOP-INTEND", 40),
                                            _smin("HFMSE", 15)]})),
         (24, None, None, 20, _vfs_and({"any": [_mm("STANDS_WITH_ASSISTANCE"), _smin("HFMSE", 20)]})),
         (36, None, None, 20, _vfs_and({"any": [_mm("WALKS_WITH_ASSISTANCE"), _smin("RHS", 30)]})),
         (60, 60, 60, 10, "alive")]},
    {"contract_id": "OBA-DUNEMED-2022", "payer_id": "DUNEMED", "effective_from": "2022-01-01",
     "effective_to": "2025-06-30", "refund_due_days": 120, "milestones": [
         (6, None, None, 15, _vfs_and({"any": [_sgain("CHOP-INTEND", 4), _sgain("HFMSE", 2)]})),
         (12, 30, 60, 15, _vfs_and({"any": [_mm("SITS_WITHOUT_SUPPORT_10S"), _smin("CHOP-INTEND", 40),
                                            _smin("HFMSE", 15)]})),
         (24, None, None, 20, _vfs_and({"any": [_mm("STANDS_WITH_ASSISTANCE"), _smin("HFMSE", 20)]})),
         (36, None, None, 20, VFS),
         (60, 60, 60, 20, "alive")]},
    {"contract_id": "OBA-DUNEMED-2025", "payer_id": "DUNEMED", "effective_from": "2025-07-01",
     "refund_cap_pct": 75, "assessment_selection": "best", "milestones": [
         (6, 30, 45, 12, _vfs_and({"any": [_sgain("CHOP-INTEND", 4), _sgain("HFMSE", 2),
                                           _mm("SITS_WITHOUT_SUPPORT_10S")]})),
         (12, 30, 60, 18, _vfs_and({"any": [{"all": [_mm("SITS_WITHOUT_SUPPORT_30S"), _smin("CHOP-INTEND", 35)]},
                                            _smin("CHOP-INTEND", 45), _smin("HFMSE", 15)]})),
         (24, None, None, 20, _vfs_and({"any": [_mm("STANDS_WITH_ASSISTANCE"), _smin("HFMSE", 20)]})),
         (36, 45, 45, 20, _vfs_and({"any": [_mm("WALKS_WITH_ASSISTANCE"), _smin("HFMSE", 25),
                                            _smin("RHS", 25)]})),
         (60, 60, 60, 15, "alive")]},
    {"contract_id": "OBA-EVERGREEN-2021", "payer_id": "EVERGREEN", "effective_from": "2021-03-01",
     "refund_cap_pct": 80, "milestones": [
         (6, 45, 45, 15, VFS),
         (12, 45, 45, 15, _vfs_and({"any": [_mm("SITS_WITHOUT_SUPPORT_30S"), _smin("CHOP-INTEND", 40),
                                            _smin("HFMSE", 15)]})),
         (24, 45, 45, 20, _vfs_and({"any": [_mm("STANDS_WITH_ASSISTANCE"), _smin("HFMSE", 20)]})),
         (36, 45, 45, 20, _vfs_and({"any": [_mm("WALKS_WITH_ASSISTANCE"), _smin("RHS", 30),
                                            {"all": [_smin("HFMSE", 25), _mm("STANDS_ALONE")]}]})),
         (60, 60, 60, 10, "alive")]},
    {"contract_id": "OBA-FJORDCARE-2023", "payer_id": "FJORDCARE", "effective_from": "2023-01-01",
     "on_disenrollment": "stop",
     "missing_evidence": "refund", "refund_due_days": 60,
     "claim_submission_days": synth_payments.CLAIM_SUBMISSION_DAYS, "payment": synth_payments.PAYMENT_BLOCK,
     "milestones": [
         (6, None, None, 20, _vfs_and({"any": [_sgain("CHOP-INTEND", 4), _sgain("HFMSE", 2)]})),
         (12, 30, 60, 20, _vfs_and({"any": [_mm("SITS_WITHOUT_SUPPORT_30S"), _smin("CHOP-INTEND", 40),
                                            _smin("HFMSE", 15)]})),
         (24, None, None, 20, _vfs_and({"any": [_mm("STANDS_WITH_ASSISTANCE"), _smin("HFMSE", 20)]})),
         (36, None, None, 20, VFS),
         (60, 60, 60, 20, "alive")]},
]
AMENDMENT = ("OBA-BLUEPEAK-2021", 3, {"refund_due_days": 60})   # (contract, day, changes)

# --------------------------------------------------------------------------- small helpers

_A = 387420489  # 3**18: coprime with 10, so n -> (n * _A + b) % 10**k is a bijection


def _scr(n, mod: int, add: int = 0) -> np.ndarray:
    return (np.asarray(n, np.int64) * _A + add) % mod


def _rng(seed: int, *tags: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64([int(seed), *[int(t) for t in tags]]))


def _s(x) -> pa.Array:
    return pc.cast(pa.array(np.asarray(x, np.int64)), pa.string())


def _pad(x, w: int) -> pa.Array:
    return pc.utf8_lpad(_s(x), w, "0")


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _date(x) -> pa.Array:
    return pc.cast(pa.array(np.asarray(x, np.int32), pa.date32()), pa.string())


def _voc(vocab, idx) -> pa.Array:
    v = vocab if isinstance(vocab, pa.Array) else pa.array(list(vocab), pa.string())
    return v.take(pa.array(np.asarray(idx, np.int64)))


def _const(v: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(v, pa.string()), n)


def _where(mask, a, b=None) -> pa.Array:
    if b is None:
        b = pa.scalar(None, pa.string())
    return pc.if_else(pa.array(np.asarray(mask, bool)), a, b)


def _money(cents) -> pa.Array:
    c = np.asarray(cents, np.int64)
    a = np.abs(c)
    return _join(_where(c < 0, pa.scalar("-"), pa.scalar("")), _s(a // 100), pa.scalar("."), _pad(a % 100, 2))


def _tenths(t) -> pa.Array:
    t = np.asarray(t, np.int64)
    return _join(_s(t // 10), pa.scalar("."), _s(t % 10))


def _pick(r: np.random.Generator, n: int, probs) -> np.ndarray:
    p = np.asarray(probs, float)
    return np.searchsorted(np.cumsum(p / p.sum()), r.random(n), side="right").clip(0, len(p) - 1)


def _add_months(d, m) -> np.ndarray:
    """Vectorised 'N calendar months after D' (clamped to month end), on epoch-day ints."""
    day = np.asarray(d, np.int64).astype("M8[D]")
    mon = day.astype("M8[M]")
    dom = (day - mon.astype("M8[D]")).astype(np.int64)
    tm = mon + np.asarray(m, np.int64).astype("m8[M]")
    last = ((tm + np.timedelta64(1, "M")).astype("M8[D]") - tm.astype("M8[D]")).astype(np.int64)
    return (tm.astype("M8[D]") + np.minimum(dom, last - 1)).astype(np.int64)


def _year2(days) -> np.ndarray:
    return (np.asarray(days, np.int64).astype("M8[D]").astype("M8[Y]").astype(np.int64) + 1970) % 100


def _claim_id(payer_idx, yy, num) -> pa.Array:
    pref = _voc([p[1] for p in PAYERS], payer_idx)
    return _join(pref, _pad(yy, 2), _pad(_scr(num, 10**10, 7), 10))


def _expand(counts) -> tuple[np.ndarray, np.ndarray]:
    """(owner index, 0-based position) for owners with counts[i] rows each."""
    counts = np.asarray(counts, np.int64).clip(0)
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - starts[owner]


def _kits():
    rows = list(csv.DictReader((REFERENCE_DIR / "zolgensma_kits.csv").open(encoding="utf-8")))
    lo = np.array([round(float(k["weight_min_kg"]) * 10) for k in rows])
    return rows, lo


KITS, KIT_LO = _kits()

# --------------------------------------------------------------------------- the writer


class _Sink:
    """Appends rows to <out>/<feed>/<date>.csv for the delivery days being written."""

    def __init__(self, out: Path, lo: int, hi: int):
        self.out, self.lo, self.hi = out, lo, hi
        self.created: set[Path] = set()
        self.rows = {f: 0 for f in TABULAR}
        self.files: dict[str, set] = {f: set() for f in FEED_DIRS}

    def path(self, feed: str, day: int) -> Path:
        return self.out / feed / f"{_iso(F0 + day)}.csv"

    def write(self, feed: str, cols: dict, day, opts: pacsv.WriteOptions = WRITE_OPTS) -> None:
        day = np.asarray(day, np.int64)
        n = len(day)
        if n == 0:
            return
        day = np.maximum(day, 0)
        idx = np.flatnonzero((day >= self.lo) & (day <= self.hi))
        if len(idx) == 0:
            return
        idx = idx[np.argsort(day[idx], kind="stable")]
        names = FEEDS[feed].column_names
        arrays = []
        for c in names:
            a = cols.get(c)
            arrays.append(pa.nulls(n, pa.string()) if a is None else a)
            assert len(arrays[-1]) == n, (feed, c, len(arrays[-1]), n)
        tbl = pa.Table.from_arrays(arrays, names=names).take(pa.array(idx))
        ds = day[idx]
        cuts = np.flatnonzero(np.diff(ds)) + 1
        for s, e in zip(np.r_[0, cuts], np.r_[cuts, len(ds)]):
            p = self.path(feed, int(ds[s]))
            if p not in self.created:
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes((",".join(names) + "\n").encode("utf-8"))
                self.created.add(p)
                self.files[feed].add(p.name)
            with p.open("ab") as fh:
                pacsv.write_csv(tbl.slice(int(s), int(e - s)), fh, opts)
            self.rows[feed] += int(e - s)

    def raw_rows(self, feed: str, day: int, rows: list[dict]) -> int:
        """Append hand-written rows (the planted bad rows) to one day's file."""
        if not (self.lo <= day <= self.hi) or not rows:
            return 0
        names = FEEDS[feed].column_names
        cols = {c: pa.array([r.get(c) for r in rows], pa.string()) for c in names}
        self.write(feed, cols, np.full(len(rows), day), QUOTED_OPTS)
        return len(rows)


# --------------------------------------------------------------------------- contracts


class _ContractDumper(yaml.SafeDumper):
    """safe_dump for contract files: money as a plain number with 2 decimals (2125000.00), lists
    indented under their key, and no anchors / aliases (the contract loader refuses them)."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data):
        return True


_ContractDumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", f"{v:.2f}"))


def _contract_yaml(c: dict, note: str) -> str:
    doc = {"contract_id": c["contract_id"], "payer_id": c["payer_id"], "product_hcpcs": "J3399",
           "effective_from": dt.date.fromisoformat(c["effective_from"])}
    if c.get("effective_to"):
        doc["effective_to"] = dt.date.fromisoformat(c["effective_to"])
    doc["price_basis"] = Decimal(PRICE_CENTS) / 100
    doc |= {k: c[k] for k in ("refund_cap_pct", "refund_due_days", "missing_evidence", "assessment_selection",
                              "baseline_window_days", "on_disenrollment", "claim_submission_days", "payment")
            if k in c}
    doc["milestones"] = [
        {"timepoint_months": tp, **({} if wb is None else {"window_days_before": wb}),
         **({} if wa is None else {"window_days_after": wa}), "refund_pct": pct, "criteria": crit}
        for tp, wb, wa, pct, crit in c["milestones"]]
    head = f"# {note}\n# Synthetic benchmark contract (pipelines/synth).\n"
    return head + yaml.dump(doc, Dumper=_ContractDumper, sort_keys=False, default_flow_style=False)


def _write_contracts(sink: _Sink) -> None:
    deliveries = [(0, c, "as signed") for c in CONTRACTS]
    cid, day, changes = AMENDMENT
    base = next(c for c in CONTRACTS if c["contract_id"] == cid)
    deliveries.append((day, {**base, **changes}, "amendment no. 1: " + ", ".join(f"{k} {v}" for k, v in changes.items())))
    for day, c, note in deliveries:
        if sink.lo <= day <= sink.hi:
            p = sink.out / "contracts" / f"{_iso(F0 + day)}_{c['contract_id']}.yaml"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(_contract_yaml(c, f"{c['contract_id']} {note}"), encoding="utf-8")
            sink.files["contracts"].add(p.name)


def _ct_meta():
    """Per contract: payer index, effective range, cap, due days, milestones (tp, wb, wa, pct, vfs, alive)."""
    out = []
    for c in CONTRACTS:
        ms = []
        for tp, wb, wa, pct, crit in c["milestones"]:
            vfs = crit == VFS or (isinstance(crit, dict) and VFS in crit.get("all", []))
            ms.append((tp, 30 if wb is None else wb, 30 if wa is None else wa, pct, vfs))
        out.append({
            "id": c["contract_id"], "payer": PAYER_NAMES.index(c["payer_id"]),
            "from": _d(dt.date.fromisoformat(c["effective_from"])),
            "to": _d(dt.date.fromisoformat(c["effective_to"])) if c.get("effective_to") else NEVER,
            "cap": c.get("refund_cap_pct", 100), "due_days": c.get("refund_due_days", 90), "ms": ms})
    return out


CT = _ct_meta()

# --------------------------------------------------------------------------- the treated children

MS_TRACK_FROM = np.array([3, 6, 6, 12, 18, 18, 24])   # order of MOTOR_MILESTONES
NAN = np.nan
# achievement month per (kind, profile); -1 = before infusion, nan = never
MS_ACH = {
    (0, 0): [3, 5, 6, 12, 18, 18, 24], (0, 1): [6, 10, 12, 24, 36, 36, NAN],
    (0, 2): [6, 12, NAN, NAN, NAN, NAN, NAN], (0, 3): [NAN] * 7,
    (1, 0): [3, 10, 12, 18, 36, 30, 48], (1, 1): [6, 16, 18, 36, NAN, NAN, NAN],
    (1, 2): [6, NAN, NAN, NAN, NAN, NAN, NAN], (1, 3): [NAN] * 7,
    (2, 0): [-1, 3, 6, 12, 36, 24, NAN], (2, 1): [-1, 6, 9, 24, NAN, NAN, NAN],
    (2, 2): [-1, 6, NAN, NAN, NAN, NAN, NAN], (2, 3): [-1, NAN, NAN, NAN, NAN, NAN, NAN],
}
VISIT_M = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 22, 24, 27, 30, 33, 36, 40, 44, 48,
                    52, 56, 60, 66, 72])


def _children(E: int, seed: int) -> dict:
    r = _rng(seed, 1)
    ch: dict = {}
    ch["payer"] = np.searchsorted(PAYER_CUM, r.random(E), side="right").clip(0, len(PAYERS) - 1)
    span = _d(INFUSION_TO) - _d(INFUSION_FROM)
    ch["inf"] = _d(INFUSION_FROM) + (r.random(E) ** 0.9 * span).astype(np.int64)
    kind = _pick(r, E, [0.3, 0.5, 0.2])  # 0 presymptomatic, 1 symptomatic infant, 2 older
    ch["kind"] = kind
    age = np.where(kind == 0, r.integers(8, 46, E), np.where(kind == 1, r.integers(35, 211, E),
                                                             r.integers(270, 701, E)))
    over = r.random(E) < 0.005
    age = np.where(over, r.integers(735, 800, E), age)
    ch["birth"] = ch["inf"] - age
    prof_p = {0: [0.75, 0.15, 0.07, 0.03], 1: [0.5, 0.22, 0.16, 0.12], 2: [0.45, 0.25, 0.2, 0.1]}
    prof = np.zeros(E, np.int64)
    u = r.random(E)
    for k, p in prof_p.items():
        prof = np.where(kind == k, np.searchsorted(np.cumsum(p), u, side="right").clip(0, 3), prof)
    ch["prof"] = prof   # 0 good, 1 late, 2 plateau, 3 decline
    months = age / 30.44
    base = np.where(kind == 0, 31 + 9 * months, np.where(kind == 1, 36 + 5.5 * months, 64 + 2 * months))
    w = np.round(base + r.uniform(-4, 4, E)).astype(np.int64).clip(22, 230)    # tenths of kg
    ch["w10"] = w
    ch["kit"] = (np.searchsorted(KIT_LO, w, side="right") - 1).clip(0, len(KITS) - 1)
    # outcomes
    death_p = np.array([0.007, 0.04, 0.08, 0.40])[prof]
    death_off = np.where(prof == 3, 30 + r.exponential(240, E), 60 + r.uniform(0, 1800, E)).astype(np.int64)
    death = np.where(r.random(E) < death_p, ch["inf"] + death_off, NEVER)
    death = np.where(death > WEND, NEVER, death)
    pv_p = np.array([0.005, 0.04, 0.10, 0.30])[prof]
    onset = np.where(r.random(E) < pv_p, ch["inf"] + 60 + r.integers(0, 900, E), NEVER)
    onset = np.where((onset >= death) | (onset > WEND - 30), NEVER, onset)
    ch["death"], ch["onset"] = death, onset
    ch["pv_kind"] = _pick(r, E, [0.5, 0.2, 0.3])   # tracheostomy event / permanent_ventilation event / log only
    lost = np.where(r.random(E) < 0.05, ch["inf"] + r.integers(180, 1500, E), NEVER)
    ch["end"] = np.minimum(np.minimum(death - 1, lost), WEND)
    sup_p = np.array([0.55, 0.7, 0.8, 0.9])[prof]
    has_sup = (r.random(E) < sup_p) | (onset < NEVER)
    sup_start = np.where(onset < NEVER, onset - r.integers(20, 61, E), ch["inf"] + r.integers(-60, 200, E))
    wean = np.where((onset == NEVER) & (r.random(E) < 0.1), sup_start + r.integers(365, 1100, E), NEVER)
    ch["sup_start"] = sup_start
    ch["sup_end"] = np.where(has_sup, np.minimum(ch["end"], wean), sup_start - 1)
    # scores
    ch["b0"] = np.where(kind == 0, r.integers(38, 51, E), r.integers(16, 35, E))
    ch["gmax"] = np.choose(prof, [r.uniform(14, 28, E), r.uniform(8, 16, E), r.uniform(2, 6, E), np.zeros(E)])
    ch["tau"] = np.choose(prof, [np.full(E, 4.0), np.full(E, 9.0), np.full(E, 2.0), np.full(E, 1.0)])
    ch["dslope"] = r.uniform(0.25, 0.6, E)
    ch["hf_off"] = r.integers(-3, 4, E)
    ch["hfmse0"] = r.integers(8, 26, E)
    ch["rhs0"] = r.integers(10, 27, E)
    ach = np.array([MS_ACH[(int(k), int(p))] for k, p in zip(kind, prof)]) if E else np.zeros((0, 7))
    jit = r.integers(-1, 4, (E, 7))
    never_extra = (r.random((E, 7)) < 0.06) & (ach > 0)
    ach = np.where(ach > 0, ach + jit, ach)
    ach = np.where(never_extra | np.isnan(ach), 10**4, ach)
    ch["ach"] = ach
    ch["boff"] = np.where(r.random(E) < 0.03, r.integers(32, 46, E), r.integers(1, 29, E))
    # contract in force on the infusion date
    ci = np.full(E, -1)
    for j, c in enumerate(CT):
        ci = np.where((ch["payer"] == c["payer"]) & (ch["inf"] >= c["from"]) & (ch["inf"] <= c["to"]), j, ci)
    ch["contract"] = ci
    ch["member"] = _join(pa.scalar("M"), _pad(_scr(np.arange(E), 10**9, 1234567), 9))
    ch["center"] = r.integers(0, 4, E)
    return ch


def _npi(payer_idx, k) -> pa.Array:
    return _join(pa.scalar("1"), _pad(_scr(np.asarray(payer_idx) * 1000 + np.asarray(k), 10**9, 99), 9))


# --------------------------------------------------------------------------- treated children: feeds


def _authorizations(ch: dict, E: int, seed: int, sink: _Sink, U: int) -> None:
    r = _rng(seed, 2)
    inf = ch["inf"]
    no_record = r.random(E) < 0.005          # the claim's PA number matches no record
    dec = inf - r.integers(10, 41, E)
    decision = np.where(r.random(E) < 0.006, 1, 0)      # 0 approved, 1 denied
    pended_first = r.random(E) < 0.03
    titer_days = np.where(r.random(E) < 0.01, r.integers(16, 40, E), r.integers(0, 15, E))
    titer = _pick(r, E, [0.35, 0.25, 0.2, 0.15, 0.004, 0.003, 0.002])
    titer_voc = ["<1:25", "negative", "1:25", "not detected", "", "1:100", "pending"]
    smn1 = _pick(r, E, [0.6, 0.2, 0.15, 0.05, 0.004])
    smn1_voc = ["true", "Y", "TRUE", "yes", "false"]
    no_weight = r.random(E) < 0.05
    keep = ~no_record
    pa_no = _join(pa.scalar("PA"), _voc([p[0][0] for p in PAYERS], ch["payer"]), _pad(_scr(np.arange(E), 10**8, 5), 8))
    ch["pa_no"] = pa_no
    base = {
        "prior_auth_number": pa_no, "payer_id": _voc(PAYER_NAMES, ch["payer"]),
        "member_id": _member_on(ch, np.arange(E), dec),
        "sma_type": _voc(["presymptomatic", "1", "2"], ch["kind"]),
        "smn1_biallelic": _voc(smn1_voc, smn1),
        "smn2_copy_number": _voc(["2", "3", "2", "3", "4"], np.where(ch["kind"] == 0, r.integers(0, 2, E),
                                                                     np.where(ch["kind"] == 1, 0, 1 + r.integers(0, 2, E) * 3))),
        "aav9_titer": _where(titer != 4, _voc(titer_voc, titer)),
        "aav9_titer_date": _date(inf - titer_days),
        "weight_kg": _where(~no_weight, _tenths(ch["w10"])),
        "weight_date": _where(~no_weight, _date(inf - r.integers(1, 7, E))),
        "planned_infusion_date": _date(inf),
        "treating_center_npi": _npi(ch["payer"], ch["center"]),
    }
    final_day = np.maximum(dec, inf - titer_days) + r.integers(1, 6, E) - F0
    sink.write("authorizations", {**base, "decision": _voc(["approved", "denied"], decision),
                                  "decision_date": _date(dec)}, np.where(keep, final_day, NEVER))
    # pended first, approved later: only when the two deliveries fall on different days
    p_dec = dec - r.integers(5, 20, E)
    p_day = p_dec + r.integers(1, 4, E) - F0
    pm = keep & pended_first & (np.maximum(p_day, 0) < np.maximum(final_day, 0))
    idx = np.flatnonzero(pm)
    if len(idx):
        sel = pa.array(idx)
        cols = {k: v.take(sel) for k, v in base.items()}
        cols["decision"] = _const("pended", len(idx))
        cols["member_id"] = _member_on(ch, idx, p_dec[idx])
        cols["decision_date"] = _date(p_dec[idx])
        sink.write("authorizations", cols, p_day[idx])
    # members who were never infused: denied / pended requests
    n = int(round(E * 0.2))
    if n:
        mem = E + r.integers(0, U, n)
        payer = _member_payer(mem)
        d = r.integers(_d(HISTORY_START), WEND, n)
        sink.write("authorizations", {
            "prior_auth_number": _join(pa.scalar("PA"), _voc([p[0][0] for p in PAYERS], payer),
                                       _pad(_scr(E + np.arange(n), 10**8, 5), 8)),
            "payer_id": _voc(PAYER_NAMES, payer), "member_id": _member_id(mem),
            "decision": _voc(["denied", "pended", "denied"], r.integers(0, 3, n)), "decision_date": _date(d),
            "sma_type": _voc(["2", "3", "4", "1"], r.integers(0, 4, n)),
            "smn1_biallelic": _voc(["true", "false", "Y"], r.integers(0, 3, n)),
            "smn2_copy_number": _voc(["3", "4", "2"], r.integers(0, 3, n)),
            "aav9_titer": _voc(["1:200", "1:100", "<1:25", "1:50"], r.integers(0, 4, n)),
            "aav9_titer_date": _date(d - r.integers(3, 20, n)),
            "weight_kg": _tenths(r.integers(80, 260, n)), "weight_date": _date(d - r.integers(1, 10, n)),
            "treating_center_npi": _npi(payer, r.integers(0, 4, n)),
        }, d + r.integers(1, 6, n) - F0)


INF_DX = ["G12.0", "G120", "G12.0;Z79.899", "G12.1", "G12.1;R62.50", "G121;R26.89", "G71.00;R62.50"]


def _infusion_claims(ch: dict, E: int, seed: int, sink: _Sink) -> None:
    r = _rng(seed, 3)
    inf, payer = ch["inf"], ch["payer"]
    # claim-level choices
    oba_ok = np.where(ch["contract"] >= 0, ch["contract"], -1)
    err = _pick(r, E, [0.955, 0.03, 0.005, 0.005, 0.005])   # ok, missing, other payer's, unknown id, expired
    ct_ids = [c["id"] for c in CT]
    oba = _where(oba_ok >= 0, _voc(ct_ids, oba_ok.clip(0)))
    oba = _where(err == 1, pa.scalar(None, pa.string()), oba)
    oba = _where(err == 2, _voc(ct_ids, (oba_ok + 3) % len(CT)), oba)
    oba = _where(err == 3, _join(pa.scalar("OBA-"), _voc(PAYER_NAMES, payer), pa.scalar("-2019")), oba)
    oba = _where(err == 4, _voc(ct_ids, np.zeros(E, np.int64)), oba)
    hcpcs = _where(r.random(E) < 0.01, pa.scalar("J3490"), pa.scalar("J3399"))
    units = _voc(["1", "1", "1.0", "2"], np.where(r.random(E) < 0.005, 3, r.integers(0, 3, E)))
    kit = np.where(r.random(E) < 0.015, (ch["kit"] + r.choice([-1, 1], E)).clip(0, len(KITS) - 1), ch["kit"])
    form = r.integers(0, 4, E)
    ndc = _voc([k["ndc_11"] for k in KITS] + [k["ndc_11"].replace("-", "") for k in KITS]
               + [k["ndc_10"] for k in KITS], np.where(form == 3, 2, np.where(form == 2, 1, 0)) * len(KITS) + kit)
    ndc = _where(r.random(E) < 0.003, pa.scalar("71894-0160-15"), ndc)
    ndc_missing = r.random(E) < 0.01
    ndc = _where(~ndc_missing, ndc)
    rev = _voc(["0636", "636", "0636", "0250", "0637"], np.where(r.random(E) < 0.01, 4, r.integers(0, 3, E)))
    pos = _voc(["21", "22", "22", "19", "49"], np.where(r.random(E) < 0.003, 4, r.integers(0, 4, E)))
    dx = _voc(INF_DX, np.where(r.random(E) < 0.005, 6, np.where(ch["kind"] == 2, r.integers(3, 6, E), r.integers(0, 5, E))))
    pa_missing = r.random(E) < 0.01
    pa_no = _where(~pa_missing, ch["pa_no"])
    weight = _where(r.random(E) < 0.35, _tenths(ch["w10"]))
    paid_date = inf + r.integers(18, 46, E)
    deliver = paid_date + r.integers(0, 6, E) - F0
    paid_c = np.where(r.random(E) < 0.3, 208250000, PRICE_CENTS)
    admin = _pick(r, E, [0.97, 0.01, 0.02])   # 96365 / 96374 (push) / none
    has_96366 = r.random(E) < 0.6
    lot = _join(pa.scalar("AVX"), _pad(_scr(np.arange(E), 10**6, 77), 6))
    cl = {"payer": payer, "birth": ch["birth"], "dx": dx, "npi": _npi(payer, ch["center"]),
          "pa": pa_no, "oba": oba, "pos": pos}

    def emit(sel, claim_num, service, freq, orig, day, paid_scale=1.0, first_pa_only=None):
        sel = np.asarray(sel)
        n = len(sel)
        if n == 0:
            return
        # up to 3 lines per claim: ZOLGENSMA, admin, 96366
        has2 = admin[sel] < 2
        has3 = has_96366[sel]
        counts = 1 + has2 + has3
        own, pos_ = _expand(counts)
        kind_ = np.where(pos_ == 0, 0, np.where((pos_ == 1) & has2[own], 1, 2))
        ln = pos_ + 1
        g = sel[own]
        gs = pa.array(g)
        svc = np.asarray(service)[own]
        cid = _claim_id(payer[g], _year2(np.asarray(service)[own]), np.asarray(claim_num)[own])
        is_z = kind_ == 0
        proc = _where(is_z, hcpcs.take(gs), _voc(["", "96365", "96374", "96366"],
                                                  np.where(kind_ == 1, 1 + admin[g], 3)))
        billed = np.where(is_z, PRICE_CENTS, np.where(kind_ == 2, 42000, 125000))
        paid = np.where(is_z, (paid_c[g] * paid_scale).astype(np.int64), np.where(kind_ == 2, 31500, 98000))
        line_claim = pa.array(first_pa_only[g] if first_pa_only is not None else np.zeros(len(g), bool))
        pa_col = pc.if_else(pc.or_(pc.invert(line_claim), pa.array(is_z)), cl["pa"].take(gs), pa.scalar(None, pa.string()))
        oba_col = pc.if_else(pc.or_(pc.invert(line_claim), pa.array(is_z)), cl["oba"].take(gs), pa.scalar(None, pa.string()))
        cols = {
            "claim_id": cid, "line_number": _s(ln), "frequency_code": _const(freq, len(g)),
            "original_claim_id": None if orig is None else orig.take(pa.array(own)),
            "payer_id": _voc(PAYER_NAMES, payer[g]), "member_id": _member_on(ch, g, svc),
            "patient_birth_date": _date(cl["birth"][g]), "service_date": _date(svc),
            "procedure_code": proc, "units": _where(is_z, units.take(gs), pa.scalar("1")),
            "modifiers": _where(is_z & (g % 3 != 0), pa.scalar("JZ")),
            "revenue_code": _where(is_z, rev.take(gs), pa.scalar("0260")),
            "place_of_service": cl["pos"].take(gs),
            "ndc": _where(is_z, ndc.take(gs)), "ndc_unit": _where(is_z & ~ndc_missing[g], pa.scalar("UN")),
            "ndc_quantity": _where(is_z & ~ndc_missing[g], pa.scalar("1")),
            "diagnosis_codes": cl["dx"].take(gs), "prior_auth_number": pa_col, "oba_contract_id": oba_col,
            "billing_npi": cl["npi"].take(gs), "kit_lot_number": _where(is_z, lot.take(gs)),
            "patient_weight_kg": _where(is_z, weight.take(gs)),
            "billed_amount": _money(billed), "paid_amount": _money(paid),
            "paid_date": _date(paid_date[g] + (svc - inf[g])),
        }
        sink.write("claims", cols, np.asarray(day)[own])
        return cid, own

    all_ = np.arange(E)
    first_only = r.random(E) < 0.3
    res = emit(all_, all_, inf, "1", None, deliver, first_pa_only=first_only)
    orig_ids = res[0].take(pa.array(_first_line_idx(res[1]))) if E else None
    # replacements (frequency 7): 3%, delivered 20-90 days after the original
    rep = np.flatnonzero(r.random(E) < 0.03)
    if len(rep):
        emit(rep, 10**7 + rep, inf[rep], "7", orig_ids.take(pa.array(rep)), deliver[rep] + r.integers(20, 91, len(rep)),
             paid_scale=0.98)
    # duplicate submission voided (8): 1%; in a fifth of them the void arrives first
    dup = np.flatnonzero(r.random(E) < 0.01)
    if len(dup):
        dday = deliver[dup] + r.integers(5, 31, len(dup))
        dres = emit(dup, 2 * 10**7 + dup, inf[dup], "1", None, dday)
        dup_ids = dres[0].take(pa.array(_first_line_idx(dres[1])))
        vday = np.where(r.random(len(dup)) < 0.2, dday - r.integers(1, 5, len(dup)), dday + r.integers(10, 61, len(dup)))
        emit(dup, 3 * 10**7 + dup, inf[dup], "8", dup_ids, vday, paid_scale=0.0)
    # a second dose billed months later: DUPLICATE_LIFETIME_DOSE
    sec = np.flatnonzero((r.random(E) < 0.003) & (ch["end"] > inf + 200))
    if len(sec):
        s2 = inf[sec] + r.integers(30, 181, len(sec))
        emit(sec, 4 * 10**7 + sec, s2, "1", None, s2 + r.integers(20, 50, len(sec)) - F0)


def _first_line_idx(owner: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])


# monitoring labs after infusion (code, revenue, cents) and ongoing care of treated children
MON = [("80076", "0301", 6200), ("85025", "0305", 2800), ("84484", "0301", 4100), ("85610", "0305", 1900),
       ("82565", "0301", 2300), ("G0463", "0510", 31000)]
CARE = [("99214", "0510", 21000), ("99215", "0510", 29000), ("97110", "0420", 9500), ("97530", "0420", 10500),
        ("97112", "0420", 9800), ("92507", "0440", 11000), ("94660", "0410", 8500), ("E0471", "0291", 65000),
        ("71046", "0324", 14000), ("95910", "0922", 42000), ("80053", "0301", 3100), ("96127", "0510", 2500)]
CARE_P = [0.15, 0.05, 0.2, 0.15, 0.1, 0.08, 0.05, 0.08, 0.04, 0.02, 0.05, 0.03]


def _care_claims(ch: dict, E: int, seed: int, sink: _Sink) -> None:
    r = _rng(seed, 4)
    inf, end, payer = ch["inf"], ch["end"], ch["payer"]
    # monitoring: pre-infusion labs and weeks 1, 2, 4, 8, 12
    offs = np.array([-5, 7, 14, 28, 56, 84])
    nlab = np.array([4, 4, 4, 5, 3, 3])
    c_owner = np.repeat(np.arange(E), len(offs))
    c_k = np.tile(np.arange(len(offs)), E)
    c_svc = inf[c_owner] + offs[c_k] + r.integers(-1, 2, len(c_owner))
    keep = (c_svc <= end[c_owner]) & (r.random(len(c_owner)) < 0.85)
    c_owner, c_k, c_svc = c_owner[keep], c_k[keep], c_svc[keep]
    c_lines = nlab[c_k]
    # care: about every 3-5 weeks while followed, from 4 months after infusion
    interval = r.integers(21, 36, E)
    ncare = ((end - inf - 120) // interval).clip(0)
    o2, p2 = _expand(ncare)
    s2 = inf[o2] + 120 + p2 * interval[o2] + r.integers(-3, 4, len(o2))
    l2 = _pick(r, len(o2), [0.2, 0.3, 0.3, 0.15, 0.05]) + 1
    owner = np.r_[c_owner, o2]
    svc = np.r_[c_svc, s2]
    nl = np.r_[c_lines, l2]
    is_mon = np.r_[np.ones(len(c_owner), bool), np.zeros(len(o2), bool)]
    nclaims = len(owner)
    cnum = 5 * 10**7 + np.arange(nclaims)
    lo, lpos = _expand(nl)
    g = owner[lo]
    mon = is_mon[lo]
    code_mon = np.minimum(lpos, len(MON) - 1)
    code_mon = np.where(lpos == nl[lo] - 1, np.where(nl[lo] == 5, 5, code_mon), code_mon)
    code_care = _pick(r, len(lo), CARE_P)
    codes = [m[0] for m in MON] + [c[0] for c in CARE]
    revs = [m[1] for m in MON] + [c[1] for c in CARE]
    cents = np.array([m[2] for m in MON] + [c[2] for c in CARE])
    ci = np.where(mon, code_mon, len(MON) + code_care)
    billed = cents[ci] * (90 + r.integers(0, 21, len(lo))) // 100
    paid = billed * r.integers(55, 86, len(lo)) // 100
    paid_date = svc[lo] + r.integers(14, 40, nclaims)[lo]
    day = paid_date + r.integers(0, 4, nclaims)[lo] - F0
    dxv = ["G12.0;Z09", "G12.0", "G120;Z09", "G12.1;Z09", "G12.1;J96.11", "G12.0;R13.10", "G12.9;Z09"]
    dx = np.where(ch["kind"][g] == 2, 3, r.integers(0, 3, nclaims)[lo])
    dx = np.where(ch["onset"][g] < svc[lo], 4, dx)
    cols = {
        "claim_id": _claim_id(payer[g], _year2(svc[lo]), cnum[lo]), "line_number": _s(lpos + 1),
        "frequency_code": _const("1", len(lo)), "payer_id": _voc(PAYER_NAMES, payer[g]),
        "member_id": _member_on(ch, g, svc[lo]), "patient_birth_date": _date(ch["birth"][g]),
        "service_date": _date(svc[lo]), "procedure_code": _voc(codes, ci), "units": _const("1", len(lo)),
        "modifiers": _where((ci == len(MON) + 9) & (lpos % 2 == 0), pa.scalar("26")),
        "revenue_code": _voc(revs, ci), "place_of_service": _voc(["22", "22", "19", "11"], r.integers(0, 4, nclaims)[lo]),
        "diagnosis_codes": _voc(dxv, dx), "billing_npi": _npi(payer[g], ch["center"][g]),
        "billed_amount": _money(billed), "paid_amount": _money(paid), "paid_date": _date(paid_date),
    }
    sink.write("claims", cols, day)


def _assessments(ch: dict, E: int, seed: int, sink: _Sink) -> None:
    r = _rng(seed, 5)
    inf, kind, prof = ch["inf"], ch["kind"], ch["prof"]
    nv = len(VISIT_M)
    c = np.repeat(np.arange(E), nv)
    m = np.tile(VISIT_M, E)
    date = np.where(m == 0, inf[c] - ch["boff"][c], _add_months(inf[c], m) + r.integers(-10, 11, len(c)))
    keep = (date <= ch["end"][c]) & ((m == 0) | (r.random(len(c)) > 0.08))
    c, m, date = c[keep], m[keep], date[keep]
    # previous visit month (for milestone tracking): visits are grouped by child, in month order
    prev_m = np.r_[-1, m[:-1]]
    prev_m = np.where(np.r_[True, c[1:] != c[:-1]], -1, prev_m)
    pvpen = np.where(ch["onset"][c] < date, 3, 0)
    noise = np.rint(r.normal(0, 1.5, len(c))).astype(np.int64)
    k, p = kind[c], prof[c]
    gain = np.where(p == 3, 2 - ch["dslope"][c] * m, ch["gmax"][c] * (1 - np.exp(-m / ch["tau"][c])))
    chop = np.clip(np.rint(ch["b0"][c] + gain) + noise - pvpen, 0, 64).astype(np.int64)
    hf_inf = np.choose(p, [12 + (m - 24) / 3, 7 + (m - 24) / 6, np.full(len(c), 3.0), np.full(len(c), 1.0)]) \
        + np.where(k == 0, 8, 0) + ch["hf_off"][c]
    og = np.choose(p, [np.minimum(12, m / 3), np.minimum(7, m / 5), np.minimum(2, m / 6), -m / 8])
    hf_old = ch["hfmse0"][c] + og
    hfmse = np.clip(np.rint(np.where(k == 2, hf_old, hf_inf)) + noise - pvpen, 0, 66).astype(np.int64)
    rhs_inf = np.choose(p, [20 + (m - 36) / 4, 12 + (m - 36) / 8, np.full(len(c), 5.0), np.full(len(c), 2.0)]) \
        + np.where(k == 0, 12, 0)
    rhs = np.clip(np.rint(np.where(k == 2, ch["rhs0"][c] + og + 1, rhs_inf)) + noise, 0, 69).astype(np.int64)
    is_inf = k < 2
    want = {
        "CHOP-INTEND": (is_inf & (m <= 24), chop),
        "HFMSE": ((is_inf & (m >= 24)) | (k == 2), hfmse),
        "RHS": ((is_inf & (m >= 36)) | ((k == 2) & ((m == 0) | (m >= 6))), rhs),
    }
    parts_v, parts_instr, parts_score, parts_ms, parts_ach = [], [], [], [], []
    for name, (mask, score) in want.items():
        v = np.flatnonzero(mask)
        parts_v.append(v)
        parts_instr.append(np.full(len(v), ["CHOP-INTEND", "HFMSE", "RHS", "MOTOR_MILESTONE"].index(name)))
        parts_score.append(score[v])
        parts_ms.append(np.full(len(v), -1))
        parts_ach.append(np.full(len(v), -1))
    ach = ch["ach"]
    for j in range(len(MOTOR_MILESTONES)):
        a = ach[c, j]
        mask = (m >= 3) & (m >= MS_TRACK_FROM[j]) & (prev_m < a)
        v = np.flatnonzero(mask)
        parts_v.append(v)
        parts_instr.append(np.full(len(v), 3))
        parts_score.append(np.full(len(v), -1))
        parts_ms.append(np.full(len(v), j))
        parts_ach.append((m[v] >= a[v]).astype(np.int64))
    v = np.concatenate(parts_v)
    instr = np.concatenate(parts_instr)
    score = np.concatenate(parts_score)
    ms = np.concatenate(parts_ms)
    achv = np.concatenate(parts_ach)
    order = np.lexsort((ms, instr, v))
    v, instr, score, ms, achv = v[order], instr[order], score[order], ms[order], achv[order]
    n = len(v)
    cc = c[v]
    aid = _join(pa.scalar("ASM"), _pad(_scr(np.arange(n), 10**9, 31), 9))
    status = _pick(r, n, [0.6, 0.4])
    ach_voc = ["false", "true", "N", "Y", "FALSE", "TRUE"]
    base = {
        "assessment_id": aid, "payer_id": _voc(PAYER_NAMES, ch["payer"][cc]), "member_id": _member_on(ch, cc, date[v]),
        "assessment_date": _date(date[v]), "instrument": _voc(["CHOP-INTEND", "HFMSE", "RHS", "MOTOR_MILESTONE"], instr),
        "milestone": _where(ms >= 0, _voc(MOTOR_MILESTONES, ms.clip(0))),
        "achieved": _where(achv >= 0, _voc(ach_voc, achv.clip(0) + 2 * r.integers(0, 3, n) * (r.random(n) < 0.2))),
        "assessor_npi": _npi(ch["payer"][cc] + 10, ch["center"][cc] * 3 + r.integers(0, 3, n)),
    }
    day = date[v] + r.integers(5, 31, n) - F0
    sink.write("assessments", {**base, "score": _where(score >= 0, _s(score.clip(0))),
                               "status": _where(status == 0, pa.scalar("final"))}, day)
    # re-deliveries: amended scores and entered_in_error, on a later day than the original
    amend_day = r.integers(1, 181, n)
    kindr = r.random(n)
    redo = ((kindr < 0.005) & (score >= 0)) | (kindr > 0.9985)
    redo &= amend_day > np.maximum(day, 0)
    idx = np.flatnonzero(redo)
    if len(idx):
        s = pa.array(idx)
        eie = kindr[idx] > 0.9985
        lim = np.array([64, 66, 69, -1])[instr[idx]]
        new = np.where(score[idx] >= 0, np.clip(score[idx] + r.choice([-4, -3, -2, 2, 3, 4], len(idx)), 0, lim), -1)
        cols = {k: a.take(s) for k, a in base.items()}
        cols["score"] = _where(new >= 0, _s(new.clip(0)))
        cols["status"] = _where(eie, pa.scalar("entered_in_error"), pa.scalar("amended"))
        sink.write("assessments", cols, amend_day[idx])


def _respiratory(ch: dict, E: int, seed: int, sink: _Sink) -> None:
    r = _rng(seed, 6)
    n_days = (ch["sup_end"] - ch["sup_start"] + 1).clip(0)
    own, pos = _expand(n_days)
    n = len(own)
    d = ch["sup_start"][own] + pos
    onset = ch["onset"][own]
    pv = d >= onset
    hours = np.where(pv, r.integers(165, 241, n), r.integers(60, 141, n))
    hours = np.where(~pv & (r.random(n) < 0.02), 0, hours)
    # acute reversible illness episodes (4-12 days, flagged) and perioperative days, only off permanent ventilation
    nep = r.poisson(n_days / 365.0)
    eo, ep = _expand(nep)
    ep_start = (r.random(len(eo)) * n_days[eo]).astype(np.int64)
    ep_len = r.integers(4, 13, len(eo))
    xo, xp = _expand(ep_len)
    row_start = np.cumsum(n_days) - n_days
    rel = ep_start[xo] + xp
    ok = rel < n_days[eo[xo]]
    ari_rows = (row_start[eo[xo]] + rel)[ok]
    ari = np.zeros(n, bool)
    ari[ari_rows] = True
    ari &= ~pv
    periop = (r.random(n) < 0.001) & ~pv & ~ari
    hours = np.where(ari, r.integers(170, 221, n), hours)
    hours = np.where(periop, r.integers(160, 241, n), hours)
    gap = (r.random(n) < 0.015) & ~pv
    keep = ~gap
    trach = (ch["pv_kind"][own] == 0) & pv
    stype = np.where(hours == 0, 0, np.where(trach, 2, 1))
    stype = np.where(r.random(n) < 0.05, 3, stype)
    idx = np.flatnonzero(keep)
    o = own[idx]
    ari_flag = np.where(ari, r.integers(0, 5, n), np.where(r.random(n) < 0.1, 5 + r.integers(0, 3, n), 8))[idx]
    per_flag = np.where(periop, r.integers(0, 3, n), np.where(r.random(n) < 0.05, 3, 4))[idx]
    cols = {
        "payer_id": _voc(PAYER_NAMES, ch["payer"][o]), "member_id": _member_on(ch, o, d[idx]),
        "support_date": _date(d[idx]), "hours": _tenths(hours[idx]),
        "support_type": _where(stype[idx] < 3, _voc(["none", "niv", "invasive", ""], stype[idx])),
        "acute_reversible_illness": _where(ari_flag < 8, _voc(["true", "Y", "yes", "TRUE", "1", "false", "N", "no", ""], ari_flag)),
        "perioperative": _where(per_flag < 4, _voc(["true", "yes", "Y", "false", ""], per_flag)),
    }
    sink.write("respiratory_support", cols, d[idx] + r.integers(1, 8, len(idx)) - F0)


def _events(ch: dict, E: int, seed: int, sink: _Sink) -> tuple:
    r = _rng(seed, 7)
    inf = ch["inf"]
    dead = np.flatnonzero(ch["death"] < NEVER)
    pvk = np.flatnonzero((ch["onset"] < NEVER) & (ch["pv_kind"] < 2))
    contacts = r.random(E) < 0.7
    gap = r.integers(60, 91, E)
    ncont = np.where(contacts, (ch["end"] - inf - 60) // gap, 0).clip(0)
    co, cp = _expand(ncont)
    who = np.r_[dead, pvk, co]
    typ = np.r_[np.zeros(len(dead), np.int64), 1 + ch["pv_kind"][pvk], np.full(len(co), 3)]
    when = np.r_[ch["death"][dead], ch["onset"][pvk], inf[co] + 60 + (cp + 1) * gap[co] - r.integers(0, 10, len(co))]
    lag = np.where(typ == 3, r.integers(2, 21, len(who)), r.integers(3, 46, len(who)))
    n = len(who)
    sink.write("clinical_events", {
        "event_id": _join(pa.scalar("EV"), _pad(_scr(np.arange(n), 10**9, 11), 9)),
        "payer_id": _voc(PAYER_NAMES, ch["payer"][who]), "member_id": _member_on(ch, who, when),
        "event_type": _voc(["death", "tracheostomy", "permanent_ventilation", "alive_contact"], typ),
        "event_date": _date(when),
    }, when + lag - F0)
    death_known = np.full(E, NEVER)
    death_known[dead] = ch["death"][dead]
    return death_known


def _remittances(ch: dict, E: int, seed: int, sink: _Sink) -> dict:
    """Payments for refunds owed because of death or permanent ventilation (known to the generator).
    Returns those refunds (ep, ct, tp, cents, we: arrays), which the payers claim."""
    r = _rng(seed, 8)
    rows = {k: [] for k in ("ep", "ct", "tp", "amt", "when")}
    owed = {k: [] for k in ("ep", "ct", "tp", "cents", "we")}
    for j, c in enumerate(CT):
        eps = np.flatnonzero(ch["contract"] == j)
        if not len(eps):
            continue
        inf, death, onset = ch["inf"][eps], ch["death"][eps], ch["onset"][eps]
        cum = np.zeros(len(eps), np.int64)
        cap = PRICE_CENTS * c["cap"] // 100
        for tp, wb, wa, pct, vfs in c["ms"]:
            due = _add_months(inf, tp)
            we = due + wa
            by_death = death <= due
            by_pv = vfs & (onset <= due) & (we < WEND)
            # declining symptomatic infants: CHOP-INTEND well under 40 and not sitting at 12 months
            by_score = (tp == 12) & (ch["kind"][eps] == 1) & (ch["prof"][eps] == 3) & (r.random(len(eps)) < 0.7)
            owe = np.where(by_death | by_pv | by_score, np.minimum(PRICE_CENTS * pct // 100, cap - cum), 0)
            cum += owe
            o = np.flatnonzero(owe > 0)
            for k, v in (("ep", eps[o]), ("ct", np.full(len(o), j)), ("tp", np.full(len(o), tp)),
                         ("cents", owe[o]), ("we", we[o])):
                owed[k].append(v)
            pay = we + c["due_days"] + r.integers(-45, 20, len(eps))
            pay = np.where(by_death, np.maximum(pay, death + 20), pay)
            sel = np.flatnonzero((owe > 0) & (r.random(len(eps)) < 0.85))
            rows["ep"].append(eps[sel]); rows["ct"].append(np.full(len(sel), j)); rows["tp"].append(np.full(len(sel), tp))
            rows["amt"].append(owe[sel]); rows["when"].append(pay[sel])
    ep, ct, tp, amt, when = (np.concatenate(rows[k]) for k in ("ep", "ct", "tp", "amt", "when"))
    kind = _pick(r, len(ep), [0.88, 0.05, 0.04, 0.03])   # exact, under, over, duplicate + reversal
    amt = np.where(kind == 1, amt - (amt * r.integers(2, 11, len(ep)) // 100) // 10000 * 10000,
                   np.where(kind == 2, amt + PRICE_CENTS * 5 // 100, amt))
    dupi = np.flatnonzero(kind == 3)
    ep = np.r_[ep, ep[dupi], ep[dupi]]
    ct = np.r_[ct, ct[dupi], ct[dupi]]
    tp = np.r_[tp, tp[dupi], tp[dupi]]
    w2 = when[dupi] + r.integers(5, 20, len(dupi))
    when = np.r_[when, w2, w2 + r.integers(20, 60, len(dupi))]
    amt = np.r_[amt, amt[dupi], -amt[dupi]]
    n = len(ep)
    seq = _pad(_scr(np.arange(n), 10**6, 3), 6)
    ym = pc.utf8_replace_slice(pc.utf8_slice_codeunits(_date(when), 0, 7), 4, 5, "")
    ref = _join(pa.scalar("MFR-"), ym, pa.scalar("-"), seq)
    rev = np.r_[np.zeros(n - len(dupi), bool), np.ones(len(dupi), bool)]
    ref = _where(rev, _join(ref, pa.scalar("-REV")), ref)
    sink.write("remittances", {
        "remittance_id": _join(pa.scalar("RMT-"), _pad(_scr(np.arange(n), 10**8, 17), 8)),
        "contract_id": _voc([c["id"] for c in CT], ct), "payer_id": _voc(PAYER_NAMES, ch["payer"][ep]),
        "member_id": _member_on(ch, ep, when), "timepoint_months": _s(tp), "amount": _money(amt),
        "remitted_date": _date(when), "reference": _where(r.random(n) < 0.97, ref),
    }, when + r.integers(1, 11, n) - F0)
    return {k: np.concatenate(v) if v else np.array([], np.int64) for k, v in owed.items()}


# --------------------------------------------------------------------------- unrelated members' claims

MEMBERS_PER_EPISODE = 150
PERIOD = 28
OTHER_LINES_PER_EPISODE_PER_DAY = 0.42
# (code, revenue, cents, place of service, weight)
OTHER = [
    ("99213", "0510", 14500, "22", 14), ("99214", "0510", 21000, "22", 9), ("99203", "0510", 17000, "22", 3),
    ("36415", "0300", 1200, "22", 10), ("85025", "0305", 2800, "22", 8), ("80053", "0301", 3100, "22", 7),
    ("80061", "0301", 4200, "22", 4), ("83036", "0301", 3300, "22", 3), ("81002", "0300", 900, "22", 3),
    ("71046", "0324", 14000, "22", 3), ("93000", "0730", 6500, "22", 3), ("99284", "0450", 98000, "23", 3),
    ("99285", "0450", 145000, "23", 1), ("97110", "0420", 9500, "22", 4), ("90471", "0771", 2500, "22", 3),
    ("90686", "0636", 3200, "22", 2), ("J1100", "0636", 600, "23", 2), ("J2405", "0636", 900, "23", 2),
    ("J7050", "0258", 1500, "23", 2), ("96360", "0260", 28000, "22", 1), ("96374", "0260", 19000, "23", 1),
    ("J3490", "0636", 4500, "22", 0.3), ("96413", "0335", 52000, "22", 0.2), ("J9035", "0636", 480000, "22", 0.1),
    ("70450", "0350", 88000, "23", 1), ("73610", "0320", 16000, "22", 1), ("99223", "0110", 52000, "21", 0.5),
    ("99232", "0110", 21000, "21", 1), ("G0463", "0510", 31000, "22", 4), ("87880", "0306", 3500, "22", 2),
]
OTHER_P = np.array([o[4] for o in OTHER], float)
OTHER_P /= OTHER_P.sum()
OTHER_NDC = {"90686": ("49281-0422-50", "ML", "0.5"), "J1100": ("63323-0165-01", "ML", "1"),
             "J2405": ("00409-4755-03", "ML", "2"), "J7050": ("00338-0049-04", "ML", "250"),
             "J3490": ("00409-4888-02", "ML", "10"), "J9035": ("50242-0060-01", "ML", "16")}
OTHER_DX = ["I10", "E11.9", "J06.9", "Z00.00", "M54.50", "E78.5", "R05.9", "N39.0", "K21.9", "F41.9", "Z23",
            "J45.909", "R10.9", "E66.9", "I25.10", "Z12.31", "S93.401A", "R51.9", "J02.9", "H66.90"]


def _member_payer(mem) -> np.ndarray:
    f = _scr(mem, 10**9, 424242) / 1e9
    return np.searchsorted(PAYER_CUM, f, side="right").clip(0, len(PAYERS) - 1)


def _member_id(mem) -> pa.Array:
    return _join(pa.scalar("M"), _pad(_scr(mem, 10**9, 1234567), 9))


def _member_birth(mem) -> np.ndarray:
    f = (np.asarray(mem, np.int64) * 1000003 % 999983) / 999983.0
    return _d(dt.date(2026, 6, 30)) - (f * 86 * 365.25).astype(np.int64) - 20


def _other_vocab():
    codes = [o[0] for o in OTHER]
    billed = [o[2] * f // 100 for o in OTHER for f in (90, 95, 100, 100, 105, 110, 120, 135)]
    dx = []
    rr = np.random.Generator(np.random.PCG64(7))
    for i in range(400):
        k = 1 + (i % 3)
        picks = rr.choice(len(OTHER_DX), k, replace=False)
        s = ";".join(OTHER_DX[p] for p in picks)
        dx.append(s.replace(".", "") if i % 4 == 0 else s)
    return codes, billed, dx


OTHER_CODES, OTHER_BILLED, OTHER_DXV = _other_vocab()


def _period_bounds(p: int) -> tuple[int, int]:
    s = _d(HISTORY_START) + p * PERIOD
    return s, min(s + PERIOD, WEND + 1)


N_PERIODS = (WEND + 1 - _d(HISTORY_START) + PERIOD - 1) // PERIOD
OTHER_MAX_LAG = 45 + 4 + 121


def _other_claims(E: int, seed: int, p: int, sink: _Sink) -> None:
    r = _rng(seed, 100, p)
    U = MEMBERS_PER_EPISODE * E
    s0, s1 = _period_bounds(p)
    nlines_target = E * OTHER_LINES_PER_EPISODE_PER_DAY * (s1 - s0)
    lines_p = np.array([0.3, 0.25, 0.2, 0.12, 0.07, 0.04, 0.02])
    mean_lines = float((lines_p * np.arange(1, 8)).sum())
    nc = int(round(nlines_target / mean_lines))
    if nc == 0:
        return
    mem = E + r.integers(0, U, nc)
    payer = _member_payer(mem)
    svc = r.integers(s0, s1, nc)
    nl = _pick(r, nc, lines_p) + 1
    paid_lag = r.integers(14, 46, nc)
    deliver = svc + paid_lag + r.integers(0, 5, nc) - F0
    dx = r.integers(0, len(OTHER_DXV), nc)
    npi = r.integers(0, 400, nc)
    pos_override = r.random(nc) < 0.05
    # versions: 1.5% replaced (7), 0.4% voided (8), delivered later
    ver = _pick(r, nc, [0.981, 0.015, 0.004])
    vlag = np.where(ver == 1, r.integers(10, 91, nc), r.integers(10, 121, nc))
    base_num = (10 + p) * 10**7
    # claims: originals, then their later versions
    vi = np.flatnonzero(ver > 0)
    cl = np.r_[np.arange(nc), vi]
    cfreq = np.r_[np.zeros(nc, np.int64), ver[vi]]
    cnum = np.r_[base_num + np.arange(nc), base_num + nc + np.arange(len(vi))]
    cday = np.r_[deliver, deliver[vi] + vlag[vi]]
    lo, lpos = _expand(nl[cl])
    g = cl[lo]                      # original claim of each line
    n = len(lo)
    # line content drawn per original line so a version repeats its original's lines
    rl = _rng(seed, 101, p)
    n0 = int(nl.sum())
    code0 = _pick(rl, n0, OTHER_P)
    var0 = rl.integers(0, 8, n0)
    ratio0 = rl.integers(30, 91, n0)
    units0 = np.where(rl.random(n0) < 0.9, 0, rl.integers(1, 4, n0))
    mod0 = _pick(rl, n0, [0.85, 0.06, 0.04, 0.02, 0.02, 0.01])
    start0 = np.cumsum(nl) - nl
    li = start0[g] + lpos
    code = code0[li]
    billed = np.array(OTHER_BILLED)[code * 8 + var0[li]]
    paid = billed * ratio0[li] // 100
    freq = cfreq[lo]
    paid = np.where(freq == 1, paid * 97 // 100, np.where(freq == 2, 0, paid))
    orig_id = _claim_id(payer[g], _year2(svc[g]), base_num + g)
    cid = _claim_id(payer[g], _year2(svc[g]), cnum[lo])
    has_ndc = np.isin(code, [OTHER_CODES.index(k) for k in OTHER_NDC])
    ndc_by_code = [OTHER_NDC.get(k, ("", "", ""))[0] for k in OTHER_CODES]
    pos = _voc([o[3] for o in OTHER], code)
    pos = _where(pos_override[g], _voc(["19", "22", "21", "11"], r.integers(0, 4, n)), pos)
    cols = {
        "claim_id": cid, "line_number": _s(lpos + 1), "frequency_code": _voc(["1", "7", "8"], freq),
        "original_claim_id": _where(freq > 0, orig_id),
        "payer_id": _voc(PAYER_NAMES, payer[g]), "member_id": _member_id(mem[g]),
        "patient_birth_date": _date(_member_birth(mem[g])), "service_date": _date(svc[g]),
        "procedure_code": _voc(OTHER_CODES, code), "units": _voc(["1", "2", "3", "4"], units0[li]),
        "modifiers": _where(mod0[li] > 0, _voc(["", "25", "59", "26", "TC", "LT;RT"], mod0[li])),
        "revenue_code": _voc([o[1] for o in OTHER], code),
        "place_of_service": pos,
        "ndc": _where(has_ndc, _voc(ndc_by_code, code)),
        "ndc_unit": _where(has_ndc, pa.scalar("ML")),
        "ndc_quantity": _where(has_ndc, _voc([OTHER_NDC.get(k, ("", "", ""))[2] for k in OTHER_CODES], code)),
        "diagnosis_codes": _voc(OTHER_DXV, dx[g]), "billing_npi": _npi(payer[g] + 20, npi[g]),
        "billed_amount": _money(billed), "paid_amount": _money(paid), "paid_date": _date(svc[g] + paid_lag[g]),
    }
    sink.write("claims", cols, cday[lo])


# --------------------------------------------------------------------------- planted bad rows


def _bad_rows(sink: _Sink) -> dict:
    planted = {}
    d = lambda k: _iso(F0 + k)  # noqa: E731
    specs = [
        ("claims", 1, {"claim_id": "AC26BAD00001", "line_number": "1", "frequency_code": "1", "payer_id": "ACME",
                       "member_id": "M000000001", "patient_birth_date": "2025-10-27", "service_date": "2026-1-5",
                       "procedure_code": "80076", "units": "1", "billed_amount": "62.00"}),
        ("assessments", 2, {"assessment_id": "ASMBAD000001", "payer_id": "BLUEPEAK", "member_id": "M000000002",
                            "assessment_date": d(-20), "instrument": "CHOP-INTEND", "score": "70"}),
        ("respiratory_support", 3, {"payer_id": "ACME", "member_id": "M000000003", "support_date": d(-3),
                                    "hours": "25.5", "support_type": "niv"}),
        ("clinical_events", 4, {"event_id": "EVBAD000001", "payer_id": "DUNEMED", "member_id": "M000000004",
                                "event_type": "alive_contact", "event_date": "2026-02-30"}),
        ("remittances", 5, {"remittance_id": "RMT-BAD00001", "contract_id": "OBA-ACME-2021", "payer_id": "ACME",
                            "member_id": "M000000005", "timepoint_months": "6", "amount": "1,062,500.00",
                            "remitted_date": d(3)}),
    ]
    for feed, day, row in specs:
        n = sink.raw_rows(feed, day, [row])
        if n:
            planted[feed] = planted.get(feed, 0) + n
    return planted


# --------------------------------------------------------------------------- member ids and coverage

REISSUE_SHARE = 0.03         # children whose payer re-issues their id (newborn's temporary id, plan change)
SECOND_REISSUE_SHARE = 0.2   # of those, re-issued a second time (a chain of three ids)
CYCLE_SHARE = 0.002          # a keying error: an id renamed to another and back (listed, not merged)
COVERAGE_SENT_SHARE = 0.5    # children whose payer sends their coverage spans (the others: enrolled throughout)
COVERAGE_END_SHARE = 0.08    # of those, coverage that ends while the contract still runs


def _identity(ch: dict, E: int, seed: int, sink: _Sink) -> None:
    """member_crosswalk rows (delivered on their effective date, or in the backfill when before day 0)
    and enrollment spans (the backfill) at the rates above (spec identity.md). Runs before the other
    feeds: it keeps each child's ids and re-issue dates in `ch` for `_member_on`, so that a child's
    later rows are filed under its new id and only the crosswalk pools the evidence."""
    r = _rng(seed, 40)
    digits = pc.utf8_slice_codeunits(ch["member"], 1)
    first, second, third = ch["member"], _join(pa.scalar("N"), digits), _join(pa.scalar("P"), digits)
    reissued = r.random(E) < REISSUE_SHARE
    twice = reissued & (r.random(E) < SECOND_REISSUE_SHARE)
    eff1 = np.minimum(ch["inf"] + r.integers(30, 720, E), WEND)
    eff2 = np.minimum(eff1 + r.integers(180, 720, E), WEND)
    ch["ids"] = pa.concat_arrays([first, second, third])
    ch["reissued_on"] = np.where(reissued, eff1, NEVER)
    ch["reissued_again_on"] = np.where(twice, eff2, NEVER)
    cycle = ~reissued & (r.random(E) < CYCLE_SHARE)
    loop = _join(pa.scalar("Q"), digits)
    parts = [  # (rows, previous id, id, effective day)
        (reissued, first, second, eff1),
        (twice, second, third, eff2),
        (cycle, first, loop, ch["inf"] + 400),
        (cycle, loop, first, ch["inf"] + 500),
    ]
    for mask, previous, new, eff in parts:
        idx = pa.array(np.flatnonzero(mask))
        effective = np.asarray(eff)[np.flatnonzero(mask)]
        sink.write("member_crosswalk", {
            "payer_id": _voc(PAYER_NAMES, ch["payer"]).take(idx), "previous_member_id": previous.take(idx),
            "member_id": new.take(idx), "effective_date": _date(effective)}, effective - F0)
    sent = np.flatnonzero(r.random(E) < COVERAGE_SENT_SHARE)
    ends = r.random(len(sent)) < COVERAGE_END_SHARE
    end = np.minimum(ch["inf"][sent] + r.integers(60, 1500, len(sent)), WEND)
    idx = pa.array(sent)
    sink.write("enrollment", {
        "payer_id": _voc(PAYER_NAMES, ch["payer"]).take(idx), "member_id": first.take(idx),
        "coverage_start": _date(ch["birth"][sent]), "coverage_end": _where(ends, _date(end))},
        np.zeros(len(sent), np.int64))


def _member_on(ch: dict, child, when) -> pa.Array:
    """The member id each row of a child dated `when` is filed under: the child's first id, its second
    from the first re-issue's effective date on, its third from the second's. A child whose ids form
    a cycle keeps its first id (the pipeline does not merge a cycle)."""
    child, when = np.asarray(child, np.int64), np.asarray(when, np.int64)
    step = (when >= ch["reissued_on"][child]).astype(np.int64) + (when >= ch["reissued_again_on"][child])
    return ch["ids"].take(pa.array(step * len(ch["reissued_on"]) + child))


# --------------------------------------------------------------------------- driver


def _generate(episodes: int, seed: int, out: Path, lo: int, hi: int) -> dict:
    t0 = time.perf_counter()
    E = int(episodes)
    sink = _Sink(out, lo, hi)
    _write_contracts(sink)
    ch = _children(E, seed)
    _identity(ch, E, seed, sink)
    U = MEMBERS_PER_EPISODE * E
    _authorizations(ch, E, seed, sink, U)
    _infusion_claims(ch, E, seed, sink)
    _care_claims(ch, E, seed, sink)
    _assessments(ch, E, seed, sink)
    _respiratory(ch, E, seed, sink)
    _events(ch, E, seed, sink)
    owed = _remittances(ch, E, seed, sink)
    generator = sys.modules[__name__]
    synth_payments.write_payments(generator, ch, next(j for j, c in enumerate(CT)
                                                      if c["id"] == synth_payments.INSTALLMENT_CONTRACT), seed, sink)
    synth_payments.write_refund_claims(generator, ch, owed, seed, sink)
    for p in range(N_PERIODS):
        s0, s1 = _period_bounds(p)
        if s0 + 14 - F0 > hi or (lo > 0 and s1 + OTHER_MAX_LAG - F0 < lo):
            continue
        _other_claims(E, seed, p, sink)
    planted = _bad_rows(sink)
    return {
        "episodes": E, "seed": seed, "first_day": _iso(F0 + lo), "last_day": _iso(F0 + hi),
        "rows": dict(sink.rows), "files": {f: len(v) for f, v in sink.files.items()},
        "planted_bad_rows": planted, "seconds": round(time.perf_counter() - t0, 2),
    }


def synthesize(episodes: int, seed: int, out: Path, days: int = 30) -> dict:
    """Write a fresh landing zone of `days` daily deliveries (day 0 carries the backfill). See module doc."""
    if days < 1:
        raise ValueError("days must be >= 1")
    out = Path(out)
    for f in FEED_DIRS:
        if (out / f).exists():
            shutil.rmtree(out / f)
    out.mkdir(parents=True, exist_ok=True)
    summary = _generate(episodes, seed, out, 0, days - 1)
    summary["days"] = days
    (out / MANIFEST).write_text(json.dumps({"episodes": int(episodes), "seed": int(seed), "days": days}) + "\n")
    return summary


def add_day(out: Path, seed: int | None = None, day_index: int | None = None, episodes: int | None = None) -> dict:
    """Write one more delivery day (default: the next one) into an existing synthetic landing zone."""
    out = Path(out)
    man = json.loads((out / MANIFEST).read_text()) if (out / MANIFEST).exists() else {}
    episodes = man.get("episodes") if episodes is None else episodes
    seed = man.get("seed") if seed is None else seed
    if episodes is None or seed is None:
        raise ValueError(f"{out} has no {MANIFEST}: pass episodes and seed")
    if man and (man["seed"] != seed or man["episodes"] != episodes):
        raise ValueError("seed/episodes differ from the ones this landing zone was generated with")
    if day_index is None:
        day_index = int(man.get("days", 0))
    if day_index < 1:
        raise ValueError("day_index must be >= 1 (day 0 is the backfill written by synthesize)")
    summary = _generate(episodes, seed, out, day_index, day_index)
    summary["days"] = 1
    man.update({"episodes": int(episodes), "seed": int(seed), "days": max(int(man.get("days", 0)), day_index + 1)})
    (out / MANIFEST).write_text(json.dumps(man) + "\n")
    return summary


def main(argv: list[str] | None = None) -> None:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m pipelines.synth.generator", description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--out", required=True)
    ap.add_argument("--add-day", action="store_true", help="write one more day into --out")
    a = ap.parse_args(argv)
    if a.add_day:
        s = add_day(Path(a.out))
    else:
        s = synthesize(a.episodes, a.seed, Path(a.out), a.days)
    print(json.dumps(s, indent=2))


if __name__ == "__main__":
    main()
