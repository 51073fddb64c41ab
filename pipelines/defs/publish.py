"""The last steps of a run: write the payer reports from the build file, then publish both.

The reports are written before the warehouse is published, into a folder beside
the build file, so that a report that cannot be written fails the run while the
published warehouse and the published reports are still last night's (spec
outputs.md: a run that fails leaves the last published file untouched). Publishing
replaces the warehouse file atomically, then moves the run's data-quality page
and each new report over its predecessor (each move atomic too). The page, too,
is written beside the build file just before publishing (pipelines/defs/quality/page.py).
"""


import datetime as dt
import os
import shutil
from pathlib import Path

import dagster as dg

from pipelines.defs.quality.checks import quality_build_page, quality_page
from pipelines.defs.quality.page import check_results, install_page, write_page
from pipelines.warehouse import WarehouseResource


def reports_dir(warehouse: WarehouseResource) -> Path:
    """Where analysts find the published reports: `reports/` beside the warehouse file."""
    return warehouse.published_path.parent / "reports"


def reports_build_dir(warehouse: WarehouseResource) -> Path:
    """Where a run writes its reports until it publishes: beside its build file."""
    return warehouse.build_path.with_name(warehouse.build_path.name + ".reports")


def check_reports_target(built: Path, published: Path) -> None:
    """Make sure the reports can be moved into `published`, before the warehouse is replaced:
    what can be found wrong here fails the run while nothing is published yet."""
    try:
        published.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RuntimeError(f"the reports folder {published} cannot be created ({e.strerror}); "
                           "make it a writable folder and run again") from e
    if not os.access(published, os.W_OK | os.X_OK):
        raise RuntimeError(f"the reports folder {published} is not writable; make it writable and run again")
    if blocked := sorted(r.name for r in built.iterdir() if (published / r.name).is_dir()):
        raise RuntimeError(f"folders in {published} have the names of reports ({', '.join(blocked)}); "
                           "move them away and run again")


def install_reports(built: Path, published: Path) -> list[Path]:
    """Move every report of `built` into `published` (replacing its namesake), then remove `built`."""
    moved = []
    for report in sorted(built.iterdir()):
        target = published / report.name
        os.replace(report, target)
        moved.append(target)
    built.rmdir()
    return moved


def payer_reports_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key="payer_reports",
        deps=upstream,
        group_name="reports",
        kinds={"excel", "html", "csv"},
        description="One reconciliation report per payer (xlsx, csv, html), written from the build file "
        "beside it; `published_warehouse` moves them into <warehouse dir>/reports/ when it publishes.",
    )
    def _payer_reports(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from pipelines.defs.reports.writer import write_all_reports

        built = reports_build_dir(warehouse)
        shutil.rmtree(built, ignore_errors=True)  # what a failed run left
        # The reports read the build file read-only, from this process and a helper one: the
        # run's read-write connection must be closed first (closing it checkpoints the file).
        warehouse.release()
        paths = write_all_reports(warehouse.build_path, built)
        return dg.MaterializeResult(metadata={"reports": len(paths),
                                              "folder": dg.MetadataValue.path(str(reports_dir(warehouse)))})

    return _payer_reports


def publish_asset(upstream: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key="published_warehouse",
        deps=[*upstream, dg.AssetKey("payer_reports")],
        group_name="publish",
        kinds={"duckdb"},
        description="Checkpoints the build file and atomically replaces the published warehouse with it, "
        "then moves the run's data-quality page and reports into place. Runs only when every upstream asset "
        "and blocking check succeeded and every report was written.",
        pool="warehouse",
    )
    def _publish(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        built_page, page = quality_build_page(warehouse), quality_page(warehouse)
        with warehouse.connect() as con:
            con.execute(
                "update audit.runs set finished_at = ?, status = 'published' where run_id = ?",
                [dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), context.run.run_id],
            )
            write_page(con, context.run.run_id, check_results(context.instance, context.run.run_id), built_page, page)
        built, published = reports_build_dir(warehouse), reports_dir(warehouse)
        check_reports_target(built, published)
        path = warehouse.publish()
        install_page(built_page, page)
        reports = install_reports(built, published)
        return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path)), "reports": len(reports),
                                              "data_quality_page": dg.MetadataValue.path(str(page))})

    return _publish
