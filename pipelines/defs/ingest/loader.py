"""Landing zone -> raw -> staging, with quarantine and the load log.

Per file (spec/feeds.md):
- identity is the SHA-256 of the content: content already loaded is skipped
  (`skipped_duplicate`), whatever the file's name;
- a file that cannot be read at all is `rejected` whole, with a message a
  person can act on, and is not marked loaded (fixed content loads next run);
- otherwise every row lands in `raw.<feed>_rows` as delivered (text, in file
  order: the view `raw.<feed>` adds its row number), is typed by
  the SQL generated in typing_sql.py, and either goes to `audit.quarantine`
  with its reason or replaces the row of the same natural key in
  `staging.<feed>` (the later delivery wins): rows_read = rows_loaded + rows_quarantined.
Each file is one transaction, so a crash never leaves half a file behind.

Cost: the rows of a file are read once from the file into raw and typed once,
from raw straight into staging (the clean rows only). The rows staging did not
take are typed again for their reason; they are few. Nothing holds every typed
column of a 10M-line file in memory. Duplicate keys are found by aggregation
over the delivery's new staging rows, and the upsert touches only the file's
own keys, so a small daily delivery costs little whatever the history.

Files load in lexical order of their path within the feed folder; the order in
which files are loaded, across runs, is the delivery order (`_delivery_seq`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import time
from collections.abc import Callable
from dataclasses import astuple, dataclass
from pathlib import Path

import duckdb

from pipelines.defs.ingest.feeds import FEEDS, Feed
from pipelines.defs.ingest.typing_sql import staging_columns, typing_query
from pipelines.transaction import transaction

TABULAR_SUFFIXES = {".csv": "csv", ".parquet": "parquet"}
CONTRACT_SUFFIXES = {".yaml", ".yml"}


class FileRejected(Exception):
    """The file cannot be read at all; the message says what to fix."""


@dataclass(frozen=True)
class FileStat:
    """What identifies an unchanged file without reading it (as git's index does)."""

    size: int
    mtime_ns: int
    inode: int


@dataclass
class FileResult:
    file_path: str
    feed: str
    sha256: str
    status: str  # loaded | skipped_duplicate | rejected
    rows_read: int | None = None
    rows_loaded: int | None = None
    rows_quarantined: int | None = None
    message: str | None = None
    stat: FileStat | None = None


def sha256_file(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


# A file modified less than this before it was hashed may change again within
# the same mtime tick; its stat is not trusted (the "racy git" problem).
RACY_SECONDS = 2


def file_sha256(path: Path, rel_path: str, known: dict[tuple, str]) -> tuple[str, FileStat | None]:
    """The file's SHA-256, and its stat when that stat may stand for the content later.

    Identity is the content (spec/feeds.md). Re-reading every landing file each
    night cost a small nightly run 2.5 s at national scale, so a file whose
    path, size, mtime and inode are those recorded when it was hashed is taken to
    have the recorded SHA-256 (git's index does the same). Any write changes the
    mtime, so changed content is hashed again; a file written less than
    RACY_SECONDS before it was hashed gets no recorded stat and is always hashed.
    """
    now = time.time_ns()
    st = path.stat()
    stat = FileStat(st.st_size, st.st_mtime_ns, st.st_ino)
    cached = known.get((rel_path, stat))
    if cached:
        return cached, stat
    fresh = now - st.st_mtime_ns < RACY_SECONDS * 1_000_000_000
    return sha256_file(path), None if fresh else stat


def known_hashes(con: duckdb.DuckDBPyConnection, feed: str) -> dict[tuple, str]:
    """(file path in the landing zone, stat) -> SHA-256, for the feed's files hashed before."""
    rows = con.execute(
        """select file_path, file_size, file_mtime_ns, file_inode, max(sha256)
           from audit.load_log where feed = ? and file_size is not null group by all""",
        [feed],
    ).fetchall()
    return {(p, FileStat(size, mtime, inode)): sha for p, size, mtime, inode, sha in rows}


def discover(landing: Path, feed: str) -> list[Path]:
    """The feed's files in delivery order (lexical order of their path). Hidden files are ignored."""
    folder = landing / feed
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)),
        key=lambda p: p.relative_to(landing).as_posix(),
    )


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def next_delivery_seq(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select coalesce(max(delivery_seq), 0) + 1 from audit.load_log").fetchall()[0][0]


def loaded_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The SHA-256 of every content loaded so far, by any feed."""
    return {r[0] for r in con.execute("select distinct sha256 from audit.load_log where status = 'loaded'").fetchall()}


def log_file(con: duckdb.DuckDBPyConnection, r: FileResult, run_id: str, delivery_seq: int | None) -> None:
    con.execute(
        """insert into audit.load_log
           (file_path, feed, sha256, status, rows_read, rows_loaded, rows_quarantined, message,
            loaded_at, delivery_seq, run_id, file_size, file_mtime_ns, file_inode)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            r.file_path, r.feed, r.sha256, r.status, r.rows_read, r.rows_loaded, r.rows_quarantined,
            r.message, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), delivery_seq, run_id,
            *(astuple(r.stat) if r.stat else (None, None, None)),
        ],
    )


