"""The one Dagster entry point: `dagster dev -m pipelines.definitions`."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.defs.dbt.assets import dbt_docs_asset, dbt_models_asset, dbt_resource
from pipelines.defs.ingest.assets import FEED_ASSETS, contracts, warehouse_build
from pipelines.defs.publish import payer_reports_asset, publish_asset
from pipelines.defs.quality.checks import GX_CHECKS
from pipelines.defs.schedules import landing_zone_sensor, nightly_job, nightly_schedule
from pipelines.runtime import collect_garbage_less_often
from pipelines.warehouse import default_resource

# the processes that load these definitions to run the job (the daemon's runs, `dagster dev`);
# `oba run` sets it earlier, before it imports this module (pipelines/cli.py execute_nightly)
collect_garbage_less_often()


def make_definitions(dbt_project: Path | None = None) -> dg.Definitions:
    """The pipeline's definitions; `dbt_project` is the SQL project's folder (default: sql/,
    or OBA_DBT_PROJECT_DIR)."""
    models = dbt_models_asset(dbt_project)
    upstream = [*(a.key for a in [*FEED_ASSETS, contracts]), *models.keys]
    return dg.Definitions(
        assets=[warehouse_build, *FEED_ASSETS, contracts, models,
                payer_reports_asset(upstream), publish_asset(upstream), dbt_docs_asset(dbt_project)],
        asset_checks=GX_CHECKS,
        jobs=[nightly_job],
        schedules=[nightly_schedule],
        sensors=[landing_zone_sensor],
        resources={"warehouse": default_resource(), "dbt": dbt_resource(dbt_project)},
    )


defs = make_definitions()
