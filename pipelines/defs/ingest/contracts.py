"""Outcomes-based contract files (spec/contracts.md, "The contract file").

A YAML file is parsed with numbers kept exact (a YAML float becomes a
Decimal from its text), validated with pydantic, and landed as three tables
SQL can join: staging.contracts, staging.contract_milestones and
staging.contract_criteria (the criteria tree, one row per node). A file that
breaks a rule is rejected whole with a message naming the field and the value.
A later delivery of the same contract_id replaces the earlier terms.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipelines.defs.ingest.feeds import MOTOR_MILESTONES, SCORED_INSTRUMENTS
from pipelines.defs.ingest.loader import CONTRACT_SUFFIXES, FileRejected, FileResult, load_files


class _ExactLoader(yaml.SafeLoader):
    """SafeLoader that reads floats as Decimal, so 2125000.10 stays 2125000.10."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal | str:
    text = loader.construct_scalar(node)
    try:
        return Decimal(text.replace("_", ""))
    except ArithmeticError:
        return text  # .inf / .nan: left as text, so validation names it


def _date_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return loader.construct_scalar(node)  # validated as an ISO date by the model, with a clear message


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
_ExactLoader.add_constructor("tag:yaml.org,2002:timestamp", _date_text)

# staging keeps percentages as decimal(9,4): a finer one is rejected, never rounded
Pct = Annotated[Decimal, Field(ge=0, le=100, decimal_places=4)]
NonNegInt = Annotated[int, Field(ge=0, strict=True)]


# --------------------------------------------------------------------------- criteria


class Node(BaseModel):
    kind: str
    instrument: str | None = None
    threshold: int | None = None
    milestone: str | None = None
    children: list["Node"] = []


class CriterionError(ValueError):
    pass


def parse_criterion(raw: Any, where: str) -> Node:
    """One criterion of the contracts.md table; `where` is its path for messages."""
    if isinstance(raw, str):
        if raw in ("alive", "ventilator_free_survival"):
            return Node(kind=raw)
        raise CriterionError(f"{where} = {raw!r}: unknown criterion (expected alive, ventilator_free_survival, "
                             "score_min, score_gain, motor_milestone, all or any)")
    if not isinstance(raw, dict) or len(raw) != 1:
        raise CriterionError(f"{where} = {raw!r}: a criterion is a name or a mapping with exactly one key")
    (kind, arg), = raw.items()
    here = f"{where}.{kind}"
    if kind in ("all", "any"):
        if not isinstance(arg, list) or not arg:
            raise CriterionError(f"{here} = {arg!r}: must be a non-empty list of criteria")
        return Node(kind=kind, children=[parse_criterion(c, f"{here}[{i}]") for i, c in enumerate(arg)])
    if kind in ("score_min", "score_gain"):
        field = "value" if kind == "score_min" else "points"
        if not isinstance(arg, dict):
            raise CriterionError(f"{here} = {arg!r}: expected {{instrument: I, {field}: N}}")
        extra = set(arg) - {"instrument", field}
        if extra:
            raise CriterionError(f"{here}: unknown field(s) {', '.join(sorted(map(str, extra)))} "
                                 f"(expected instrument and {field})")
        instrument = arg.get("instrument")
        if instrument not in SCORED_INSTRUMENTS:
            raise CriterionError(f"{here}.instrument = {instrument!r}: unknown instrument "
                                 f"(expected one of {', '.join(SCORED_INSTRUMENTS)})")
        n = arg.get(field)
        if isinstance(n, Decimal) and n == n.to_integral_value():
            n = int(n)
        if not isinstance(n, int) or isinstance(n, bool):
            raise CriterionError(f"{here}.{field} = {n!r}: required, a whole number of points")
        return Node(kind=kind, instrument=instrument, threshold=n)
    if kind == "motor_milestone":
        if arg not in MOTOR_MILESTONES:
            raise CriterionError(f"{here} = {arg!r}: unknown milestone (expected one of {', '.join(MOTOR_MILESTONES)})")
        return Node(kind=kind, milestone=arg)
    raise CriterionError(f"{where}: unknown criterion {kind!r} (expected alive, ventilator_free_survival, "
                         "score_min, score_gain, motor_milestone, all or any)")


# --------------------------------------------------------------------------- contract


class Milestone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timepoint_months: Annotated[int, Field(gt=0, strict=True)]
    window_days_before: NonNegInt = 30
    window_days_after: NonNegInt = 30
    refund_pct: Pct
    criteria: Any

    @field_validator("refund_pct", mode="before")
    @classmethod
    def _no_bool(cls, v):
        if isinstance(v, bool):
            raise ValueError("must be a number")
        return v


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contract_id: Annotated[str, Field(min_length=1)]
    payer_id: Annotated[str, Field(min_length=1)]
    product_hcpcs: Annotated[str, Field(min_length=1)]
    effective_from: dt.date
    effective_to: dt.date | None = None
    price_basis: Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2)]
    refund_cap_pct: Pct = Decimal(100)
    refund_due_days: NonNegInt = 90
    missing_evidence: Literal["no_refund", "refund"] = "no_refund"
    assessment_selection: Literal["closest_to_due", "best"] = "closest_to_due"
    baseline_window_days: NonNegInt = 30
    milestones: Annotated[list[Milestone], Field(min_length=1)]

    @field_validator("contract_id", "payer_id", "product_hcpcs", mode="before")
    @classmethod
    def _text(cls, v):
        if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
            v = str(v)
        return v.strip() if isinstance(v, str) else v

    @field_validator("effective_from", "effective_to", mode="before")
    @classmethod
    def _iso_date(cls, v):
        if isinstance(v, str):
            try:
                if len(v) != 10:
                    raise ValueError
                return dt.date.fromisoformat(v)
            except ValueError:
                raise ValueError("must be a date YYYY-MM-DD") from None
        if isinstance(v, dt.datetime):
            raise ValueError("must be a date YYYY-MM-DD without a time")
        return v

    @model_validator(mode="after")
    def _rules(self):
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(f"effective_to = {self.effective_to}: before effective_from = {self.effective_from}")
        seen = set()
        for i, m in enumerate(self.milestones):
            if m.timepoint_months in seen:
                raise ValueError(f"milestones[{i}].timepoint_months = {m.timepoint_months}: duplicate timepoint")
            seen.add(m.timepoint_months)
        return self