# --------------------------------------------------------------------------- reading


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as f:
            first = f.readline()
            # a quoted header cell may span lines: keep reading until csv is satisfied
            while first.count('"') % 2 == 1:
                more = f.readline()
                if not more:
                    break
                first += more
    except UnicodeDecodeError as e:
        raise FileRejected(f"not UTF-8 text (byte {e.start} of the first line); re-export the file as UTF-8") from e
    if not first.strip():
        raise FileRejected("empty file: expected a header row naming the columns")
    try:
        return next(csv.reader(io.StringIO(first)))
    except csv.Error as e:
        raise FileRejected(f"the header row is not valid CSV: {e}") from e


def _check_header(feed: Feed, header: list[str]) -> dict[str, int]:
    """Map spec column -> position in the file; reject a file missing a required column."""
    norm = [h.strip().lower() for h in header]
    seen: dict[str, int] = {}
    for i, n in enumerate(norm):
        if n in seen and n in feed.column_names:
            raise FileRejected(f"column {n!r} appears twice in the header; keep one")
        seen.setdefault(n, i)
    missing = [c for c in feed.required_columns if c not in seen]
    if missing:
        # Name only the header cells that are this feed's columns: a file delivered without its
        # header row has a data row there, with member ids, which must not reach the log.
        known = [h.strip() for h, n in zip(header, norm) if n in feed.column_names]
        unknown = [str(i + 1) for i, n in enumerate(norm) if n not in feed.column_names]
        raise FileRejected(
            f"required column(s) missing from the header: {', '.join(missing)}. The first row has "
            f"{len(header)} cells; the columns recognised are: {', '.join(known) or 'none'}"
            + (f"; {'cells' if len(unknown) > 1 else 'cell'} {', '.join(unknown)} "
               f"{'are not column names' if len(unknown) > 1 else 'is not a column name'} of this feed "
               "(misspelt, or a data row where the header should be; not shown: they may hold member data)"
               if unknown else "")
            + ". Add the missing columns and re-deliver the file"
        )
    return {c: seen[c] for c in feed.column_names if c in seen}


def _source_relation(path: Path, kind: str, feed: Feed, con: duckdb.DuckDBPyConnection) -> tuple[str, list[str], dict[str, int]]:
    """A SQL relation over the file whose columns are c0..cN (all text), the header, and the mapping."""
    p = _sql_str(path.as_posix())
    if kind == "csv":
        header = _csv_header(path)
        mapping = _check_header(feed, header)
        cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
        rel = (
            f"read_csv({p}, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            f"columns = {cols}, strict_mode = true, null_padding = false, encoding = 'utf-8')"
        )
        return rel, header, mapping
    try:
        desc = con.execute(f"describe select * from read_parquet({p})").fetchall()
    except duckdb.Error as e:
        raise FileRejected(f"not a readable Parquet file ({_first_line(e)}); re-export it") from e
    header = [d[0] for d in desc]
    mapping = _check_header(feed, header)
    inner = ", ".join(f'cast("{h.replace(chr(34), chr(34) * 2)}" as varchar) as c{i}' for i, h in enumerate(header))
    return f"(select {inner} from read_parquet({p}))", header, mapping


def _first_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def _describe_read_error(e: duckdb.Error) -> str:
    msg = str(e)
    if "unicode" in msg.lower() or "utf-8" in msg.lower() or "utf8" in msg.lower():
        return "not UTF-8 text; re-export the file as UTF-8"
    # DuckDB's CSV errors name the line; keep that, drop the echoed data (it may hold member ids)
    lines = [ln for ln in msg.splitlines() if ln.strip() and not ln.startswith("Original Line")]
    head = "; ".join(lines[:2])
    return f"not valid CSV ({head[:300]}); every row needs the same number of comma-separated fields as the header, with RFC 4180 quoting"


