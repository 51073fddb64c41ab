"""Hostile and half-written landing files (issue 20): each is loaded exactly, or rejected or
quarantined with a reason that quotes none of its text; nothing is dropped without a load-log row."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.defs.ingest import loader
from pipelines.defs.ingest.feeds import ALL_FEEDS
from pipelines.defs.ingest.loader import LandingZoneError, check_landing, load_feed, survey_landing
from tests.landing import csv_text, row, write_csv, write_text

SECRET = "M7777SECRET"  # a member id that must never reach a message


def load(con, landing: Path, feed: str, run_id: str = "run-1"):
    return load_feed(con, feed, landing, run_id)


def log(con) -> list[tuple]:
    return con.execute("select file_path, status, rows_read, rows_loaded, rows_quarantined from audit.load_log "
                       "order by file_path").fetchall()


# --------------------------------------------------------------------------- names are literal


@pytest.mark.parametrize("name", ["[0-9]*.csv", "*.csv", "?.csv", "2026-0?-01_claims.csv", "{a,b}.csv",
                                  "a[1].csv", "**.csv", "[!x]*.csv"])
def test_a_file_name_with_pattern_characters_loads_exactly_its_own_rows(tmp_path, con, name):
    write_csv(tmp_path, "claims", "2026-01-01_claims.csv", [row("claims", paid_amount="0.00")])
    write_csv(tmp_path, "claims", "2026-02-01_claims.csv", [row("claims", paid_amount="2082500.00")])
    write_text(tmp_path, "claims", name, csv_text([row("claims")]).splitlines()[0] + "\n")  # header only
    results = {r.file_path: r for r in load(con, tmp_path, "claims")}
    assert (results[f"claims/{name}"].status, results[f"claims/{name}"].rows_read) == ("loaded", 0)
    assert results["claims/2026-02-01_claims.csv"].rows_read == 1
    # the amendment stands: the header-only file read none of its neighbours' rows
    assert con.execute("select paid_amount from staging.claims").fetchall() == [(Decimal("2082500.00"),)]
    assert con.execute("select count(*) from raw.claims").fetchone()[0] == 2


def test_a_parquet_file_named_like_a_pattern_reads_only_itself(tmp_path, con):
    (tmp_path / "clinical_events").mkdir()
    for name, event_id in [("a.parquet", "E1"), ("b.parquet", "E2"), ("*.parquet", "E3")]:
        pq.write_table(pa.table({k: [v] for k, v in row("clinical_events", event_id=event_id).items()}),
                       tmp_path / "clinical_events" / name)
    results = {r.file_path: r.rows_read for r in load(con, tmp_path, "clinical_events")}
    assert results == {"clinical_events/*.parquet": 1, "clinical_events/a.parquet": 1, "clinical_events/b.parquet": 1}
    assert con.execute("select count(*) from raw.clinical_events").fetchone()[0] == 3


# --------------------------------------------------------------------------- reader errors quote nothing

H = "event_id,payer_id,member_id,event_type,event_date\n"
READER_ERRORS = {
    "unterminated quote": H + f'E1,ACME,"M1,death,2025-01-01\nE2,ACME,{SECRET},death,2025-01-01\n',
    "quote then text": H + f'E1,ACME,"{SECRET}"x,death,2025-01-01\n',
    "too many fields": H + f"E1,ACME,{SECRET},death,2025-01-01,x\n",
    "too few fields": H + f"E1,ACME,{SECRET},death\n",
    "not UTF-8 mid-file": (H + "E0,ACME,M0,death,2025-01-01\n" * 3).encode() + f"E1,ACME,{SECRET}\xff,death,2025-01-01\n".encode("latin-1"),
    "too-long quoted field": H + f'E1,ACME,"{SECRET * 250_000}",death,2025-01-01\n',
    "mixed line endings": H + f"E1,ACME,{SECRET},death,2025-01-01\r\nE2,ACME,M2,death,2025-01-01\n",
    "header with an open quote": f'event_id,"payer_id,member_id\n{SECRET},x\n',
    "header of a single huge line": "event_id," + SECRET * 20_000,
}


@pytest.mark.parametrize("case", READER_ERRORS)
def test_a_reader_error_names_the_line_but_quotes_none_of_the_file(tmp_path, con, case):
    write_text(tmp_path, "clinical_events", "f.csv", READER_ERRORS[case])
    (r,) = load(con, tmp_path, "clinical_events")
    assert r.status == "rejected"
    assert "clinical_events/f.csv" in r.message
    logged = con.execute("select string_agg(message, ' ') from audit.load_log").fetchone()[0]
    assert SECRET not in logged and SECRET[:6] not in logged
    assert "\n" not in logged
    assert len(logged) < 400


def test_the_message_of_an_unterminated_quote_says_where_and_what_to_fix(tmp_path, con):
    write_text(tmp_path, "clinical_events", "f.csv", READER_ERRORS["unterminated quote"])
    (r,) = load(con, tmp_path, "clinical_events")
    assert "line 2" in r.message and "quote" in r.message and "not closed" in r.message


def test_a_damaged_parquet_file_is_rejected_without_the_readers_text(tmp_path, con):
    table = pa.table({k: [v] for k, v in row("clinical_events", member_id=SECRET).items()})
    (tmp_path / "clinical_events").mkdir()
    pq.write_table(table, tmp_path / "full.parquet")
    data = (tmp_path / "full.parquet").read_bytes()
    (tmp_path / "clinical_events" / "t.parquet").write_bytes(data[:-12] + b"\x00" * 12)
    (r,) = load(con, tmp_path, "clinical_events")
    assert r.status == "rejected" and r.message == f"clinical_events/t.parquet: {loader.PARQUET_UNREADABLE}"


# --------------------------------------------------------------------------- values

@pytest.mark.parametrize("date", ["0000-01-01", "1899-12-31", "2200-01-01"])
def test_a_date_far_outside_any_plausible_year_is_out_of_range(tmp_path, con, date):
    write_csv(tmp_path, "claims", "f.csv", [row("claims", service_date=date)])
    (r,) = load(con, tmp_path, "claims")
    assert (r.rows_loaded, r.rows_quarantined) == (0, 1)
    assert con.execute("select reason from audit.quarantine").fetchall() == [("OUT_OF_RANGE:service_date",)]


@pytest.mark.parametrize("blank", ["\t\t", "\u200b", " \u00a0 ", "\ufeff", "\u3000", "\x0b\x0c", "\u2028"])
def test_a_value_of_only_invisible_characters_is_missing(tmp_path, con, blank):
    write_csv(tmp_path, "claims", "f.csv", [row("claims", member_id=blank)])
    load(con, tmp_path, "claims")
    assert con.execute("select reason from audit.quarantine").fetchall() == [("MISSING_REQUIRED:member_id",)]


def test_invisible_characters_around_a_value_are_trimmed_like_spaces(tmp_path, con):
    write_csv(tmp_path, "claims", "f.csv", [row("claims", member_id="\u200bM000001\t", procedure_code="\u00a0j3399")])
    load(con, tmp_path, "claims")
    assert con.execute("select member_id, procedure_code from staging.claims").fetchall() == [("M000001", "J3399")]


def _parquet(tmp_path: Path, columns: dict) -> None:
    (tmp_path / "clinical_events").mkdir(exist_ok=True)
    pq.write_table(pa.table(columns), tmp_path / "clinical_events" / "f.parquet")


@pytest.mark.parametrize("value", [pa.array([["M1", "M2"]]), pa.array([{"id": "M1"}]), pa.array([b"M1"], pa.binary()),
                                   pa.array([[("M1", "x")]], pa.map_(pa.string(), pa.string()))])
def test_a_parquet_column_of_lists_structs_maps_or_bytes_is_rejected(tmp_path, con, value):
    cols = {k: [v] for k, v in row("clinical_events").items()}
    cols["member_id"] = value
    _parquet(tmp_path, cols)
    (r,) = load(con, tmp_path, "clinical_events")
    assert r.status == "rejected" and "member_id" in r.message and "plain value" in r.message
    assert con.execute("select count(*) from raw.clinical_events").fetchone()[0] == 0


def test_a_parquet_column_of_another_type_that_is_not_the_feeds_is_ignored(tmp_path, con):
    cols = {k: [v] for k, v in row("clinical_events").items()}
    cols["notes"] = pa.array([["a"]])
    _parquet(tmp_path, cols)
    assert [r.status for r in load(con, tmp_path, "clinical_events")] == ["loaded"]


def test_a_parquet_file_naming_a_column_twice_is_rejected_like_the_same_csv(tmp_path, con):
    names = ["event_id", "payer_id", "member_id", "member_id", "event_type", "event_date"]
    values = ["E1", "ACME", "M1", "M2", "death", "2025-01-01"]
    (tmp_path / "clinical_events").mkdir()
    pq.write_table(pa.Table.from_arrays([pa.array([v]) for v in values], names=names),
                   tmp_path / "clinical_events" / "f.parquet")
    write_text(tmp_path, "clinical_events", "g.csv", ",".join(names) + "\n" + ",".join(values) + "\n")
    results = load(con, tmp_path, "clinical_events")
    assert [r.status for r in results] == ["rejected", "rejected"]
    assert all("'member_id' appears twice" in r.message for r in results)


# --------------------------------------------------------------------------- a file being written

def _change_while_reading(monkeypatch, when: str, change) -> None:
    """Run `change()` once, right after the file is hashed or while DuckDB reads it, as a writer
    still at work would."""
    done = []
    if when == "after hashing":
        real_hash = loader._sha256

        def hash_then_change(f):
            sha = real_hash(f)
            if not done:
                done.append(change())
            return sha

        monkeypatch.setattr(loader, "_sha256", hash_then_change)
    else:
        real_load = loader.load_tabular_file

        def load_then_change(*args):
            result = real_load(*args)
            done.append(change())
            return result

        monkeypatch.setattr(loader, "load_tabular_file", load_then_change)


@pytest.mark.parametrize("when", ["after hashing", "during the load"])
@pytest.mark.parametrize("how", ["append", "rewrite in place"])
def test_a_file_changing_while_it_is_read_is_left_for_the_next_run(tmp_path, con, monkeypatch, when, how):
    rows = [row("claims", claim_id=f"C{i}", paid_amount="2082500.00") for i in range(200)]
    path = write_csv(tmp_path, "claims", "f.csv", rows[:100])

    def append() -> None:
        with path.open("a") as f:
            f.write(csv_text(rows[100:]).split("\n", 1)[1])

    def rewrite() -> None:
        st = path.stat()
        with path.open("r+b") as f:
            f.write(path.read_bytes().replace(b"2082500.00", b"0000020.00"))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the mtime set back: only the content tells

    _change_while_reading(monkeypatch, when, append if how == "append" else rewrite)
    (r,) = load(con, tmp_path, "claims", "run-1")
    assert r.status == "rejected" and "changed while it was being read" in r.message and r.sha256 is None
    assert con.execute("select count(*) from raw.claims").fetchone()[0] == 0
    assert con.execute("select count(*) from staging.claims").fetchone()[0] == 0
    monkeypatch.undo()
    (r,) = load(con, tmp_path, "claims", "run-2")  # the writer is done: the whole file loads
    assert r.status == "loaded" and r.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert r.rows_loaded == (200 if how == "append" else 100)
    assert con.execute("select min(paid_amount) from staging.claims").fetchone()[0] == Decimal(
        "2082500.00" if how == "append" else "20.00")


def test_a_file_replaced_after_it_was_opened_loads_the_content_hashed(tmp_path, con, monkeypatch):
    path = write_csv(tmp_path, "claims", "f.csv", [row("claims", paid_amount="2082500.00")])
    original = hashlib.sha256(path.read_bytes()).hexdigest()

    def replace() -> None:  # an uploader renaming its finished file over the old one
        newer = write_csv(tmp_path, "claims", ".upload.tmp", [row("claims", paid_amount="20.00")])
        os.replace(newer, path)

    _change_while_reading(monkeypatch, "after hashing", replace)
    (r,) = load(con, tmp_path, "claims", "run-1")
    # the file opened is read to the end whatever its name now points to; the replaced inode's
    # change time moves when it loses its name, so Linux file systems leave it for the next run
    paid = con.execute("select paid_amount from staging.claims").fetchall()
    assert ((r.status, r.sha256, paid) == ("loaded", original, [(Decimal("2082500.00"),)])
            or (r.status, paid) == ("rejected", []))
    monkeypatch.undo()
    (r,) = load(con, tmp_path, "claims", "run-2")  # the replacement is new content: it loads next
    assert r.status == "loaded"
    assert con.execute("select paid_amount from staging.claims").fetchall() == [(Decimal("20.00"),)]


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_deliveries_of_the_same_size_and_mtime_each_load_their_own_rows(tmp_path, con, kind):
    (tmp_path / "clinical_events").mkdir()
    paths = []
    for name, event_id in [("a", "E1"), ("b", "E2")]:
        path = tmp_path / "clinical_events" / f"{name}.{kind}"
        r = row("clinical_events", event_id=event_id)
        if kind == "csv":
            path.write_text(csv_text([r]))
        else:
            pq.write_table(pa.table({k: [v] for k, v in r.items()}), path)
        paths.append(path)
    st = paths[0].stat()
    os.utime(paths[1], ns=(st.st_atime_ns, st.st_mtime_ns))
    assert paths[0].stat().st_size == paths[1].stat().st_size
    load(con, tmp_path, "clinical_events")
    assert con.execute("select _file_path, event_id from raw.clinical_events order by 1").fetchall() == [
        (f"clinical_events/a.{kind}", "E1"), (f"clinical_events/b.{kind}", "E2")]


# --------------------------------------------------------------------------- the landing zone

def test_a_landing_zone_without_any_feed_folder_is_refused_naming_it_and_the_feed_folders(tmp_path):
    (tmp_path / "CLAIMS").mkdir()
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(LandingZoneError) as e:
        check_landing(tmp_path, ALL_FEEDS)
    assert str(tmp_path) in str(e.value) and "claims/" in str(e.value) and "contracts/" in str(e.value)
    (tmp_path / "contracts").mkdir()  # one feed folder, even empty, is a landing zone
    check_landing(tmp_path, ALL_FEEDS)


def test_nothing_outside_the_feed_folders_is_read_or_dropped_without_a_row(tmp_path, con):
    landing = tmp_path / "landing"
    outside = write_csv(tmp_path, "elsewhere", "secret.csv", [row("claims", member_id=SECRET)])
    write_csv(landing, "claims", "good.csv", [row("claims")])
    write_csv(landing, "CLAIMS", "upper.csv", [row("claims")])
    write_csv(landing, "claimz", "2026/typo.csv", [row("claims")])
    (landing / "misc").mkdir()
    write_csv(landing, "", "at_root.csv", [row("claims")])
    (landing / "assessments").symlink_to(outside.parent, target_is_directory=True)  # a linked feed folder
    (landing / "claims" / "linked.csv").symlink_to(outside)  # a link out of the landing zone
    (landing / "claims" / "dangling.csv").symlink_to(tmp_path / "gone.csv")
    os.mkfifo(landing / "claims" / "pipe.csv")  # would block a reader forever
    write_text(landing, "claims", ".partial.csv", "hidden: an upload in progress")

    surveyed = survey_landing(landing, ALL_FEEDS)
    results = load(con, landing, "claims") + load(con, landing, "assessments")
    for r in surveyed:
        loader.log_file(con, r, "run-1", None)
    statuses = {r.file_path: (r.feed, r.status, r.sha256) for r in surveyed + results}
    assert statuses == {
        "CLAIMS/upper.csv": ("(none)", "rejected", None),
        "claimz/2026/typo.csv": ("(none)", "rejected", None),
        "misc/": ("(none)", "rejected", None),
        "at_root.csv": ("(none)", "rejected", None),
        "assessments": ("assessments", "rejected", None),
        "claims/dangling.csv": ("claims", "rejected", None),
        "claims/linked.csv": ("claims", "rejected", None),
        "claims/pipe.csv": ("claims", "rejected", None),
        "claims/good.csv": ("claims", "loaded", statuses["claims/good.csv"][2]),
    }
    messages = {r.file_path: r.message for r in surveyed + results}
    assert "did you mean claims/?" in messages["claimz/2026/typo.csv"]
    assert "did you mean claims/?" in messages["CLAIMS/upper.csv"]
    assert "move it into its feed's folder" in messages["at_root.csv"]
    assert "symbolic link" in messages["claims/linked.csv"] and "symbolic link" in messages["assessments"]
    assert "not a regular file" in messages["claims/pipe.csv"]
    assert con.execute("select count(*) from raw.claims where member_id = ?", [SECRET]).fetchone()[0] == 0
    assert con.execute("select count(*) from audit.load_log").fetchone()[0] == 9


def test_a_link_swapped_in_after_the_listing_is_not_followed(tmp_path, con, monkeypatch):
    outside = write_csv(tmp_path, "elsewhere", "secret.csv", [row("claims", member_id=SECRET)])
    path = write_csv(tmp_path / "landing", "claims", "f.csv", [row("claims")])
    real = loader._feed_files

    def list_then_swap(landing, feed):
        listed = real(landing, feed)
        path.unlink()
        path.symlink_to(outside)
        return listed

    monkeypatch.setattr(loader, "_feed_files", list_then_swap)
    (r,) = load(con, tmp_path / "landing", "claims")
    assert r.status == "rejected" and con.execute("select count(*) from raw.claims").fetchone()[0] == 0


def test_a_folder_the_pipeline_may_not_list_gets_a_row(tmp_path, con, monkeypatch):
    write_csv(tmp_path, "claims", "good.csv", [row("claims")])
    write_csv(tmp_path, "claims", "locked/f.csv", [row("claims")])
    real = os.scandir

    def scandir(path):
        if isinstance(path, (str, Path)) and Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(loader.os, "scandir", scandir)
    results = {r.file_path: (r.status, r.message) for r in load(con, tmp_path, "claims")}
    assert results["claims/good.csv"][0] == "loaded"
    assert results["claims/locked"] == ("rejected", "claims/locked: is a folder the pipeline may not list; "
                                                    "give its user permission to read it")


def test_no_mangling_of_a_csv_file_gets_its_text_into_a_message(tmp_path, con):
    """200 seeded corruptions (stray quotes, commas, line breaks, bad bytes, NULs, truncation) of
    a file whose every cell holds a member id: each is loaded or rejected, and no message or
    quarantine reason quotes any of it."""
    import random

    rng = random.Random(20)
    rows = [row("clinical_events", event_id=f"E{i}", member_id=SECRET) for i in range(5)]
    clean = csv_text(rows).encode()
    pieces = [b'"', b",", b"\n", b"\r", b"\r\n", b"\xff", b"\xc3", b"\x00", b'""', b"\t", b"\xef\xbb\xbf"]
    for i in range(200):
        data = bytearray(clean)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data) + 1)
            if rng.random() < 0.15:
                del data[at:]  # truncated
            else:
                data[at:at] = rng.choice(pieces)
        write_text(tmp_path, "clinical_events", f"f{i:03d}.csv", bytes(data))
    results = load(con, tmp_path, "clinical_events")
    assert len(results) == 200 and {r.status for r in results} <= {"loaded", "rejected", "skipped_duplicate"}
    assert any(r.status == "rejected" for r in results) and any(r.status == "loaded" for r in results)
    texts = con.execute("select coalesce(string_agg(message, ' '), '') from audit.load_log").fetchone()[0]
    texts += con.execute("select coalesce(string_agg(reason, ' '), '') from audit.quarantine").fetchone()[0]
    assert SECRET[:5] not in texts and SECRET[-5:] not in texts
