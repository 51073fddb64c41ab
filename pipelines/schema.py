"""DDL of the tables every layer relies on: audit, raw, staging, ref.

The staging tables are the interface between ingestion and the SQL models in
`sql/`: every model reads `staging.<feed>` (the current row per natural key,
typed exactly as spec/feeds.md says) and the contract tables below.
"""

from __future__ import annotations

import duckdb

from pipelines import REFERENCE_DIR
from pipelines.defs.ingest.feeds import FEEDS, staging_ddl

SCHEMAS = ("audit", "raw", "staging", "ref", "core", "marts")

AUDIT_DDL = [
    """create table if not exists audit.load_log (
        file_path varchar not null,
        feed varchar not null,
        sha256 varchar,                   -- null when the file was not read (a link, a file outside the feed folders)
        status varchar not null,          -- loaded | skipped_duplicate | rejected
        rows_read bigint,
        rows_loaded bigint,
        rows_quarantined bigint,
        message varchar,
        loaded_at timestamp not null,
        delivery_seq bigint,              -- set on loaded files: the delivery order across runs
        run_id varchar not null
    )""",
    # a warehouse published before: every file is hashed each run (its stat no longer stands for its
    # content), and a file that is not read has no SHA-256
    *(f"alter table audit.load_log drop column if exists {c}" for c in ("file_size", "file_mtime_ns", "file_inode")),
    "alter table audit.load_log alter column sha256 drop not null",
    """create table if not exists audit.quarantine (
        feed varchar not null,
        file_path varchar not null,
        row_number bigint not null,
        reason varchar not null,
        record json,
        delivery_seq bigint,
        run_id varchar not null
    )""",
    """create table if not exists audit.runs (
        run_id varchar primary key,
        started_at timestamp not null,
        finished_at timestamp,
        as_of_date date not null,
        landing_dir varchar,
        status varchar not null
    )""",
]

# Contracts (spec/contracts.md, payments.md), validated in Python and landed as
# joinable tables. Only the current delivery of each contract_id is kept here;
# every delivery stays in staging.contract_files.
CONTRACT_DDL = [
    """create table if not exists staging.contract_files (
        contract_id varchar not null,
        file_path varchar not null,
        sha256 varchar not null,
        _delivery_seq bigint not null,
        document json not null
    )""",
    """create table if not exists staging.contracts (
        contract_id varchar primary key,
        payer_id varchar not null,
        product_hcpcs varchar not null,
        effective_from date not null,
        effective_to date,
        price_basis decimal(18,2) not null,
        refund_cap_pct decimal(9,4) not null,
        refund_due_days integer not null,
        missing_evidence varchar not null,        -- no_refund | refund
        assessment_selection varchar not null,    -- closest_to_due | best
        baseline_window_days integer not null,
        _delivery_seq bigint not null,
        _file_path varchar not null
    )""",
    # identity.md: continue | stop. Added after the table's first columns so that a warehouse published
    # before gets it too (its contracts were all `continue`, the default)
    "alter table staging.contracts add column if not exists on_disenrollment varchar default 'continue'",
    """create table if not exists staging.contract_milestones (
        contract_id varchar not null,
        timepoint_months integer not null,
        window_days_before integer not null,
        window_days_after integer not null,
        refund_pct decimal(9,4) not null,
        primary key (contract_id, timepoint_months)
    )""",
    # The criteria tree of each milestone, one row per node. The root has
    # node_id 1 and parent_node_id null; `position` orders siblings.
    #   kind: all | any | alive | ventilator_free_survival | score_min | score_gain | motor_milestone
    #   instrument: for score_min / score_gain;  threshold: value (score_min) or points (score_gain)
    #   milestone: for motor_milestone
    """create table if not exists staging.contract_criteria (
        contract_id varchar not null,
        timepoint_months integer not null,
        node_id integer not null,
        parent_node_id integer,
        position integer not null,
        depth integer not null,
        kind varchar not null,
        instrument varchar,
        threshold integer,
        milestone varchar,
        primary key (contract_id, timepoint_months, node_id)
    )""",
    # spec/payments.md: the claim deadline and the `payment` block's terms, one row per contract
    # (all null: no deadline, no installments); installments numbered 1.. by months_after_infusion
    """create table if not exists staging.contract_payment_terms (
        contract_id varchar primary key,
        claim_submission_days integer,            -- null: no claim deadline
        installment_due_days integer,             -- null: no payment block
        refund_settlement varchar                 -- offset | cash; null: no payment block
    )""",
    """create table if not exists staging.contract_installments (
        contract_id varchar not null,
        installment_number integer not null,
        months_after_infusion integer not null,
        amount decimal(18,2) not null,
        primary key (contract_id, installment_number)
    )""",
]