def _format_validation(e: ValidationError) -> str:
    parts = []
    for err in e.errors():
        loc = ""
        for p in err["loc"]:
            loc += f"[{p}]" if isinstance(p, int) else (f".{p}" if loc else str(p))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            parts.append(f"{loc}: required field is missing")
        elif err["type"] == "extra_forbidden":
            parts.append(f"{loc}: unknown field (check the spelling)")
        elif loc:
            parts.append(f"{loc} = {err.get('input')!r}: {msg}")
        else:
            parts.append(msg)
    return "; ".join(parts)


def parse_contract(text: str) -> tuple[Contract, list[list[Node]]]:
    """Validate one contract document; raises FileRejected naming the field and value."""
    try:
        doc = yaml.load(text, Loader=_ExactLoader)
    except yaml.YAMLError as e:
        raise FileRejected(f"not valid YAML: {str(e).splitlines()[0]}") from e
    if not isinstance(doc, dict):
        raise FileRejected("a contract file must be a YAML mapping (contract_id: ..., milestones: ...)")
    try:
        contract = Contract.model_validate(doc)
    except ValidationError as e:
        raise FileRejected(_format_validation(e)) from None
    trees = []
    for i, m in enumerate(contract.milestones):
        try:
            trees.append(parse_criterion(m.criteria, f"milestones[{i}].criteria"))
        except CriterionError as e:
            raise FileRejected(str(e)) from None
    return contract, trees


def flatten(tree: Node) -> list[dict]:
    """Criteria tree -> rows (node_id 1 is the root; ids in depth-first order)."""
    rows: list[dict] = []

    def walk(node: Node, parent: int | None, position: int, depth: int) -> None:
        node_id = len(rows) + 1
        rows.append(dict(node_id=node_id, parent_node_id=parent, position=position, depth=depth,
                         kind=node.kind, instrument=node.instrument, threshold=node.threshold,
                         milestone=node.milestone))
        for i, child in enumerate(node.children):
            walk(child, node_id, i, depth + 1)

    walk(tree, None, 0, 0)
    return rows


def _json_default(o):
    if isinstance(o, Decimal):
        return str(o)
    if isinstance(o, dt.date):
        return o.isoformat()
    raise TypeError(type(o).__name__)


def store_contract(con: duckdb.DuckDBPyConnection, contract: Contract, trees: list[Node],
                   rel_path: str, sha: str, seq: int) -> None:
    c = contract
    con.execute(
        "insert into staging.contract_files values (?, ?, ?, ?, ?)",
        [c.contract_id, rel_path, sha, seq, json.dumps(c.model_dump(), default=_json_default)],
    )
    for table in ("contract_criteria", "contract_milestones", "contracts"):
        con.execute(f"delete from staging.{table} where contract_id = ?", [c.contract_id])
    con.execute(
        "insert into staging.contracts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [c.contract_id, c.payer_id, c.product_hcpcs, c.effective_from, c.effective_to, c.price_basis,
         c.refund_cap_pct, c.refund_due_days, c.missing_evidence, c.assessment_selection,
         c.baseline_window_days, seq, rel_path],
    )
    for m, tree in zip(c.milestones, trees):
        con.execute(
            "insert into staging.contract_milestones values (?, ?, ?, ?, ?)",
            [c.contract_id, m.timepoint_months, m.window_days_before, m.window_days_after, m.refund_pct],
        )
        for r in flatten(tree):
            con.execute(
                "insert into staging.contract_criteria values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [c.contract_id, m.timepoint_months, r["node_id"], r["parent_node_id"], r["position"],
                 r["depth"], r["kind"], r["instrument"], r["threshold"], r["milestone"]],
            )


def load_contracts(con: duckdb.DuckDBPyConnection, landing: Path, run_id: str) -> list[FileResult]:
    def load_one(path: Path, rel_path: str, sha: str, seq: int) -> FileResult:
        if path.suffix.lower() not in CONTRACT_SUFFIXES:
            raise FileRejected(f"unsupported file type {path.suffix or '(none)'!r}: a contract must be .yaml or .yml")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise FileRejected("not UTF-8 text; re-save the contract as UTF-8") from None
        contract, trees = parse_contract(text)
        store_contract(con, contract, trees, rel_path, sha, seq)
        return FileResult(rel_path, "contracts", sha, "loaded", 1, 1, 0, f"contract {contract.contract_id}")

    return load_files(con, landing, "contracts", run_id, load_one)
