"""Great Expectations suites (expectations/<feed>.json) run on pandas batches.

GX is imported lazily (it takes seconds) and only ever sees pandas frames:
its SQL path with duckdb-engine fails on every expectation in GX 1.24.
Results keep counts and percentages only, never the unexpected values
themselves (they could be member identifiers).

A check's fixed cost matters on a small nightly run, so the GX context and
each built suite are made once per process and reused across checks and runs;
only the datasource is fresh per validation (see `_batch`).
"""

from __future__ import annotations

import functools
import html
import importlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines import EXPECTATIONS_DIR
from pipelines.defs.quality.deferred_modules import defer

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


@dataclass
class ExpectationOutcome:
    type: str
    column: str | None
    success: bool
    blocking: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    observed_value: object
    notes: str = ""


@dataclass
class SuiteOutcome:
    suite: str
    rows: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.blocking]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and not o.blocking]

    def describe(self, o: ExpectationOutcome) -> str:
        what = o.type.removeprefix("expect_")
        col = f" on {o.column}" if o.column else ""
        if o.unexpected_count is not None:
            return f"{what}{col}: {o.unexpected_count} unexpected ({(o.unexpected_percent or 0):.2f}%)"
        return f"{what}{col}: observed {o.observed_value}"


def load_suite_json(name: str) -> dict:
    path = EXPECTATIONS_DIR / f"{name}.json"
    return json.loads(path.read_text())


# Counts and percentages are all a SuiteOutcome keeps. BASIC computes them
# without SUMMARY's value counts of the unexpected values (about 40% of the
# validation time of a small batch), and partial_unexpected_count 0 keeps GX
# from collecting unexpected values (member identifiers) at all.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0}

# The process's GX context is shared by every check: one validation at a time.
_gx_lock = threading.Lock()

# name -> (suite JSON as canonical text, the suite built from it). One entry
# per suite name, so a long-lived Dagster process holds at most one per feed.
_built_suites: dict[str, tuple[str, object]] = {}


# GX 1.x imports every built-in expectation when it starts. One of them
# (expect_column_kl_divergence_to_be_less_than) imports scipy.stats and altair
# at module level, to use them only when it runs or renders; no suite of ours
# uses it. They are 0.9 s of the 2 s import, CPU that the first steps of a run
# share on two cores. They stand deferred: imported the moment anything uses
# them (see deferred_modules).
GX_UNUSED_MODULES = ("scipy.stats", "altair")


def _import_gx():
    defer(*GX_UNUSED_MODULES)
    return importlib.import_module("great_expectations")


@functools.cache
def import_gx_in_background() -> threading.Thread:
    """Start `import great_expectations` (about 1 s) on a daemon thread.

    Called early in a run (from its first asset), the import overlaps the
    loading steps instead of delaying the first check. `validate` waits for
    this thread before touching GX, so two threads never import it at once
    (concurrent imports of interdependent modules can see half-initialised
    modules). Idempotent.
    """
    thread = threading.Thread(target=_import_gx, name="import-great-expectations", daemon=True)
    thread.start()
    return thread


@functools.cache
def _gx_context():
    """One ephemeral context per process, for every check and run. It holds no
    state of a validation: suites are built outside it and each batch gets a
    fresh datasource. Making it and the suite for every check cost 20-40 ms."""
    gx = _import_gx()

    ctx = gx.get_context(mode="ephemeral")
    try:
        ctx.variables.progress_bars = {"globally": False}
    except Exception:  # pragma: no cover - cosmetic only
        pass
    return ctx


def _build_suite(name: str, suite_json: dict):
    gx = _import_gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suite = gx.ExpectationSuite(name=name)
    for e in suite_json["expectations"]:
        suite.add_expectation_configuration(
            ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta", {}))
        )
    return suite


def _suite(name: str, suite_json: dict):
    """The suite built from `suite_json`, rebuilt only when that content changes.

    Keyed on the content rather than the file, so an edited suite file (or a
    different `suite_json`) is used from the next validation on.
    """
    content = json.dumps(suite_json, sort_keys=True)
    cached = _built_suites.get(name)
    if cached is None or cached[0] != content:
        cached = _built_suites[name] = (content, _build_suite(name, suite_json))
    return cached[1]


def _batch(name: str, df: pd.DataFrame):
    """A batch of `df` in a fresh pandas datasource (about 7 ms).

    Not cached: a datasource's execution engine keeps the last frame and every
    metric it computed (per-row series included) keyed by a batch id that is
    the same for every frame of an asset. Replacing the datasource frees them,
    so nothing of one validation outlives it or reaches the next.
    """
    datasource = _gx_context().data_sources.add_or_update_pandas("batches")
    batch_definition = datasource.add_dataframe_asset(name).add_batch_definition_whole_dataframe("run")
    return batch_definition.get_batch(batch_parameters={"dataframe": df})


def validate(name: str, df: pd.DataFrame, suite_json: dict | None = None) -> SuiteOutcome:
    """Validate `df` with suite `name` (expectations/<name>.json, read each time, unless `suite_json` is given)."""
    suite_json = suite_json or load_suite_json(name)
    if import_gx_in_background.cache_info().currsize:
        import_gx_in_background().join()
    with _gx_lock:
        result = _batch(name, df).validate(_suite(name, suite_json), result_format=RESULT_FORMAT)
    return _outcome(name, len(df), result)


def _outcome(name: str, rows: int, result) -> SuiteOutcome:
    """GX's result reduced to what the checks and the page show: counts and observed values only."""
    out = SuiteOutcome(name, rows)
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        observed = res.get("observed_value")
        out.outcomes.append(
            ExpectationOutcome(
                type=cfg.type,
                column=cfg.kwargs.get("column") or (",".join(cfg.kwargs.get("column_list", [])) or None),
                success=bool(r.success),
                blocking=bool((cfg.meta or {}).get("blocking", True)),
                unexpected_count=res.get("unexpected_count"),
                unexpected_percent=res.get("unexpected_percent"),
                observed_value=observed if isinstance(observed, (int, float, str, type(None))) else str(observed),
                notes=(cfg.meta or {}).get("notes", ""),
            )
        )
    return out


def write_html(outcomes: dict[str, SuiteOutcome], path: Path, title: str) -> Path:
    """A self-contained page of the run's validation results (our Data Docs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = [f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;border-bottom:1px solid #ddd}"
             ".ok{color:#1a7f37}.bad{color:#cf222e}.warn{color:#9a6700}</style>",
             f"<h1>{html.escape(title)}</h1>"]
    for name, s in outcomes.items():
        parts.append(f"<h2>{html.escape(name)} <small>({s.rows} rows validated)</small></h2><table>"
                     "<tr><th>result</th><th>expectation</th><th>blocking</th><th>notes</th></tr>")
        for o in s.outcomes:
            cls, word = ("ok", "pass") if o.success else (("bad", "FAIL") if o.blocking else ("warn", "warn"))
            parts.append(f"<tr><td class='{cls}'>{word}</td><td>{html.escape(s.describe(o))}</td>"
                         f"<td>{'yes' if o.blocking else 'no'}</td><td>{html.escape(o.notes)}</td></tr>")
        parts.append("</table>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