def raw_ddl(feed_name: str) -> list[str]:
    """Every row ever delivered, as text: the table and the view analysts read.

    `raw.<feed>_rows` stores the rows in file order (DuckDB keeps insertion
    order, and one file is one INSERT, so a delivery's rowids are contiguous and
    never change: raw is append-only). Numbering rows while loading would need a
    window over the whole file, the most expensive step of a large load; the view
    `raw.<feed>` derives the 1-based `_row_number` from the rowid instead.
    """
    feed = FEEDS[feed_name]
    cols = [f'"{c}" varchar' for c in feed.column_names]
    cols += ["_delivery_seq bigint", "_file_path varchar"]
    return [
        f"create table if not exists raw.{feed_name}_rows (\n  " + ",\n  ".join(cols) + "\n)",
        f"""create view if not exists raw.{feed_name} as
            select *, rowid - min(rowid) over (partition by _delivery_seq) + 1 as _row_number
            from raw.{feed_name}_rows""",
    ]


def _move_raw_table_behind_view(con: duckdb.DuckDBPyConnection, feed_name: str) -> None:
    """A warehouse built before raw.<feed> became a view has it as a table with a
    stored _row_number: move its rows, in delivery and file order, to
    raw.<feed>_rows so the view numbers them the same, then drop the table."""
    kind = con.execute(
        "select table_type from information_schema.tables where table_schema = 'raw' and table_name = ?",
        [feed_name],
    ).fetchall()
    if kind != [("BASE TABLE",)]:
        return
    con.execute(raw_ddl(feed_name)[0])
    con.execute(
        f"""insert into raw.{feed_name}_rows
            select * exclude (_row_number) from raw.{feed_name} order by _delivery_seq, _row_number"""
    )
    con.execute(f"drop table raw.{feed_name}")


def create_all(con: duckdb.DuckDBPyConnection) -> None:
    """Create every schema and base table (idempotent)."""
    for s in SCHEMAS:
        con.execute(f"create schema if not exists {s}")
    for ddl in AUDIT_DDL + CONTRACT_DDL:
        con.execute(ddl)
    for name, feed in FEEDS.items():
        # every row ever delivered, as text ...
        _move_raw_table_behind_view(con, name)
        for ddl in raw_ddl(name):
            con.execute(ddl)
        # ... and, typed, the current row per natural key (the latest delivery wins)
        con.execute(staging_ddl(feed, f"staging.{name}"))
    load_reference(con)


def load_reference(con: duckdb.DuckDBPyConnection) -> None:
    """The 37 ZOLGENSMA kits (manufacturer's coding guide), exact decimals."""
    path = (REFERENCE_DIR / "zolgensma_kits.csv").as_posix()
    con.execute(
        f"""
        create or replace table ref.zolgensma_kits as
        select
            cast(weight_min_kg as decimal(4,1)) as weight_min_kg,
            cast(weight_max_kg as decimal(4,1)) as weight_max_kg,
            cast(dose_volume_ml as decimal(6,1)) as dose_volume_ml,
            cast(vials_5_5ml as integer) as vials_5_5ml,
            cast(vials_8_3ml as integer) as vials_8_3ml,
            cast(vials_total as integer) as vials_total,
            ndc_10,
            ndc_11 as ndc                 -- 5-4-2 with dashes, as claims are normalised
        from read_csv('{path}', all_varchar = true, header = true)
        """
    )
