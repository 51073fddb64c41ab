"""Installed from a wheel, every command works from any directory (spec outputs.md "The command",
issue 16): the wheel carries the SQL models, the expectation suites and the reference data, and a
nightly run of the installed package publishes the same figures as a run from the checkout.

The wheel is built from a copy of the checkout (so the build leaves nothing in it) and installed
with `--target` into a folder that is the only place `pipelines` can be imported from; every
command then runs from a temporary directory with the project venv's interpreter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines import PROJECT_ROOT
from pipelines.cli import main
from pipelines.read_only import open_read_only

_NOT_BUILT_FROM_ANYWHERE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "warehouse",
                                                 "__pycache__", ".pytest_cache", ".hypothesis")


def not_built_from(folder: str, names: list[str]) -> set[str]:
    """What the wheel is not built from: tools' folders anywhere, and the checkout's own tests and
    samples (but not sql/tests, the dbt project's data tests, which the wheel ships)."""
    top = {"tests", "data_samples"} if Path(folder) == PROJECT_ROOT else set()
    return set(_NOT_BUILT_FROM_ANYWHERE(folder, names)) | (top & set(names))


def _run(args: list[str], cwd: Path, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{args} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """The wheel installed into a folder of its own; the environment that imports only from it."""
    root = tmp_path_factory.mktemp("install")
    source = root / "source"
    shutil.copytree(PROJECT_ROOT, source, ignore=not_built_from)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "--wheel-dir", str(root / "wheel"), str(source)], cwd=root)
    (wheel,) = (root / "wheel").glob("oba_pipeline-*.whl")
    site = root / "site"
    _run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)],
         cwd=root)
    env = {**os.environ, "PYTHONPATH": str(site)}
    for name in ("OBA_LANDING_DIR", "OBA_WAREHOUSE", "OBA_AS_OF", "DAGSTER_HOME"):
        env.pop(name, None)
    work = root / "elsewhere"
    work.mkdir()
    return {"site": site, "env": env, "cwd": work, "oba": [sys.executable, str(site / "bin" / "oba")]}


def published_figures(warehouse: Path) -> dict:
    """Every mart's row count and the sum of each of its money (DECIMAL) columns, as published."""
    con = open_read_only(warehouse)
    try:
        figures = {}
        tables = con.execute("select table_name from duckdb_tables() where database_name = 'warehouse' "
                             "and schema_name = 'marts' order by 1").fetchall()
        for (table,) in tables:
            money = [c for (c,) in con.execute(
                "select column_name from duckdb_columns() where database_name = 'warehouse' and schema_name = 'marts' "
                "and table_name = ? and data_type like 'DECIMAL%' order by column_index", [table]).fetchall()]
            sums = "".join(f', sum("{c}")' for c in money)
            row = con.execute(f'select count(*){sums} from marts."{table}"').fetchall()[0]
            figures[table] = dict(zip(["rows", *money], row))
        return figures
    finally:
        con.close()


def test_the_installed_package_is_imported_from_the_install_not_the_checkout(installed):
    proc = _run([sys.executable, "-c", "import pipelines; print(pipelines.SQL_DIR); print(pipelines.EXPECTATIONS_DIR)"],
                cwd=installed["cwd"], env=installed["env"])
    sql_dir, expectations_dir = (Path(line) for line in proc.stdout.split())
    assert sql_dir.is_relative_to(installed["site"]) and expectations_dir.is_relative_to(installed["site"])
    # the build ships every file of the two folders, whatever they hold
    for folder, shipped in ((PROJECT_ROOT / "sql", sql_dir), (PROJECT_ROOT / "expectations", expectations_dir)):
        in_checkout = {p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
        assert in_checkout and in_checkout <= {p.relative_to(shipped) for p in shipped.rglob("*") if p.is_file()}


def test_the_installed_nightly_run_from_another_directory_publishes_the_checkouts_figures(installed, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(PROJECT_ROOT / "data_samples" / "landing", landing)
    proc = _run([*installed["oba"], "run", "--landing", str(landing), "--warehouse", "out/oba.duckdb",
                 "--as-of", "2026-11-21"], cwd=installed["cwd"], env=installed["env"])
    from_wheel = installed["cwd"] / "out" / "oba.duckdb"
    assert f"Published {from_wheel}" in proc.stdout

    from_checkout = tmp_path / "checkout" / "oba.duckdb"
    assert main(["run", "--landing", str(landing), "--warehouse", str(from_checkout), "--as-of", "2026-11-21"]) == 0
    figures = published_figures(from_wheel)
    assert figures["milestone_status"]["rows"] > 0 and figures["payer_summary"]["refunds_due_amount"] > 0
    assert figures == published_figures(from_checkout)

    # the other commands, installed, from the same directory
    proc = _run([*installed["oba"], "report", "--payer", "ACME", "--format", "csv", "--out", "ad_hoc",
                 "--warehouse", "out/oba.duckdb"], cwd=installed["cwd"], env=installed["env"])
    assert (installed["cwd"] / "ad_hoc" / "oba_report_ACME.csv").is_file()
    _run([*installed["oba"], "synth", "--episodes", "3", "--days", "2", "--out", "synthetic"],
         cwd=installed["cwd"], env=installed["env"])
    assert any((installed["cwd"] / "synthetic" / "claims").iterdir())


def test_the_installed_dagster_definitions_load_from_another_directory(installed):
    # what `dagster dev -m pipelines.definitions` loads; validate exits 1 when the code location fails
    home = installed["cwd"] / "dagster_home"
    home.mkdir()
    env = {**installed["env"], "DAGSTER_HOME": str(home)}
    proc = _run([sys.executable, "-c", "import pipelines.definitions as d; print(d.__file__); "
                 "print(d.defs.resolve_job_def('nightly').name)"], cwd=installed["cwd"], env=env)
    module, job = proc.stdout.split()
    assert Path(module).is_relative_to(installed["site"]) and job == "nightly"
    _run([sys.executable, "-m", "dagster", "definitions", "validate", "-m", "pipelines.definitions"],
         cwd=installed["cwd"], env=env)
