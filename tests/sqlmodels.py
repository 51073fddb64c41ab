"""Run the dbt project's models (sql/) on a test's own DuckDB connection.

A `dbt build` per test would make the suite take hours, so the project is compiled once (per
version of its files: the compiled manifest is cached beside the parsed one) and each test runs
the compiled SELECTs in the manifest's dependency order, as dbt materialises them:
`create or replace table <schema>.<table> as ...`, then the descriptions as COMMENTs (what
persist_docs does). The nightly job runs the same SQL through dbt itself.

The as-of date lives in the one-row table core.as_of_date (sql/models/as_of_date.sql); tests set
it with `set_as_of` and never run that model.
"""

from __future__ import annotations

import datetime as dt
import functools
import graphlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import duckdb

from pipelines.defs.dbt.project import dbt_command, project_dir, state_dir
from pipelines.transaction import transaction

DOMAINS = ("identity", "claims", "milestones", "refunds", "payments")
# models of another domain that a domain reads and that no test builds as a colleague's table:
# marts.refund_reconciliation reads the refunds settled against installments
READS_FROM_OTHER_DOMAINS = {"refunds": ("payments__episode_installments", "payments__refund_offsets")}


@functools.cache
def manifest() -> dict:
    """The compiled manifest of the project (compiled at most once per version of its files)."""
    project = project_dir()
    state = state_dir(project)
    compiled = state.with_name(state.name + "-compiled") / "manifest.json"
    if not compiled.exists():
        state.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=state.parent, prefix=".compiling-"))
        try:
            done = subprocess.run(dbt_command(project, "compile", target_path=work), capture_output=True, text=True)
            assert done.returncode == 0, f"dbt compile failed:\n{done.stdout[-4000:]}"
            work.rename(compiled.parent)
        except OSError:
            if not compiled.exists():  # unless another process compiled the same project meanwhile
                raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return json.loads(compiled.read_text())


@functools.cache
def ordered_models() -> list[dict]:
    """Every model that makes a table but as_of_date, each after the models it reads (ties by name).
    Ephemeral models (the claim finding rules) are inlined into the compiled SQL of their readers."""
    nodes = {k: n for k, n in manifest()["nodes"].items()
             if n["resource_type"] == "model" and n["config"]["materialized"] != "ephemeral"}
    graph = graphlib.TopologicalSorter()
    for key in sorted(nodes):
        graph.add(key, *sorted(d for d in nodes[key]["depends_on"]["nodes"] if d in nodes))
    order = [nodes[k] for k in graph.static_order()]
    return [n for n in order if n["name"] != "as_of_date"]


def model(name: str) -> dict:
    found = [n for n in ordered_models() if n["name"] == name]
    assert found, f"no model {name} in sql/models"
    return found[0]


def domain_models(domain: str) -> list[str]:
    """The models of one domain folder (sql/models/<domain>/), in dependency order."""
    assert domain in DOMAINS, domain
    return [n["name"] for n in ordered_models() if n["fqn"][1] == domain]


def set_as_of(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    con.execute("create schema if not exists core")
    con.execute(f"create or replace table core.as_of_date as select date '{as_of.isoformat()}' as as_of_date")


def _quote(text: str) -> str:
    return "'" + " ".join(str(text).split()).replace("'", "''") + "'"


def run_model(con: duckdb.DuckDBPyConnection, name: str) -> None:
    node = model(name)
    table = f"{node['schema']}.{node['alias']}"
    con.execute(f"create schema if not exists {node['schema']}")
    con.execute(f"create or replace table {table} as\n{node['compiled_code']}")
    with transaction(con):
        if node["description"]:
            con.execute(f"comment on table {table} is {_quote(node['description'])}")
        for column in node["columns"].values():
            con.execute(f'comment on column {table}."{column["name"]}" is {_quote(column["description"])}')


def run_models(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """Run the named models (or every model of a domain, named by its folder) in dependency order.
    The identity models (every feed keyed by the person, identity.md) always run too: every rule
    reads the feeds through them."""
    wanted = {m for name in [*names, "identity"]
              for m in ([*domain_models(name), *READS_FROM_OTHER_DOMAINS.get(name, ())] if name in DOMAINS
                        else [model(name)["name"]])}
    for node in ordered_models():
        if node["name"] in wanted:
            run_model(con, node["name"])
