"""Landing zone -> raw -> staging, with quarantine and the load log.

Per file (spec/feeds.md):
- identity is the SHA-256 of the content, read every run: content already
  loaded is skipped (`skipped_duplicate`), whatever the file's name;
- a new file is opened once, hashed, and given to DuckDB by a literal name of
  the open file, never by its own name (no character of a name is a glob
  pattern); it is hashed again after the load, so what loads is exactly the
  bytes hashed, and a file that changes while it is read (still being written)
  is rolled back and left for the next run;
- links are never followed, and nothing in the landing zone is dropped without a
  load-log row: links, pipes and files outside the feed folders are `rejected`
  with where the file should go (survey_landing);
- a file that cannot be read at all is `rejected` whole, with a message a
  person can act on that never quotes the file's text (it may hold member
  ids), and is not marked loaded (fixed content loads next run);
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
import difflib
import hashlib
import io
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.defs.ingest.feeds import FEEDS, Feed
from pipelines.defs.ingest.typing_sql import staging_columns, typing_query
from pipelines.transaction import transaction

TABULAR_SUFFIXES = {".csv": "csv", ".parquet": "parquet"}
CONTRACT_SUFFIXES = {".yaml", ".yml"}


class FileRejected(Exception):
    """The file cannot be read at all; the message says what to fix."""


@dataclass
class FileResult:
    file_path: str
    feed: str
    sha256: str | None  # None when the file was not read (a link, a folder, a file outside a feed folder)
    status: str  # loaded | skipped_duplicate | rejected
    rows_read: int | None = None
    rows_loaded: int | None = None
    rows_quarantined: int | None = None
    message: str | None = None


# --------------------------------------------------------------------------- the landing zone

# The feed of a row of audit.load_log about an entry that is in no feed's folder.
NO_FEED = "(none)"


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _entries(folder: Path) -> Iterator[tuple[Path, str]]:
    """Every entry under `folder`, depth first, as (path, kind): kind is `file` (a regular file),
    `link` (a symbolic link, never followed), `other` (a FIFO, a socket, a device), `empty folder`
    or `unreadable folder`. Hidden entries (a leading dot: editors' and uploaders' temporary
    files) are left out."""
    try:
        children = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        yield folder, "unreadable folder"
        return
    if not any(not _hidden(c.name) for c in children):
        yield folder, "empty folder"
        return
    for entry in children:
        if _hidden(entry.name):
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            yield path, "link"
        elif entry.is_dir(follow_symlinks=False):
            yield from _entries(path)
        elif entry.is_file(follow_symlinks=False):
            yield path, "file"
        else:
            yield path, "other"


def _feed_folder(landing: Path, feed: str) -> Path | None:
    """The feed's folder when it is a real folder (a link to a folder is not followed)."""
    folder = landing / feed
    return folder if folder.is_dir() and not folder.is_symlink() else None


# Why an entry of a feed folder is not read, and what to do about it.
NOT_READ = {
    "link": "is a symbolic link; links are not followed (one could lead outside the landing zone): "
            "put the file itself here",
    "other": "is not a regular file (a pipe, socket or device); deliver a file",
    "unreadable folder": "is a folder the pipeline may not list; give its user permission to read it",
}


def _feed_files(landing: Path, feed: str) -> tuple[list[Path], list[FileResult]]:
    """The feed's files in delivery order (lexical order of their path), and a rejected row for
    each entry of its folder that is not read. An empty folder is no delivery."""
    folder = _feed_folder(landing, feed)
    if folder is None:
        return [], []
    files, not_read = [], []
    for path, kind in _entries(folder):
        rel = path.relative_to(landing).as_posix()
        if kind == "file":
            files.append(path)
        elif kind in NOT_READ:
            not_read.append(FileResult(rel, feed, None, "rejected", message=f"{rel}: {NOT_READ[kind]}"))
    files.sort(key=lambda p: p.relative_to(landing).as_posix())
    return files, not_read


def discover(landing: Path, feed: str) -> list[Path]:
    """The feed's regular files in delivery order. Hidden files are ignored."""
    return _feed_files(landing, feed)[0]


class LandingZoneError(Exception):
    """The landing zone is not one: no feed folder at all."""


