"""The last steps of a run: publish the warehouse file, then write the payer reports."""


import datetime as dt

import dagster as dg

from pipelines.warehouse import WarehouseResource


def publish_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key="published_warehouse",
        deps=upstream,
        group_name="publish",
        kinds={"duckdb"},
        description="Checkpoints the build file and atomically replaces the published warehouse with it. "
        "Runs only when every upstream asset and blocking check succeeded.",
        pool="warehouse",
    )
    def _publish(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            con.execute(
                "update audit.runs set finished_at = ?, status = 'published' where run_id = ?",
                [dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), context.run_id],
            )
        path = warehouse.publish()
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path))})

    return _publish


@dg.asset(
    deps=["published_warehouse"],
    group_name="reports",
    kinds={"excel", "html", "csv"},
    description="One reconciliation report per payer (xlsx, csv, html) in <warehouse dir>/reports/, "
    "written from the published file so the morning after a run they are there.",
)
def payer_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from pipelines.defs.reports.writer import write_all_reports

    out_dir = warehouse.published_path.parent / "reports"
    paths = write_all_reports(warehouse.published_path, out_dir)
    return dg.MaterializeResult(metadata={"reports": len(paths), "folder": dg.MetadataValue.path(str(out_dir))})
