"""Dagster assets for SQL models: one asset per `sql/<schema>/<name>.sql`.

The asset key is [schema, name]; its upstream assets are read from the SQL
itself (every `staging.x`, `core.x`, `marts.x`, `ref.x` it names), so the
graph in the UI is the real lineage and nobody maintains it by hand.
"""


import re

import dagster as dg

from pipelines.sqlmodels import model_path, run_model
from pipelines.warehouse import WarehouseResource

_TABLE_REF = re.compile(r"\b(staging|core|marts|ref)\.([a-z_][a-z0-9_]*)\b", re.I)

CONTRACT_TABLES = {"contracts", "contract_milestones", "contract_criteria", "contract_files"}


def upstream_key(schema: str, table: str) -> dg.AssetKey:
    schema, table = schema.lower(), table.lower()
    if schema == "ref":
        return dg.AssetKey("warehouse_build")
    if schema == "staging":
        if table in CONTRACT_TABLES:
            return dg.AssetKey(["staging", "contracts"])
        return dg.AssetKey(["staging", table])
    return dg.AssetKey([schema, table])


def model_deps(model: str) -> list[dg.AssetKey]:
    sql = re.sub(r"--[^\n]*", "", model_path(model).read_text())
    own = tuple(model.split("/"))
    keys = {upstream_key(s, t) for s, t in _TABLE_REF.findall(sql) if (s.lower(), t.lower()) != own}
    return sorted(keys, key=lambda k: k.to_user_string())


def sql_model_asset(model: str, group: str, description: str = "") -> dg.AssetsDefinition:
    schema, name = model.split("/")

    @dg.asset(
        key=[schema, name],
        deps=model_deps(model),
        group_name=group,
        kinds={"duckdb", "sql"},
        description=f"{description} Built by sql/{model}.sql.".strip(),
        pool="warehouse",
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.connect() as con:
            rows = run_model(con, model)
        return dg.MaterializeResult(metadata={"rows": rows, "sql": f"sql/{model}.sql"})

    return _asset


def sql_model_assets(models: list[str], group: str, description: str = "") -> list[dg.AssetsDefinition]:
    return [sql_model_asset(m, group, description) for m in models]