def check_landing(landing: Path, feeds: list[str]) -> None:
    """Fail when the folder has none of the feed folders: it is almost surely the wrong folder."""
    if not any(_feed_folder(landing, f) for f in feeds):
        raise LandingZoneError(
            f"the landing zone {landing} has none of the feed folders ({', '.join(f + '/' for f in feeds)}): "
            "is it the right folder? Pass the landing zone with --landing (or OBA_LANDING_DIR)"
        )


def survey_landing(landing: Path, feeds: list[str]) -> list[FileResult]:
    """A rejected load-log row for everything in the landing zone outside the feed folders.

    A file at the top of the landing zone, the files of a folder that is no feed's (a misspelt
    `claimz/`, a `CLAIMS/`) and a link in place of a feed folder are not read; each is named,
    with where its file should go, so nothing is dropped silently (feeds.md).
    """
    expected = ", ".join(f + "/" for f in feeds)
    rows = []
    try:
        top = sorted(os.scandir(landing), key=lambda e: e.name)
    except OSError:
        return rows
    for entry in top:
        if _hidden(entry.name):
            continue
        path = Path(entry.path)
        if entry.name in feeds:
            if entry.is_symlink():
                rows.append(FileResult(entry.name, entry.name, None, "rejected",
                                       message=f"{entry.name}: {NOT_READ['link']}"))
            elif not entry.is_dir():
                rows.append(FileResult(entry.name, entry.name, None, "rejected",
                                       message=f"{entry.name}: is a file where the {entry.name}/ folder should be; "
                                               "make it a folder and put the deliveries in it"))
            continue
        if entry.is_symlink() or not entry.is_dir(follow_symlinks=False):
            where = "move it into its feed's folder" if entry.is_file(follow_symlinks=False) else "remove it"
            rows.append(FileResult(entry.name, NO_FEED, None, "rejected",
                                   message=f"{entry.name}: not in a feed folder, so not read; {where} ({expected})"))
            continue
        guess = difflib.get_close_matches(entry.name.lower(), feeds, n=1, cutoff=0.75)
        hint = f" (did you mean {guess[0]}/?)" if guess else ""
        for inner, kind in _entries(path):
            rel = inner.relative_to(landing).as_posix() + ("/" if kind.endswith("folder") else "")
            rows.append(FileResult(rel, NO_FEED, None, "rejected", message=(
                f"{rel}: {entry.name}/ is no feed's folder{hint}, so its files are not read; "
                f"move them into their feed's folder ({expected})")))
    return rows


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
            loaded_at, delivery_seq, run_id)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            r.file_path, r.feed, r.sha256, r.status, r.rows_read, r.rows_loaded, r.rows_quarantined,
            r.message, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), delivery_seq, run_id,
        ],
    )


# --------------------------------------------------------------------------- reading one file

