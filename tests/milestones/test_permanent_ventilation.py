"""Permanent ventilation onset, the 16h/14d rule by example and by property."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines import schema
from tests.conftest import insert
from tests.milestones.support import event, resp, rows
from tests.sqlmodels import run_models, set_as_of

START = dt.date(2025, 1, 1)


def day(i: int) -> dt.date:
    return START + dt.timedelta(days=i)


def onset(db, as_of="2026-01-01"):
    set_as_of(db, dt.date.fromisoformat(as_of))
    run_models(db, ["milestones__permanent_ventilation"])
    found = rows(db, "select * from core.permanent_ventilation")
    assert len(found) <= 1
    return found[0] if found else None


def test_13_days_then_a_15_hour_day_is_no_onset(db):
    insert(db, "staging.respiratory_support",
           [resp(day(i), 24) for i in range(13)] + [resp(day(13), 15), resp(day(14), 24)])
    assert onset(db) is None


def test_exactly_14_days_at_exactly_16_hours_starts_on_day_1(db):
    insert(db, "staging.respiratory_support", [resp(day(i), Decimal("16.0")) for i in range(14)])
    o = onset(db)
    assert o["onset_date"] == day(0)
    assert o["onset_source"] == "respiratory_support_run"
    assert (o["run_start"], o["run_end"], o["run_days"]) == (day(0), day(13), 14)
    assert o["onset_basis"] == "16h/14d run 2025-01-01..2025-01-14 (14 days)"


def test_just_under_16_hours_breaks(db):
    insert(db, "staging.respiratory_support",
           [resp(day(i), Decimal("15.999999") if i == 6 else 16) for i in range(14)])
    assert onset(db) is None


def test_a_missing_day_breaks_the_run(db):
    insert(db, "staging.respiratory_support",
           [resp(day(i), 20) for i in range(15) if i != 7])
    assert onset(db) is None


def test_marked_days_break_the_run(db):
    insert(db, "staging.respiratory_support",
           [resp(day(i), 20, acute=(i == 5)) for i in range(19)]                    # 5 + 13 days
           + [resp(day(i), 20, member="M2", periop=(i == 8)) for i in range(19)])   # 8 + 10 days
    assert onset(db) is None


def test_first_qualifying_run_after_a_broken_one(db):
    # days 0-9 qualify, day 10 marked, days 11-30 qualify -> onset day 11, run to day 30
    insert(db, "staging.respiratory_support",
           [resp(day(i), 20, periop=(i == 10)) for i in range(31)])
    o = onset(db)
    assert (o["onset_date"], o["run_end"], o["run_days"]) == (day(11), day(30), 20)


def test_run_min_hours_is_the_fewest_hours_of_a_day_of_the_first_run_only(db):
    # days 0-9 at 16 (a run too short), day 10 marked, days 11-30 from 24 down to 17.5 on day 20,
    # day 31 (after as-of) at 16: neither the short run nor a day after as-of counts
    insert(db, "staging.respiratory_support",
           [resp(day(i), 16, periop=(i == 10)) for i in range(11)]
           + [resp(day(i), Decimal("17.5") if i == 20 else 24 - (i % 3)) for i in range(11, 31)]
           + [resp(day(31), 16)])
    o = onset(db, as_of=day(30).isoformat())
    assert (o["run_start"], o["run_end"], o["run_min_hours"]) == (day(11), day(30), Decimal("17.5"))


def test_run_is_cut_at_as_of(db):
    insert(db, "staging.respiratory_support", [resp(day(i), 20) for i in range(20)])
    assert onset(db, as_of=day(12).isoformat()) is None       # only 13 days exist yet
    o = onset(db, as_of=day(13).isoformat())
    assert (o["onset_date"], o["run_end"]) == (day(0), day(13))


def test_earliest_of_events_and_run(db):
    insert(db, "staging.respiratory_support", [resp(day(i), 20) for i in range(10, 30)])
    insert(db, "staging.clinical_events", [event("T1", day(20).isoformat(), "tracheostomy"),
                                           event("P1", day(5).isoformat(), "permanent_ventilation"),
                                           event("X1", day(1).isoformat(), "alive_contact")])
    o = onset(db)
    assert (o["onset_date"], o["onset_source"], o["onset_event_id"]) == (day(5), "permanent_ventilation", "P1")
    assert o["onset_basis"] == "permanent_ventilation event P1"
    assert o["run_start"] == day(10)   # the run is still reported


def test_event_after_as_of_does_not_exist(db):
    insert(db, "staging.clinical_events", [event("T1", "2025-06-01", "tracheostomy")])
    assert onset(db, as_of="2025-05-31") is None
    assert onset(db, as_of="2025-06-01")["onset_event_id"] == "T1"


def test_people_are_kept_apart(db):
    insert(db, "staging.respiratory_support",
           [resp(day(i), 20, member="A" if i % 2 else "B") for i in range(28)]
           + [resp(day(i), 20, member="A", payer="OTHER") for i in range(0, 28, 2)])
    assert onset(db) is None


# --- property: the SQL agrees with a plain Python reading of the rule ------------

HOURS_QUALIFYING = [Decimal("16"), Decimal("16.5"), Decimal("24")]
HOURS_SHORT = [Decimal("0"), Decimal("8"), Decimal("15.999999")]
SEGMENT_KINDS = ["qualifying", "qualifying", "qualifying", "short", "missing", "acute", "periop"]


def reference_onset(days: dict[dt.date, tuple[Decimal, bool, bool]], events: list[dt.date],
                    as_of: dt.date) -> dt.date | None:
    candidates = [d for d in events if d <= as_of]
    run_start, run_len = None, 0
    d = min(days) if days else None
    while d is not None and d <= min(max(days), as_of):
        row = days.get(d)
        if row is not None and row[0] >= 16 and not row[1] and not row[2]:
            run_start = d if run_len == 0 else run_start
            run_len += 1
            if run_len == 14:
                candidates.append(run_start)
                break
        else:
            run_len = 0
        d += dt.timedelta(days=1)
    return min(candidates) if candidates else None


segments = st.lists(
    st.tuples(st.integers(1, 18), st.sampled_from(SEGMENT_KINDS),
              st.sampled_from(HOURS_QUALIFYING), st.sampled_from(HOURS_SHORT)),
    max_size=7,
)


@settings(max_examples=60, deadline=None)
@given(segments=segments,
       event_offsets=st.lists(st.integers(-5, 130), max_size=1),
       as_of_offset=st.integers(5, 150))
def test_onset_matches_python_reference(segments, event_offsets, as_of_offset):
    days: dict[dt.date, tuple[Decimal, bool, bool]] = {}
    i = 0
    for length, kind, q_hours, s_hours in segments:
        for _ in range(length):
            if kind != "missing":
                hours = s_hours if kind == "short" else q_hours
                days[day(i)] = (hours, kind == "acute", kind == "periop")
            i += 1
    events = [day(o) for o in event_offsets]
    as_of = day(as_of_offset)

    con = duckdb.connect()          # one connection per example: no state leaks between examples
    try:
        schema.create_all(con)
        if days:
            insert(con, "staging.respiratory_support",
                   [resp(d, h, acute=a, periop=p)
                    for d, (h, a, p) in sorted(days.items())])
        if events:
            insert(con, "staging.clinical_events",
                   [event(f"E{n}", d.isoformat(), "tracheostomy") for n, d in enumerate(events)])
        set_as_of(con, as_of)
        run_models(con, ["milestones__permanent_ventilation"])
        got = con.execute("select onset_date from core.permanent_ventilation").fetchall()
    finally:
        con.close()
    expected = reference_onset(days, events, as_of)
    assert got == ([(expected,)] if expected else [])