# --------------------------------------------------------------------------- loading


def load_tabular_file(
    con: duckdb.DuckDBPyConnection, feed: Feed, path: Path, rel_path: str, sha: str, delivery_seq: int, run_id: str
) -> FileResult:
    kind = TABULAR_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise FileRejected(
            f"unsupported file type {path.suffix or '(none)'!r}: a {feed.name} delivery must be .csv or .parquet"
        )
    source, header, mapping = _source_relation(path, kind, feed, con)

    raw_cols = [f'"{c}"' for c in feed.column_names]
    raw_vals = [f"c{mapping[c]}" if c in mapping else "null" for c in feed.column_names]
    try:
        con.execute(
            f"""insert into raw.{feed.name}_rows ({", ".join(raw_cols)}, _delivery_seq, _file_path)
                select {", ".join(raw_vals)}, {delivery_seq}, {_sql_str(rel_path)}
                from {source}"""
        )
    except duckdb.Error as e:
        if kind == "parquet":
            raise FileRejected(f"not a readable Parquet file ({_first_line(e)}); re-export it") from e
        raise FileRejected(_describe_read_error(e)) from e

    this_delivery = _numbered_delivery(con, feed, delivery_seq)
    staging = f"staging.{feed.name}"
    keys = [f'"{k}"' for k in feed.key]
    key = ", ".join(keys)
    same_key = " and ".join(f"s.{k} = d.{k}" for k in keys)
    # One typing pass over the whole file: the rows that type cleanly go straight into staging.
    cols = ", ".join(staging_columns(feed))
    con.execute(f"insert into {staging} ({cols}) select {cols} from {clean_rows(typing_query(feed, this_delivery))}")
    new_rows = f"(select * from {staging} where _delivery_seq = {delivery_seq})"
    read = con.execute(f"select count(*) from {this_delivery}").fetchall()[0][0]
    typed_cleanly = con.execute(f"select count(*) from {new_rows}").fetchall()[0][0]
    # Rejected rows are the few that staging did not take: only those are typed again, for their reason.
    con.execute("create or replace temp table _rejected (_row_number bigint, _reason varchar)")
    if typed_cleanly < read:
        not_taken = f"(select r.* from {this_delivery} r anti join {new_rows} s using (_row_number))"
        con.execute(f"insert into _rejected select _row_number, _reason from ({typing_query(feed, not_taken)})")
    # DUPLICATE_KEY: among the rows that typed cleanly, every row of a key but the first
    con.execute(
        f"""insert into _rejected
            select s._row_number, 'DUPLICATE_KEY' from {new_rows} s
            join (select {key}, min(_row_number) as first_row from {new_rows}
                  group by all having count(*) > 1) d on {same_key}
            where s._row_number > d.first_row"""
    )
    con.execute(
        f"""delete from {staging} where _delivery_seq = {delivery_seq}
            and _row_number in (select _row_number from _rejected where _reason = 'DUPLICATE_KEY')"""
    )
    # upsert: this delivery's rows replace the earlier rows of the same keys. `in (subquery)`, not a
    # join: DuckDB misjudged the join's sides and hashed all 10M earlier claim lines for each small file
    earlier = con.execute(f"select exists (select 1 from {staging} where _delivery_seq < {delivery_seq})").fetchall()[0][0]
    if earlier:
        con.execute(
            f"""delete from {staging} where _delivery_seq < {delivery_seq}
                and ({key}) in (select {key} from {new_rows})"""
        )
    loaded = con.execute(f"select count(*) from {new_rows}").fetchall()[0][0]
    quarantined, unexplained = con.execute(
        "select count(*), count(*) filter (where _reason is null) from _rejected"
    ).fetchall()[0]
    if unexplained or read != loaded + quarantined:
        # a typing rule that lets a row neither load nor name its reason would lose rows silently
        raise RuntimeError(
            f"{feed.name} delivery {delivery_seq}: {read} rows read but {loaded} loaded and "
            f"{quarantined} quarantined ({unexplained} without a reason); the typing SQL is inconsistent"
        )
    # the raw record of each rejected row, as delivered
    record = "to_json({" + ", ".join(f"{_sql_str(c)}: r.\"{c}\"" for c in feed.column_names) + "})"
    con.execute(
        f"""insert into audit.quarantine (feed, file_path, row_number, reason, record, delivery_seq, run_id)
            select ?, r._file_path, r._row_number, b._reason, {record}, r._delivery_seq, ?
            from {this_delivery} r join _rejected b using (_row_number)
            order by r._row_number""",
        [feed.name, run_id],
    )
    con.execute("drop table _rejected")
    return FileResult(rel_path, feed.name, sha, "loaded", read, loaded, quarantined)


