"""Great Expectations suites (expectations/<feed>.json) run on pandas batches.

GX is imported lazily (it takes seconds) and only ever sees pandas frames:
its SQL path with duckdb-engine fails on every expectation in GX 1.24.
Results keep counts and percentages only, never the unexpected values
themselves (they could be member identifiers).
"""

from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipelines import EXPECTATIONS_DIR

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


def validate(name: str, df: pd.DataFrame, suite_json: dict | None = None) -> SuiteOutcome:
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suite_json = suite_json or load_suite_json(name)
    ctx = gx.get_context(mode="ephemeral")
    try:
        ctx.variables.progress_bars = {"globally": False}
    except Exception:  # pragma: no cover - cosmetic only
        pass
    suite = gx.ExpectationSuite(name=name)
    for e in suite_json["expectations"]:
        suite.add_expectation_configuration(
            ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta", {}))
        )
    suite = ctx.suites.add(suite)
    batch_def = ctx.data_sources.add_pandas("batches").add_dataframe_asset(name).add_batch_definition_whole_dataframe("run")
    result = batch_def.get_batch(batch_parameters={"dataframe": df}).validate(suite, result_format="SUMMARY")
    out = SuiteOutcome(name, len(df))
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
