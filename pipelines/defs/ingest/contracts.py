"""Outcomes-based contract files (spec/contracts.md, "The contract file").

A contract is input like any feed file, so a hostile or mistaken one is rejected
(naming the file and the field, never quoting its values) and the night goes on:

- before anything is built from the YAML, its event stream is checked: no aliases
  or anchors (a 1.5 KB file of nested aliases expands 9^9-fold), no tags (a
  `!!binary` payer id), one document, nested at most MAX_YAML_DEPTH levels, and
  the file is at most MAX_CONTRACT_BYTES;
- a key given twice in a mapping is refused (the last one used to win silently);
- numbers are kept exact (a YAML float becomes a Decimal from its text) and every
  number has a range that makes sense (timepoints, windows, due days, thresholds
  within the instruments' ranges), so no value can overflow a column or a date;
- the criteria trees are bounded in depth and size and stored set-wise.

It lands as tables SQL can join: staging.contracts,
staging.contract_milestones, staging.contract_criteria (the criteria tree, one
row per node), staging.contract_payment_terms (the claim deadline and payment
terms, one row per contract) and staging.contract_installments (the `payment`
block's installments, numbered in order of months_after_infusion). A later
delivery of the same contract_id replaces the earlier terms.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, Literal

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipelines.defs.ingest.feeds import MOTOR_MILESTONES, SCORED_INSTRUMENTS
from pipelines.defs.ingest.loader import CONTRACT_SUFFIXES, FileRejected, FileResult, load_files

# A contract is a page of YAML (about 1 KB); anything near this size is not one.
MAX_CONTRACT_BYTES = 256 * 1024
# Mapping and list levels of the whole document (a milestone's criteria start at level 4).
MAX_YAML_DEPTH = 24
# all / any levels within one milestone's criteria, and nodes in one milestone's tree.
MAX_CRITERIA_DEPTH = 6
MAX_CRITERIA_NODES = 100
MAX_MILESTONES = 24
MAX_INSTALLMENTS = 120
# Contracts take effect in these years; another year is a typing slip.
FIRST_DATE, LAST_DATE = dt.date(2000, 1, 1), dt.date(2099, 12, 31)


class _ExactLoader(yaml.SafeLoader):
    """SafeLoader that reads floats as Decimal (2125000.10 stays 2125000.10), leaves dates as text
    (validated with a clear message), bounds integers and refuses a key given twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        mapping: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise FileRejected(f"line {key_node.start_mark.line + 1}: merge keys (<<) are not allowed; "
                                   "write every field out")
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise FileRejected(f"line {key_node.start_mark.line + 1}: a key must be a field name")
            if key in mapping:
                raise FileRejected(f"line {key_node.start_mark.line + 1}: {_field_name(key)} is given twice "
                                   "in the same mapping; keep one")
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal | str:
    text = loader.construct_scalar(node)
    try:
        return Decimal(text.replace("_", ""))
    except ArithmeticError:
        return text  # .inf / .nan: left as text, so validation names it


def _int(loader: yaml.SafeLoader, node: yaml.Node) -> int | str:
    text = loader.construct_scalar(node)
    if len(text) > 20:  # beyond any range below; Python refuses to parse more than 4300 digits
        return text  # left as text, so validation says what number it must be
    return loader.construct_yaml_int(node)


def _date_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return loader.construct_scalar(node)  # validated as an ISO date by the model, with a clear message


_ExactLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
_ExactLoader.add_constructor("tag:yaml.org,2002:int", _int)
_ExactLoader.add_constructor("tag:yaml.org,2002:timestamp", _date_text)


def _where(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}" if mark else "the file"


def check_yaml_events(text: str) -> None:
    """Refuse what would make building the document costly or ambiguous, before it is built.

    PyYAML's parser emits events without recursion or expansion, so an alias bomb or a
    document nested ten thousand levels deep is found here at the cost of reading it once.
    """
    depth = documents = 0
    try:
        for event in yaml.parse(text, Loader=_ExactLoader):
            where = _where(event.start_mark)
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise FileRejected(f"{where}: YAML anchors (&) and aliases (*) are not allowed in a contract; "
                                   "write every value out")
            if getattr(event, "tag", None) is not None:
                raise FileRejected(f"{where}: YAML tags (!, !!) are not allowed in a contract; write plain values")
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise FileRejected(f"{where}: a contract file holds one YAML document; put each "
                                       "contract in a file of its own")
            elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise FileRejected(f"{where}: nested more than {MAX_YAML_DEPTH} levels deep; "
                                       f"criteria may nest all / any {MAX_CRITERIA_DEPTH} levels")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as e:
        raise FileRejected(_yaml_problem(e)) from None