# The largest BIGINT: a LIMIT that keeps every row.
NO_LIMIT = 9223372036854775807


def clean_rows(typed: str) -> str:
    """The rows of a typing query whose `_reason` is NULL, each value typed once.

    A plain `where _reason is null` is pushed by DuckDB's optimizer below the
    typing projection with every typing expression inlined into the filter, so
    each regex runs twice per row (3 s more for a 10M-line file). Filter
    pushdown does not cross a LIMIT, and a LIMIT of the largest BIGINT keeps
    every row.
    """
    return f"(select * from ({typed}) limit {NO_LIMIT}) where _reason is null"


def _numbered_delivery(con: duckdb.DuckDBPyConnection, feed: Feed, delivery_seq: int) -> str:
    """The raw rows of one delivery with their 1-based row number in the file.

    One file is one INSERT and DuckDB preserves insertion order
    (`preserve_insertion_order`, on by default and set by the warehouse), so the
    delivery's rowids are contiguous and in file order; this is what the view
    `raw.<feed>` computes too, without scanning other deliveries here.
    """
    first = con.execute(
        f"select min(rowid) from raw.{feed.name}_rows where _delivery_seq = {delivery_seq}"
    ).fetchall()[0][0]
    return (
        f"(select *, rowid - {first or 0} + 1 as _row_number from raw.{feed.name}_rows "
        f"where _delivery_seq = {delivery_seq})"
    )


def load_files(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    feed_name: str,
    run_id: str,
    load_one: Callable[[Path, str, str, int], FileResult],
) -> list[FileResult]:
    """The per-file protocol shared by every feed, in delivery order.

    Content already loaded is skipped; every other file is loaded by
    `load_one(path, rel_path, sha, delivery_seq)` in its own transaction. A
    `FileRejected` rolls the file back and logs it as rejected (not loaded, so
    fixed content loads later); any other error rolls back and fails the run.
    """
    results: list[FileResult] = []
    known = known_hashes(con, feed_name)
    loaded = loaded_hashes(con)
    # Skipped files are logged together, in one transaction, before the next load and at the end:
    # a commit per file cost 0.2 s a night over the ~70 files of a national landing zone.
    skipped: list[FileResult] = []

    def log_skipped() -> None:
        if skipped:
            with transaction(con):
                for s in skipped:
                    log_file(con, s, run_id, None)
            skipped.clear()

    for path in discover(landing, feed_name):
        rel_path = path.relative_to(landing).as_posix()
        sha, stat = file_sha256(path, rel_path, known)
        if sha in loaded:
            r = FileResult(rel_path, feed_name, sha, "skipped_duplicate", 0, 0, 0,
                           "content already loaded (same SHA-256); nothing to do", stat)
            skipped.append(r)
            results.append(r)
            continue
        log_skipped()
        seq = next_delivery_seq(con)
        try:
            with transaction(con):
                r = load_one(path, rel_path, sha, seq)
                r.stat = stat
                log_file(con, r, run_id, seq)
            loaded.add(sha)
        except FileRejected as e:
            # the transaction rolled the file back; its rejection is logged on its own
            r = FileResult(rel_path, feed_name, sha, "rejected", message=f"{rel_path}: {e}", stat=stat)
            log_file(con, r, run_id, None)
        results.append(r)
    log_skipped()
    return results


def load_feed(con: duckdb.DuckDBPyConnection, feed_name: str, landing: Path, run_id: str) -> list[FileResult]:
    """Load every new file of one tabular feed, in delivery order."""
    feed = FEEDS[feed_name]
    return load_files(
        con, landing, feed_name, run_id,
        lambda path, rel_path, sha, seq: load_tabular_file(con, feed, path, rel_path, sha, seq, run_id),
    )
