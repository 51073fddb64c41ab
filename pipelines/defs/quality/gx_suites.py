"""Great Expectations suites (expectations/<feed>.json) run on pandas batches.

`import great_expectations` takes a few seconds, so it happens inside the first
validation, not when Dagster loads the definitions. GX only ever sees pandas
frames: its SQL path with duckdb-engine fails on every expectation in GX 1.24.
Results keep counts and percentages only, never the unexpected values
themselves (they could be member identifiers).
"""

from __future__ import annotations

import functools
import json
import os
import threading
from dataclasses import dataclass, field

import pandas as pd

from pipelines import EXPECTATIONS_DIR

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

# Counts and percentages are all a SuiteOutcome keeps. BASIC computes them
# without SUMMARY's value counts of the unexpected values, and
# partial_unexpected_count 0 keeps GX from collecting unexpected values
# (member identifiers) at all.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0}

# The process's GX context is shared by every check: one validation at a time.
_gx_lock = threading.Lock()


@dataclass
class ExpectationOutcome:
    type: str
    column: str | None
    success: bool
    blocking: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    observed_value: object
    rule: str = ""  # the expectation in words (the suite's meta.rule)
    notes: str = ""

    @property
    def result(self) -> str:
        """passed, failed (a blocking expectation) or warned (a non-blocking one)."""
        return "passed" if self.success else ("failed" if self.blocking else "warned")

    @property
    def expectation(self) -> str:
        """What was expected: the rule in words, else GX's name for it and the column."""
        if self.rule:
            return self.rule
        return self.type.removeprefix("expect_") + (f" on {self.column}" if self.column else "")

    @property
    def found(self) -> str:
        """What the batch showed: a count of unexpected rows, or the observed value."""
        if self.unexpected_count is not None:
            return f"{self.unexpected_count} unexpected ({(self.unexpected_percent or 0):.2f}%)"
        return f"observed {self.observed_value}"


@dataclass
class SuiteOutcome:
    suite: str
    rows: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.result == "failed"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.result == "warned"]

    def describe(self, o: ExpectationOutcome) -> str:
        return f"{o.expectation}: {o.found}"


def load_suite_json(name: str) -> dict:
    path = EXPECTATIONS_DIR / f"{name}.json"
    return json.loads(path.read_text())


@functools.cache
def _gx_context():
    """One ephemeral context per process. It holds no state of a validation:
    suites are built outside it and each batch gets a fresh datasource."""
    import great_expectations as gx

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = {"globally": False}
    return ctx


def _build_suite(name: str, suite_json: dict):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    suite = gx.ExpectationSuite(name=name)
    for e in suite_json["expectations"]:
        suite.add_expectation_configuration(
            ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta", {}))
        )
    return suite


def _batch(name: str, df: pd.DataFrame):
    """A batch of `df` in a fresh pandas datasource.

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
    with _gx_lock:
        result = _batch(name, df).validate(_build_suite(name, suite_json), result_format=RESULT_FORMAT)
    return _outcome(name, len(df), result)


def _outcome(name: str, rows: int, result) -> SuiteOutcome:
    """GX's result reduced to what the checks and the page show: counts and observed values only."""
    out = SuiteOutcome(name, rows)
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        meta = cfg.meta or {}
        observed = res.get("observed_value")
        out.outcomes.append(
            ExpectationOutcome(
                type=cfg.type,
                column=cfg.kwargs.get("column") or (",".join(cfg.kwargs.get("column_list", [])) or None),
                success=bool(r.success),
                blocking=bool(meta.get("blocking", True)),
                unexpected_count=res.get("unexpected_count"),
                unexpected_percent=res.get("unexpected_percent"),
                observed_value=observed if isinstance(observed, (int, float, str, type(None))) else str(observed),
                rule=meta.get("rule", ""),
                notes=meta.get("notes", ""),
            )
        )
    return out