def _token_or_hidden(quoted: re.Match) -> str:
    inner = quoted.group()[1:-1]
    return quoted.group() if len(inner) <= 3 or re.fullmatch(r"<[a-z ]+>", inner) else "(text not shown)"


def _yaml_problem(e: yaml.YAMLError) -> str:
    """PyYAML's problem and where, without the characters it quotes from the file."""
    mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
    problem = getattr(e, "problem", None) or "cannot be parsed"
    # keep a grammar token ('<stream end>', ']') or one character; drop anything longer: the file's text
    problem = re.sub(r"'[^']*'|\"[^\"]*\"", _token_or_hidden, problem)
    return f"not valid YAML ({_where(mark)}: {problem}); fix the line and re-deliver the file"


# --------------------------------------------------------------------------- criteria


class Node(BaseModel):
    kind: str
    instrument: str | None = None
    threshold: int | None = None
    milestone: str | None = None
    children: list["Node"] = []


class CriterionError(ValueError):
    pass


CRITERIA = "alive, ventilator_free_survival, score_min, score_gain, motor_milestone, all or any"


def _whole(n: Any, lo: int, hi: int) -> int | None:
    """n as an int when it is a whole number from lo to hi (4.0 is 4), else None; compared before
    any conversion, so 1e999999999 costs nothing."""
    if isinstance(n, bool) or not isinstance(n, (int, Decimal)) or not lo <= n <= hi:
        return None
    if isinstance(n, Decimal) and n != n.to_integral_value():
        return None
    return int(n)


def parse_criterion(raw: Any, where: str, level: int = 0) -> Node:
    """One criterion of the contracts.md table; `where` is its path for messages (never its value)."""
    if isinstance(raw, str):
        if raw in ("alive", "ventilator_free_survival"):
            return Node(kind=raw)
        raise CriterionError(f"{where}: unknown criterion (expected {CRITERIA})")
    if not isinstance(raw, dict) or len(raw) != 1:
        raise CriterionError(f"{where}: a criterion is a name or a mapping with exactly one key")
    (kind, arg), = raw.items()
    if kind not in ("all", "any", "score_min", "score_gain", "motor_milestone"):
        raise CriterionError(f"{where}: unknown criterion (expected {CRITERIA})")
    here = f"{where}.{kind}"
    if kind in ("all", "any"):
        if level >= MAX_CRITERIA_DEPTH:
            raise CriterionError(f"{here}: all / any nested more than {MAX_CRITERIA_DEPTH} levels deep; "
                                 "write the criteria flatter")
        if not isinstance(arg, list) or not arg:
            raise CriterionError(f"{here}: must be a non-empty list of criteria")
        return Node(kind=kind, children=[parse_criterion(c, f"{here}[{i}]", level + 1) for i, c in enumerate(arg)])
    if kind in ("score_min", "score_gain"):
        field = "value" if kind == "score_min" else "points"
        if not isinstance(arg, dict):
            raise CriterionError(f"{here}: expected {{instrument: I, {field}: N}}")
        if set(arg) - {"instrument", field}:
            raise CriterionError(f"{here}: unknown field (expected instrument and {field})")
        instrument = arg.get("instrument")
        if instrument not in SCORED_INSTRUMENTS:
            raise CriterionError(f"{here}.instrument: unknown instrument (expected one of {', '.join(SCORED_INSTRUMENTS)})")
        lo, hi = SCORED_INSTRUMENTS[instrument]
        # a score lies in the instrument's range; a gain is at most the whole range, up or down
        lo, hi = (lo, hi) if kind == "score_min" else (lo - hi, hi - lo)
        n = _whole(arg.get(field), lo, hi)
        if n is None:
            raise CriterionError(f"{here}.{field}: required, a whole number of {instrument} points "
                                 f"from {lo} to {hi}")
        return Node(kind=kind, instrument=instrument, threshold=n)
    if arg not in MOTOR_MILESTONES:
        raise CriterionError(f"{here}: unknown milestone (expected one of {', '.join(MOTOR_MILESTONES)})")
    return Node(kind=kind, milestone=arg)


# --------------------------------------------------------------------------- contract

# staging keeps percentages as decimal(9,4): a finer one is rejected, never rounded
Pct = Annotated[Decimal, Field(ge=0, le=100, decimal_places=4)]


def Days(most: int) -> Any:  # noqa: N802 (a type)
    """A whole number of days from 0 to `most`."""
    return Annotated[int, Field(ge=0, le=most, strict=True)]


