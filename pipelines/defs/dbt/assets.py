"""The SQL models of `sql/` (a dbt project) as Dagster assets, built by one `dbt build` a night.

Every dbt model is an asset keyed [schema, table] (e.g. marts/claim_findings), with its lineage
from `ref()` / `source()`: the staging sources are the feed assets of the ingest group
(the contract tables are the `staging/contracts` asset, the kit reference is
`warehouse_build`). Every dbt data test is an asset check. `dbt build` tests each model right
after building it and skips what depends on a model whose test failed; a failed test (severity
error) fails the step, so the reports and publishing never run and the published warehouse stays
as it was.

dbt's unit tests are left to `make test` (tests/pipeline/test_dbt_project.py): they test the SQL,
which does not change from night to night (docs/decisions.md).
"""

import contextlib
import hashlib
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import dagster as dg
import platformdirs
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from packaging import version

from pipelines.defs.dbt.project import dbt_executable, docs_site, manifest_path, project_dir, state_dir
from pipelines.warehouse import WarehouseResource

# staging tables the contracts asset writes
CONTRACT_TABLES = {"contracts", "contract_milestones", "contract_criteria", "contract_payment_terms",
                   "contract_installments"}
# the step's name; bench/run.py counts steps named core__* / marts__* as the models' time
STEP_NAME = "marts__dbt_build"
# dbt's log lines already reach the run's log through Dagster, and nothing reads run_results.json:
# skipping dbt's own log file and JSON artifacts saves about 2 s a night at 10,000 episodes
NIGHTLY_FLAGS = ("--log-level-file", "none", "--no-write-json")


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys and groups of the dbt nodes, as the rest of the pipeline names them."""

    def __init__(self) -> None:
        # the contract tables are one asset
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_duplicate_source_asset_keys=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        props = dbt_resource_props
        if props["resource_type"] == "source":
            if props["source_name"] == "reference":
                return dg.AssetKey("warehouse_build")
            name = props["name"]
            return dg.AssetKey(["staging", "contracts" if name in CONTRACT_TABLES else name])
        return dg.AssetKey([props["schema"], props["alias"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str:
        # fqn: project, domain folder, layer folder, model name
        fqn = dbt_resource_props["fqn"]
        return fqn[1] if len(fqn) > 2 else "ingest"


def dbt_target_path(warehouse: WarehouseResource) -> Path:
    """Where dbt keeps its artifacts, logs and partial-parse cache for this warehouse: a cache
    folder of its own (not beside the warehouse, which holds only what analysts open), kept from
    night to night so that dbt re-parses only what changed."""
    key = hashlib.sha256(str(warehouse.build_path).encode()).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("oba")) / "dbt-runs" / key


def dbt_environment(warehouse: WarehouseResource) -> dict[str, str]:
    """What the night's dbt reads from its environment (sql/profiles.yml, sql/models/as_of_date.sql).

    Environment variables, not `--vars`: dbt re-parses the whole project whenever its `--vars`
    change (about 5 s a night), but only the files that read an environment variable that changed."""
    return {"OBA_DBT_BUILD_FILE": str(warehouse.build_path), "OBA_DBT_MEMORY_LIMIT": warehouse.memory_limit,
            "OBA_DBT_AS_OF": warehouse.as_of_date.isoformat()}


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for what runs inside (dbt runs as a child process that inherits
    them), then put back what was there."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class NightlyDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt command, without two things it does before every dbt command that this
    project does not use (dagster-dbt 0.29, pinned):

    - it runs `dbt --version` to tell dbt Core from dbt Fusion, and dbt Core's `--version` asks
      PyPI for the latest release: a call home from a payer's network, and about 3 s a night.
      The version is the installed dbt-core's, read from its package metadata;
    - it loads dbt's adapter into this process (about 4 s) for `fetch_row_counts` and
      `fetch_column_metadata`, which the nightly job does not call.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource(project: Path | None = None) -> DbtCliResource:
    project = project or project_dir()
    return NightlyDbtCliResource(project_dir=str(project), profiles_dir=str(project),
                                 dbt_executable=dbt_executable())


def dbt_models_asset(project: Path | None = None) -> dg.AssetsDefinition:
    project = project or project_dir()

    @dbt_assets(manifest=manifest_path(project), dagster_dbt_translator=WarehouseTranslator(),
                name=STEP_NAME, pool="warehouse")
    def _dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                    warehouse: WarehouseResource) -> Iterator[Any]:
        # dbt opens the build file in its own process: the run's connection must be closed first
        warehouse.release()
        with environment(dbt_environment(warehouse)):
            yield from dbt.cli(["build", "--exclude", "test_type:unit", *NIGHTLY_FLAGS], context=context,
                               target_path=dbt_target_path(warehouse)).stream()

    return _dbt_models


def docs_dir(warehouse: WarehouseResource) -> Path:
    """Where analysts find the dbt documentation site: `docs/` beside the warehouse file."""
    return warehouse.published_path.parent / "docs"


def dbt_docs_asset(project: Path | None = None) -> dg.AssetsDefinition:
    project = project or project_dir()

    @dg.asset(
        key="dbt_docs",
        deps=[dg.AssetKey("published_warehouse")],
        group_name="publish",
        kinds={"dbt", "html"},
        description="The dbt documentation site of the SQL layer (lineage, every model's and column's "
        "description, the tests) as one HTML file that opens offline: <warehouse dir>/docs/index.html. "
        "Written after the warehouse is published, when the dbt project changed; the site is generated once "
        "per version of the project and kept with its manifest.",
    )
    def _dbt_docs(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        folder = docs_dir(warehouse)
        project_version = state_dir(project).name
        stamp = folder / "project_version.txt"
        if stamp.exists() and stamp.read_text().strip() == project_version and (folder / "index.html").exists():
            return dg.MaterializeResult(metadata={"regenerated": False, "site": dg.MetadataValue.path(str(folder))})
        folder.mkdir(parents=True, exist_ok=True)
        site = docs_site(project)
        partial = folder / ".index.html.partial"  # what a failed copy leaves is overwritten next time
        shutil.copyfile(site, partial)
        os.chmod(partial, 0o644)
        os.replace(partial, folder / "index.html")
        stamp.write_text(project_version + "\n")
        return dg.MaterializeResult(metadata={"regenerated": True, "site": dg.MetadataValue.path(str(folder))})

    return _dbt_docs
