"""Where the dbt project of `sql/` is, its parsed manifest, which Dagster needs to load it, and
its documentation site.

The project may sit read-only inside site-packages, so dbt never writes into it: the manifest
and the site are made once per version of the project in a cache folder (keyed by a digest of
the project's files), and each night's `dbt build` writes its partial-parse state into a cache
folder of the warehouse's (pipelines/defs/dbt/assets.py).

OBA_DBT_PROJECT_DIR names another project folder (a test breaks an invariant on purpose in a
copy of the project).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import platformdirs

from pipelines import SQL_DIR

PROJECT_DIR_ENV = "OBA_DBT_PROJECT_DIR"
# folders dbt writes when run by hand in development; never part of the project's digest
_WRITTEN = {"target", "logs", "dbt_packages"}


def project_dir() -> Path:
    return Path(os.environ.get(PROJECT_DIR_ENV) or SQL_DIR).resolve()


def dbt_executable() -> str:
    """The dbt of this Python environment (its bin folder need not be on PATH)."""
    beside = Path(sys.executable).with_name("dbt")
    found = str(beside) if beside.exists() else shutil.which("dbt")
    if not found:
        raise RuntimeError("the dbt command is not installed in this environment: run `make setup`")
    return found


def project_files(project: Path) -> list[Path]:
    return sorted(p for p in project.rglob("*")
                  if p.is_file() and not _WRITTEN.intersection(p.relative_to(project).parts[:1]))


def state_dir(project: Path) -> Path:
    """The cache folder of this version of the project (its manifest)."""
    digest = hashlib.sha256()
    for path in project_files(project):
        digest.update(path.relative_to(project).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return Path(platformdirs.user_cache_dir("oba")) / "dbt" / f"{project.name}-{digest.hexdigest()[:16]}"


def dbt_command(project: Path, *args: str, target_path: Path) -> list[str]:
    return [dbt_executable(), *args, "--project-dir", str(project), "--profiles-dir", str(project),
            "--target-path", str(target_path), "--log-path", str(target_path)]


def manifest_path(project: Path | None = None) -> Path:
    """The project's manifest.json, parsed now if this version of the project has none yet."""
    project = project or project_dir()
    if not (project / "dbt_project.yml").is_file():
        raise RuntimeError(f"{project} is not a dbt project (no dbt_project.yml); "
                           f"set {PROJECT_DIR_ENV} to the folder that holds one, or unset it")
    state = state_dir(project)
    manifest = state / "manifest.json"
    if manifest.exists():
        return manifest
    state.parent.mkdir(parents=True, exist_ok=True)
    parsing = Path(tempfile.mkdtemp(dir=state.parent, prefix=".parsing-"))
    try:
        done = subprocess.run(dbt_command(project, "parse", target_path=parsing), capture_output=True, text=True)
        if done.returncode != 0 or not (parsing / "manifest.json").exists():
            raise RuntimeError(f"dbt cannot parse the project {project}:\n{done.stdout[-4000:]}")
        try:
            parsing.rename(state)
        except OSError:
            if not manifest.exists():  # unless another process parsed the same project meanwhile
                raise
    finally:
        shutil.rmtree(parsing, ignore_errors=True)
    return manifest


def docs_site(project: Path | None = None) -> Path:
    """The project's documentation site as one HTML file (`dbt docs generate --static`), generated
    now if this version of the project has none yet, and kept beside its manifest."""
    project = project or project_dir()
    site = manifest_path(project).parent / "docs.html"
    if site.exists():
        return site
    with tempfile.TemporaryDirectory(dir=site.parent, prefix=".generating-") as work:
        # --empty-catalog: the site is built from the project alone (descriptions document every
        # column), without opening any warehouse file; --static: one file, no web server needed
        done = subprocess.run(dbt_command(project, "docs", "generate", "--static", "--empty-catalog",
                                          target_path=Path(work)),
                              env={k: v for k, v in os.environ.items() if not k.startswith("OBA_DBT_")},
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"dbt docs generate failed:\n{done.stdout[-4000:]}")
        os.replace(Path(work) / "static_index.html", site)
    return site