Text = Annotated[str, Field(min_length=1, max_length=64)]
# a newline or a control character in a payer id would reach file names and report lines
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class Milestone(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timepoint_months: Annotated[int, Field(ge=1, le=120, strict=True)]
    window_days_before: Days(366) = 30
    window_days_after: Days(366) = 30
    refund_pct: Pct
    criteria: Any

    @field_validator("refund_pct", mode="before")
    @classmethod
    def _no_bool(cls, v):
        if isinstance(v, bool):
            raise ValueError("must be a number")
        return v


class Installment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    months_after_infusion: Annotated[int, Field(ge=0, le=240, strict=True)]
    amount: Annotated[Decimal, Field(gt=0, le=100_000_000, decimal_places=2)]

    @field_validator("amount", mode="before")
    @classmethod
    def _no_bool(cls, v):
        if isinstance(v, bool):
            raise ValueError("must be a number")
        return v


class Payment(BaseModel):
    """The price paid in installments (spec/payments.md "Installments")."""

    model_config = ConfigDict(extra="forbid")
    installments: Annotated[list[Installment], Field(min_length=2, max_length=MAX_INSTALLMENTS)]
    installment_due_days: Days(730) = 30
    refund_settlement: Literal["offset", "cash"] = "offset"

    @field_validator("installments")
    @classmethod
    def _months_unique(cls, installments):
        months = [i.months_after_infusion for i in installments]
        if len(set(months)) != len(months):
            raise ValueError("months_after_infusion repeats; give each installment its own month")
        return installments

    def numbered(self) -> list[tuple[int, Installment]]:
        """(installment_number, installment), numbered 1.. in order of months_after_infusion."""
        ordered = sorted(self.installments, key=lambda i: i.months_after_infusion)
        return list(enumerate(ordered, start=1))


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contract_id: Text
    payer_id: Text
    product_hcpcs: Text
    effective_from: Annotated[dt.date, Field(ge=FIRST_DATE, le=LAST_DATE)]
    effective_to: Annotated[dt.date, Field(ge=FIRST_DATE, le=LAST_DATE)] | None = None
    price_basis: Annotated[Decimal, Field(gt=0, le=100_000_000, decimal_places=2)]
    refund_cap_pct: Pct = Decimal(100)
    refund_due_days: Days(730) = 90
    missing_evidence: Literal["no_refund", "refund"] = "no_refund"
    assessment_selection: Literal["closest_to_due", "best"] = "closest_to_due"
    baseline_window_days: Days(366) = 30
    claim_submission_days: Days(3660) | None = None
    payment: Payment | None = None
    on_disenrollment: Literal["continue", "stop"] = "continue"
    milestones: Annotated[list[Milestone], Field(min_length=1, max_length=MAX_MILESTONES)]

    @field_validator("contract_id", "payer_id", "product_hcpcs", mode="before")
    @classmethod
    def _text(cls, v):
        if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
            v = str(v)
        if isinstance(v, str) and CONTROL.search(v):
            raise ValueError("must be text on one line, without control characters")
        return v.strip() if isinstance(v, str) else v

    @field_validator("effective_from", "effective_to", mode="before")
    @classmethod
    def _iso_date(cls, v):
        if v is None:
            return v  # effective_to left empty: open-ended (a missing effective_from is reported as missing)
        if not isinstance(v, str):
            raise ValueError("must be a date YYYY-MM-DD")
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
                raise ValueError
            return dt.date.fromisoformat(v)
        except ValueError:
            raise ValueError("must be a date YYYY-MM-DD") from None

    @model_validator(mode="after")
    def _rules(self):
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to: before effective_from")
        seen = set()
        for i, m in enumerate(self.milestones):
            if m.timepoint_months in seen:
                raise ValueError(f"milestones[{i}].timepoint_months: duplicate timepoint")
            seen.add(m.timepoint_months)
        if self.payment is not None and sum(i.amount for i in self.payment.installments) != self.price_basis:
            raise ValueError("payment.installments: the amounts do not add up to price_basis to the cent")
        return self


# Field names a message may quote back (a key of the file that is not one of these is input text).
KNOWN_FIELDS = set(Contract.model_fields) | set(Milestone.model_fields) | set(Payment.model_fields) | set(
    Installment.model_fields) | {
    "all", "any", "score_min", "score_gain", "motor_milestone", "instrument", "value", "points"}


def _field_name(key: str) -> str:
    return key if key in KNOWN_FIELDS else "a key"


def _format_validation(e: ValidationError) -> str:
    """pydantic's errors as `field: what is wrong`, never quoting the value nor an unknown key."""
    parts = []
    for err in e.errors(include_input=False, include_url=False):
        *parents, last = err["loc"] or ("",)
        loc = ""
        for p in parents:
            loc += f"[{p}]" if isinstance(p, int) else (f".{p}" if loc else str(p))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(last), sorted(KNOWN_FIELDS), n=1)
            parts.append(f"{loc or 'the contract'}: has a field that is not a contract field"
                         + (f" (did you mean {close[0]}?)" if close else " (check the spelling)"))
            continue
        loc += f"[{last}]" if isinstance(last, int) else (f".{last}" if loc else str(last))
        if err["type"] == "missing":
            parts.append(f"{loc}: required field is missing")
        elif loc:
            parts.append(f"{loc}: {msg}")
        else:
            parts.append(msg)
    return "; ".join(parts)