def _open_file(path: Path) -> BinaryIO:
    """Open a landing file for reading, never through a link put in its place since it was listed."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        raise FileRejected(f"cannot be opened ({e.strerror}); check that it is a readable file") from None
    f = os.fdopen(fd, "rb")
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        f.close()
        raise FileRejected("is not a regular file; deliver a file")
    return f


def _fingerprint(f: BinaryIO) -> tuple:
    # any write changes the size or the change time (ctime cannot be set back, unlike the mtime)
    st = os.fstat(f.fileno())
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _sha256(f: BinaryIO) -> str:
    f.seek(0)
    return hashlib.file_digest(f, "sha256").hexdigest()


def literal_path(f: BinaryIO) -> Path:
    """A name for the open file that DuckDB reads literally: no character of a delivered name
    (`[`, `*`, `?`, `{`) can act as a glob, and a file renamed or replaced since it was opened
    and hashed is still the one read (Linux's /proc/self/fd)."""
    return Path(f"/proc/self/fd/{f.fileno()}")


class FileChanged(Exception):
    """The file changed while it was read: it is still being written."""


def check_unchanged(f: BinaryIO, sha: str, before: tuple) -> None:
    """Raise FileChanged unless the open file is still exactly the content hashed as `sha`:
    then what DuckDB read from it is those bytes."""
    if _fingerprint(f) != before or _sha256(f) != sha:
        raise FileChanged


# A header naming a few dozen columns is a few hundred characters.
MAX_HEADER_CHARS = 65536


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as f:
            first = f.readline(MAX_HEADER_CHARS)
            # a quoted header cell may span lines: keep reading until csv is satisfied
            while first.count('"') % 2 == 1 and len(first) < MAX_HEADER_CHARS:
                more = f.readline(MAX_HEADER_CHARS)
                if not more:
                    break
                first += more
    except UnicodeDecodeError as e:
        raise FileRejected(f"not UTF-8 text (byte {e.start} of the first line); re-export the file as UTF-8") from e
    if not first.strip():
        raise FileRejected("empty file: expected a header row naming the columns")
    if len(first) >= MAX_HEADER_CHARS or first.count('"') % 2 == 1:
        raise FileRejected(f"the header row is not valid CSV (longer than {MAX_HEADER_CHARS:,} characters, "
                           "or a quote that is not closed); the first row must name the columns")
    try:
        return next(csv.reader(io.StringIO(first)))
    except csv.Error:
        raise FileRejected("the header row is not valid CSV; the first row must name the columns, "
                           "comma-separated, with RFC 4180 quoting") from None


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


# DuckDB types of Parquet columns that hold one plain value; a list, struct, map or binary (BLOB)
# column would load as its text rendering.
PLAIN_PARQUET = re.compile(r"VARCHAR|BOOLEAN|U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE"
                           r"|DECIMAL\(\d+,\d+\)|DATE|TIMESTAMP(_[A-Z]+)?( WITH TIME ZONE)?|TIME( WITH TIME ZONE)?|UUID|\"NULL\"")
PARQUET_UNREADABLE = "not a readable Parquet file (truncated, damaged or not Parquet); re-export it"


def _source_relation(path: Path, kind: str, feed: Feed, con: duckdb.DuckDBPyConnection) -> tuple[str, list[str], dict[str, int]]:
    """A SQL relation over the file whose columns are c0..cN (all text), the header, and the mapping.

    `path` is the file's literal_path: DuckDB reads it literally (no character of it is a glob)."""
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
        # the file's own column names: DuckDB renames a repeated one (member_id_1)
        header = pq.read_schema(path).names
        desc = con.execute(f"describe select * from read_parquet({p})").fetchall()
    except (duckdb.Error, pa.ArrowException, OSError):
        raise FileRejected(PARQUET_UNREADABLE) from None
    mapping = _check_header(feed, header)
    not_plain = [c for c, i in mapping.items() if not PLAIN_PARQUET.fullmatch(desc[i][1])]
    if not_plain:
        raise FileRejected(f"column(s) {', '.join(not_plain)} hold lists, structures or binary data; "
                           "each column must hold one plain value per row (text, number, date or boolean). "
                           "Re-export the file")
    inner = ", ".join(f'cast("{d[0].replace(chr(34), chr(34) * 2)}" as varchar) as c{i}' for i, d in enumerate(desc))
    return f"(select {inner} from read_parquet({p}))", header, mapping


def describe_read_error(e: duckdb.Error) -> str:
    """What is wrong with a CSV file that DuckDB could not read, in words of our own.

    DuckDB's message quotes the offending line, member ids included: only the line number and the
    kind of problem are taken from it, never its text."""
    msg = str(e)
    line = re.search(r"CSV Error on Line: (\d+)", msg)
    where = f"line {line.group(1)}" if line else "a line"
    if "unicode" in msg.lower() or "utf-8" in msg.lower() or "utf8" in msg.lower():
        return f"not UTF-8 text ({where}); re-export the file as UTF-8"
    if "unterminated quote" in msg:
        return (f"not valid CSV: {where} opens a quoted value that is not closed; close every quote, and double a quote "
                "inside a quoted value (RFC 4180)")
    if counts := re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", msg):
        return (f"not valid CSV: {where} has {counts.group(2)} comma-separated fields but the header has {counts.group(1)}; "
                "every row needs as many fields as the header (quote a value that contains a comma)")
    if size := re.search(r"Maximum line size of (\d+) bytes exceeded", msg):
        return (f"not valid CSV: {where} is longer than {int(size.group(1)):,} bytes; a row that long is a quote "
                "that is not closed or a file that is not CSV")
    return (f"not valid CSV ({where}); every row needs the same number of comma-separated fields as the "
            "header, with RFC 4180 quoting and the same line ending throughout")


# --------------------------------------------------------------------------- loading


def load_tabular_file(
    con: duckdb.DuckDBPyConnection, feed: Feed, path: Path, rel_path: str, sha: str, delivery_seq: int, run_id: str
) -> FileResult:
    suffix = PurePosixPath(rel_path).suffix.lower()
    kind = TABULAR_SUFFIXES.get(suffix)
    if kind is None:
        raise FileRejected(f"unsupported file type {suffix or '(none)'!r}: a {feed.name} delivery must be .csv or .parquet")
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
        # `from None`: DuckDB's message quotes the file's text, and it goes nowhere
        raise FileRejected(PARQUET_UNREADABLE if kind == "parquet" else describe_read_error(e)) from None

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

    Content already loaded is skipped. Every other file is loaded by
    `load_one(source, rel_path, sha, delivery_seq)` in its own transaction, where `source` is a
    literal name for the file opened and hashed (literal_path); the file's type is the suffix of
    `rel_path`. A file that changed while it was read (still being written) is rolled back and
    left for the next run. A `FileRejected` rolls the file back and logs it as rejected (not
    loaded, so fixed content loads later); any other error rolls back and fails the run. Links
    and other entries that are not regular files get a rejected row and are never opened.
    """
    files, not_read = _feed_files(landing, feed_name)
    results: list[FileResult] = list(not_read)
    loaded = loaded_hashes(con)
    # Skipped files are logged together, in one transaction, before the next load and at the end:
    # a commit per file cost 0.2 s a night over the ~70 files of a national landing zone.
    pending: list[FileResult] = list(not_read)

    def log_pending() -> None:
        if pending:
            with transaction(con):
                for s in pending:
                    log_file(con, s, run_id, None)
            pending.clear()

    for path in files:
        rel_path = path.relative_to(landing).as_posix()
        r = _load_file(con, path, rel_path, feed_name, loaded, load_one, run_id, log_pending)
        if r.status == "loaded":
            loaded.add(r.sha256)
        else:
            pending.append(r)
        results.append(r)
    log_pending()
    return results


def _load_file(con, path: Path, rel_path: str, feed_name: str, loaded: set[str],
               load_one: Callable[[Path, str, str, int], FileResult], run_id: str,
               log_pending: Callable[[], None]) -> FileResult:
    """One file of load_files: its result, logged already when it loaded."""
    try:
        f = _open_file(path)
    except FileRejected as e:
        return FileResult(rel_path, feed_name, None, "rejected", message=f"{rel_path}: {e}")
    with f:
        before = _fingerprint(f)
        sha = _sha256(f)
        if sha in loaded:
            return FileResult(rel_path, feed_name, sha, "skipped_duplicate", 0, 0, 0,
                              "content already loaded (same SHA-256); nothing to do")
        log_pending()
        seq = next_delivery_seq(con)
        try:
            with transaction(con):
                r = load_one(literal_path(f), rel_path, sha, seq)
                check_unchanged(f, sha, before)
                log_file(con, r, run_id, seq)
            return r
        except FileRejected as e:
            # the transaction rolled the file back; its rejection is logged with the others
            return FileResult(rel_path, feed_name, sha, "rejected", message=f"{rel_path}: {e}")
        except FileChanged:
            return FileResult(rel_path, feed_name, None, "rejected", message=(
                f"{rel_path}: changed while it was being read (still being written?); not loaded: "
                "the next run reads it again"))


def load_feed(con: duckdb.DuckDBPyConnection, feed_name: str, landing: Path, run_id: str) -> list[FileResult]:
    """Load every new file of one tabular feed, in delivery order."""
    feed = FEEDS[feed_name]
    return load_files(
        con, landing, feed_name, run_id,
        lambda path, rel_path, sha, seq: load_tabular_file(con, feed, path, rel_path, sha, seq, run_id),
    )
