"""The one Dagster entry point: `dagster dev -m pipelines.definitions`."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.claims.models import MODELS as CLAIM_MODELS
from pipelines.defs.ingest.assets import FEED_ASSETS, contracts, warehouse_build
from pipelines.defs.milestones.models import MODELS as MILESTONE_MODELS
from pipelines.defs.publish import payer_reports_asset, publish_asset
from pipelines.defs.quality.checks import GX_CHECKS
from pipelines.defs.refunds.models import MODELS as REFUND_MODELS
from pipelines.defs.schedules import landing_zone_sensor, nightly_job, nightly_schedule
from pipelines.defs.sql_assets import sql_model_assets
from pipelines.warehouse import default_resource

SQL_ASSETS = [
    *sql_model_assets(CLAIM_MODELS, "claims", "Claims domain (spec/claims.md)."),
    *sql_model_assets(MILESTONE_MODELS, "milestones", "Milestones domain (spec/contracts.md)."),
    *sql_model_assets(REFUND_MODELS, "refunds", "Refunds and reconciliation (spec/contracts.md, outputs.md)."),
]

_upstream = [a.key for a in [*FEED_ASSETS, contracts, *SQL_ASSETS]]

defs = dg.Definitions(
    assets=[warehouse_build, *FEED_ASSETS, contracts, *SQL_ASSETS, payer_reports_asset(_upstream), publish_asset(_upstream)],
    asset_checks=GX_CHECKS,
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[landing_zone_sensor],
    resources={"warehouse": default_resource()},
)
