"""Ingestion assets: the build file, one asset per feed, and the contracts."""


import datetime as dt

import dagster as dg

from pipelines.defs.ingest.contracts import load_contracts
from pipelines.defs.ingest.feeds import ALL_FEEDS, FEEDS
from pipelines.defs.ingest.loader import FileResult, check_landing, load_feed, log_file, survey_landing
from pipelines.warehouse import WarehouseResource


@dg.asset(
    group_name="ingest",
    kinds={"duckdb"},
    description="Starts a run: checks that the landing zone has feed folders, copies the published "
    "warehouse to the build file (history accumulates), creates every base table and the ZOLGENSMA kit "
    "reference, and logs as rejected what lies outside the feed folders.",
    pool="warehouse",
)
def warehouse_build(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    check_landing(warehouse.landing, ALL_FEEDS)  # the wrong folder fails the run before anything is built
    warehouse.prepare_build()
    outside = survey_landing(warehouse.landing, ALL_FEEDS)
    with warehouse.connect() as con:
        con.execute(
            "insert or replace into audit.runs values (?, ?, null, ?, ?, 'running')",
            [context.run.run_id, dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), warehouse.as_of_date,
             str(warehouse.landing)],
        )
        for r in outside:
            log_file(con, r, context.run.run_id, None)
    for r in outside:
        context.log.warning(f"not read: {r.message}")
    return dg.MaterializeResult(
        metadata={"build_file": str(warehouse.build_path), "as_of": warehouse.as_of_date.isoformat(),
                  "entries_outside_feed_folders": len(outside)}
    )


def _file_metadata(results: list[FileResult]) -> dict:
    by = lambda s: [r for r in results if r.status == s]  # noqa: E731
    loaded, rejected = by("loaded"), by("rejected")
    return {
        "files_loaded": len(loaded),
        "files_skipped_duplicate": len(by("skipped_duplicate")),
        "files_rejected": len(rejected),
        "rows_loaded": sum(r.rows_loaded or 0 for r in loaded),
        "rows_quarantined": sum(r.rows_quarantined or 0 for r in loaded),
        "rejected": dg.MetadataValue.md("\n".join(f"- {r.message}" for r in rejected) or "none"),
    }


def _feed_asset(feed_name: str) -> dg.AssetsDefinition:
    feed = FEEDS[feed_name]

    @dg.asset(
        key=["staging", feed_name],
        deps=[warehouse_build],
        group_name="ingest",
        kinds={"duckdb", "csv", "parquet"},
        description=f"{feed.description} Loads new files of <landing>/{feed_name}/ into raw.{feed_name} "
        f"(as delivered), types them (bad rows to audit.quarantine) and keeps the current row per natural "
        f"key ({', '.join(feed.key)}) in staging.{feed_name}: the later delivery wins.",
        pool="warehouse",
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            results = load_feed(con, feed_name, warehouse.landing, context.run.run_id)
            current = con.execute(f"select count(*) from staging.{feed_name}").fetchall()[0][0]
        for r in results:
            if r.status == "rejected":
                context.log.warning(f"rejected {r.message}")
        return dg.MaterializeResult(metadata={**_file_metadata(results), "current_rows": current})

    return _asset


FEED_ASSETS = [_feed_asset(f) for f in FEEDS]


@dg.asset(
    key=["staging", "contracts"],
    deps=[warehouse_build],
    group_name="ingest",
    kinds={"duckdb", "yaml"},
    description="Outcomes-based contracts (<landing>/contracts/*.yaml), validated, landed as "
    "staging.contracts, staging.contract_milestones and staging.contract_criteria.",
    pool="warehouse",
)
def contracts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        results = load_contracts(con, warehouse.landing, context.run.run_id)
        current = con.execute("select count(*) from staging.contracts").fetchall()[0][0]
    for r in results:
        if r.status == "rejected":
            context.log.warning(f"rejected {r.message}")
    return dg.MaterializeResult(metadata={**_file_metadata(results), "contracts": current})