def parse_contract(text: str) -> tuple[Contract, list[Node]]:
    """Validate one contract document; raises FileRejected naming the field (never its value)."""
    check_yaml_events(text)
    try:
        doc = yaml.load(text, Loader=_ExactLoader)
    except yaml.YAMLError as e:
        raise FileRejected(_yaml_problem(e)) from None
    if not isinstance(doc, dict):
        raise FileRejected("a contract file must be a YAML mapping (contract_id: ..., milestones: ...)")
    try:
        contract = Contract.model_validate(doc)
    except ValidationError as e:
        raise FileRejected(_format_validation(e)) from None
    trees = []
    for i, m in enumerate(contract.milestones):
        where = f"milestones[{i}].criteria"
        try:
            tree = parse_criterion(m.criteria, where)
        except CriterionError as e:
            raise FileRejected(str(e)) from None
        if (n := len(flatten(tree))) > MAX_CRITERIA_NODES:
            raise FileRejected(f"{where}: {n} criteria; a milestone has at most {MAX_CRITERIA_NODES}")
        trees.append(tree)
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


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str], rows: list[tuple]) -> None:
    """All rows in one statement: one list per column, unnested side by side."""
    if rows:
        lists = [list(col) for col in zip(*rows)]
        con.execute(f"insert into {table} ({', '.join(columns)}) select {', '.join('unnest(?)' for _ in columns)}",
                    lists)


def store_contract(con: duckdb.DuckDBPyConnection, contract: Contract, trees: list[Node],
                   rel_path: str, sha: str, seq: int) -> None:
    c = contract
    con.execute(
        "insert into staging.contract_files values (?, ?, ?, ?, ?)",
        [c.contract_id, rel_path, sha, seq, json.dumps(c.model_dump(), default=_json_default)],
    )
    for table in ("contract_criteria", "contract_milestones", "contract_installments", "contract_payment_terms",
                  "contracts"):
        con.execute(f"delete from staging.{table} where contract_id = ?", [c.contract_id])
    con.execute(
        "insert into staging.contracts values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [c.contract_id, c.payer_id, c.product_hcpcs, c.effective_from, c.effective_to, c.price_basis,
         c.refund_cap_pct, c.refund_due_days, c.missing_evidence, c.assessment_selection,
         c.baseline_window_days, seq, rel_path, c.on_disenrollment],
    )
    _insert_rows(con, "staging.contract_milestones",
                 ["contract_id", "timepoint_months", "window_days_before", "window_days_after", "refund_pct"],
                 [(c.contract_id, m.timepoint_months, m.window_days_before, m.window_days_after, m.refund_pct)
                  for m in c.milestones])
    _insert_rows(con, "staging.contract_criteria",
                 ["contract_id", "timepoint_months", "node_id", "parent_node_id", "position", "depth", "kind",
                  "instrument", "threshold", "milestone"],
                 [(c.contract_id, m.timepoint_months, r["node_id"], r["parent_node_id"], r["position"], r["depth"],
                   r["kind"], r["instrument"], r["threshold"], r["milestone"])
                  for m, tree in zip(c.milestones, trees) for r in flatten(tree)])
    p = c.payment
    con.execute("insert into staging.contract_payment_terms values (?, ?, ?, ?)",
                [c.contract_id, c.claim_submission_days, p and p.installment_due_days, p and p.refund_settlement])
    _insert_rows(con, "staging.contract_installments",
                 ["contract_id", "installment_number", "months_after_infusion", "amount"],
                 [(c.contract_id, n, i.months_after_infusion, i.amount) for n, i in (p.numbered() if p else [])])


def load_contracts(con: duckdb.DuckDBPyConnection, landing: Path, run_id: str) -> list[FileResult]:
    def load_one(path: Path, rel_path: str, sha: str, seq: int) -> FileResult:
        suffix = PurePosixPath(rel_path).suffix.lower()
        if suffix not in CONTRACT_SUFFIXES:
            raise FileRejected(f"unsupported file type {suffix or '(none)'!r}: a contract must be .yaml or .yml")
        if path.stat().st_size > MAX_CONTRACT_BYTES:
            raise FileRejected(f"larger than {MAX_CONTRACT_BYTES // 1024} KiB: a contract is a page of YAML; "
                               "deliver the contract file itself")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise FileRejected("not UTF-8 text; re-save the contract as UTF-8") from None
        contract, trees = parse_contract(text)
        store_contract(con, contract, trees, rel_path, sha, seq)
        return FileResult(rel_path, "contracts", sha, "loaded", 1, 1, 0, f"contract {contract.contract_id}")

    return load_files(con, landing, "contracts", run_id, load_one)
