"""The `nightly` job, its 02:00 schedule and a landing-zone sensor (off by default)."""


import hashlib
import os

import dagster as dg

from pipelines.defs.ingest.feeds import ALL_FEEDS
from pipelines.defs.ingest.loader import discover
from pipelines.warehouse import default_resource

# One process writes DuckDB: every step runs in this process, one after another.
nightly_job = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Load what is new in the landing zone, rebuild every mart as of the as-of date, "
    "check data quality, publish the warehouse and write the payer reports.",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_0200",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    execution_timezone=os.environ.get("OBA_SCHEDULE_TZ", "America/New_York"),
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def landing_fingerprint(landing) -> str:
    h = hashlib.sha256()
    for feed in ALL_FEEDS:
        for p in discover(landing, feed):
            st = p.stat()
            h.update(f"{p.relative_to(landing).as_posix()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


@dg.sensor(
    job=nightly_job,
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts the nightly job when files in the landing zone change (off by default).",
)
def landing_zone_sensor(context: dg.SensorEvaluationContext):
    fingerprint = landing_fingerprint(default_resource().landing)
    if fingerprint == context.cursor:
        return dg.SkipReason("no new files in the landing zone")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint)
