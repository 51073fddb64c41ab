"""Typing SQL generated from the feed table (feeds.py).

For one feed this builds a query over `raw.<feed>` rows of one delivery that
returns every spec column typed, plus `_reason`: NULL for a good row, else the
first problem in column order (MISSING_REQUIRED / BAD_DATE / BAD_NUMBER /
BAD_BOOLEAN / BAD_CODE / OUT_OF_RANGE, each `:<column>`). DUPLICATE_KEY is
decided afterwards among the rows that typed cleanly (loader.py).
"""

from __future__ import annotations

from pipelines.defs.ingest.feeds import BOOL_WORDS, Col, Feed

TRUE_WORDS = BOOL_WORDS[0::2]
FALSE_WORDS = BOOL_WORDS[1::2]

# an integer's text: digits, optionally a zero fraction (12.0); typed as INTEGER when it fits
WHOLE_NUMBER = "-?\\d+(\\.0+)?"

BAD_REASON = {
    "date": "BAD_DATE",
    "integer": "BAD_NUMBER",
    "decimal": "BAD_NUMBER",
    "money": "BAD_NUMBER",
    "boolean": "BAD_BOOLEAN",
    "code": "BAD_CODE",
    "ndc": "BAD_CODE",
    "revenue": "BAD_CODE",
    "pos": "BAD_CODE",
}


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _in(values) -> str:
    return "(" + ", ".join(_lit(v) for v in values) + ")"


# Every date of every feed lies in these years; another year is a typing slip (OUT_OF_RANGE).
DATE_RANGE = "date '1900-01-01' and date '2199-12-31'"

# What trimming removes from both ends of a value: whitespace of any script (tabs, no-break and
# ideographic spaces, line breaks) and invisible characters (controls, zero-width spaces, the BOM).
INVISIBLE_AT_ENDS = "^[\\s\\p{Z}\\p{C}]+|[\\s\\p{Z}\\p{C}]+$"


def trimmed(x: str) -> str:
    """SQL for the value `x` without its blank ends, NULL when nothing is left (feeds.md: a blank cell is missing).

    Most values start and end with a printable ASCII character, as delivered or once spaces are
    trimmed; only the others take the regular expression, which on every value would cost a
    10M-line claims file several seconds.
    """
    def plain(v: str) -> str:
        return f"ascii({v}) between 33 and 126 and ascii(right({v}, 1)) between 33 and 126"

    return (
        f"case when {plain(x)} then {x} when {plain(f'trim({x})')} then trim({x}) "
        f"else nullif(regexp_replace({x}, '{INVISIBLE_AT_ENDS}', '', 'g'), '') end"
    )


def typed_expr(col: Col, v: str) -> str:
    """SQL typing `v` (the trimmed text, NULL when blank); NULL when it cannot be typed."""
    t = col.type
    if t == "text":
        return v
    if t == "upper":
        return f"upper({v})"
    if t == "date":
        return f"case when regexp_full_match({v}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') then try_cast({v} as date) end"
    if t == "integer":
        return (
            f"case when regexp_full_match({v}, '{WHOLE_NUMBER}') "
            f"then try_cast(split_part({v}, '.', 1) as integer) end"
        )
    if t == "decimal":
        return f"case when regexp_full_match({v}, '-?\\d{{1,12}}(\\.\\d{{1,6}})?') then try_cast({v} as decimal(18,6)) end"
    if t == "money":
        return f"case when regexp_full_match({v}, '-?\\d{{1,16}}(\\.\\d{{1,2}})?') then try_cast({v} as decimal(18,2)) end"
    if t == "boolean":
        return f"case when lower({v}) in {_in(TRUE_WORDS)} then true when lower({v}) in {_in(FALSE_WORDS)} then false end"
    if t == "code":
        whens = " ".join(f"when {_lit(c.lower())} then {_lit(c)}" for c in col.codes)
        return f"case lower({v}) {whens} end"
    if t == "ndc":
        return (
            f"case when regexp_full_match({v}, '\\d{{5}}-\\d{{4}}-\\d{{2}}') then {v} "
            f"when regexp_full_match({v}, '\\d{{11}}') "
            f"then substr({v}, 1, 5) || '-' || substr({v}, 6, 4) || '-' || substr({v}, 10, 2) "
            f"when regexp_full_match({v}, '\\d{{5}}-\\d{{3}}-\\d{{2}}') "
            f"then substr({v}, 1, 5) || '-0' || substr({v}, 7, 3) || '-' || substr({v}, 11, 2) end"
        )
    if t == "revenue":
        return (
            f"case when regexp_full_match({v}, '\\d{{4}}') then {v} "
            f"when regexp_full_match({v}, '\\d{{3}}') then '0' || {v} end"
        )
    if t == "pos":
        return (
            f"case when regexp_full_match({v}, '\\d{{2}}') then {v} "
            f"when regexp_full_match({v}, '\\d') then '0' || {v} end"
        )
    if t == "list":
        return (
            f"list_filter(list_transform(string_split({v}, ';'), lambda x: nullif(upper(trim(x)), '')), "
            f"lambda x: x is not null)"
        )
    if t == "icd_list":
        # Fast path for the usual clean value (no space, no empty part): a plain
        # split is what the per-element lambdas give, at a fifth of their cost
        # on a 10M-line extract. Anything else takes the exact slow path.
        n = f"upper(replace({v}, '.', ''))"
        return (
            f"case when {n} <> '' and not contains({n}, ' ') and not contains({n}, ';;') "
            f"and not starts_with({n}, ';') and not ends_with({n}, ';') then string_split({n}, ';') "
            f"else list_filter(list_transform(string_split({v}, ';'), "
            f"lambda x: nullif(upper(replace(trim(x), '.', '')), '')), lambda x: x is not null) end"
        )
    raise ValueError(f"unknown column type {t!r} for {col.name}")


def range_expr(col: Col) -> str | None:
    """SQL true when the typed value (t.<col>) is in range; None when no range."""
    if col.range_by:
        by = col.range_by
        whens = " ".join(f"when {_lit(value)} then t.{col.name} between {lo} and {hi}" for value, lo, hi in by.ranges)
        return f"case t.{by.column} {whens} else true end"
    conds = []
    ref = f't."{col.name}"'
    if col.min is not None:
        conds.append(f"{ref} {'>' if col.min_exclusive else '>='} {col.min}")
    if col.max is not None:
        conds.append(f"{ref} <= {col.max}")
    return " and ".join(conds) or None


def typing_query(feed: Feed, source: str) -> str:
    """Query typing the rows of `source` (raw text rows with lineage columns).

    One pass: `v` trims (blank -> NULL) into `_txt_<col>`, `t` adds the typed
    `<col>`, `final` keeps the typed columns and the first problem as `_reason`
    (checks may look at typed values of other columns, e.g. required_when).
    """
    text_cols, typed_cols, checks = [], [], []
    for c in feed.columns:
        name = c.name
        txt = f'"_txt_{name}"'
        cell = f'r."{name}"'
        text_cols.append(f"{trimmed(cell)} as {txt}")
        expr = typed_expr(c, f"v.{txt}")
        if c.default is not None:  # only a missing value takes the default; a bad one stays bad
            expr = f"case when v.{txt} is null then {c.default} else {expr} end"
        typed_cols.append(f'{expr} as "{name}"')

        missing = f"t.{txt} is null"
        if c.required:
            checks.append((missing, f"MISSING_REQUIRED:{name}"))
        elif c.required_when:
            checks.append((f"{missing} and ({c.required_when})", f"MISSING_REQUIRED:{name}"))
        if c.type == "integer":  # a whole number too large for an integer is out of range, not bad
            checks.append((f't.{txt} is not null and t."{name}" is null and regexp_full_match(t.{txt}, '
                           f"'{WHOLE_NUMBER}')", f"OUT_OF_RANGE:{name}"))
        if c.type in BAD_REASON:
            checks.append((f't.{txt} is not null and t."{name}" is null', f"{BAD_REASON[c.type]}:{name}"))
        if c.type == "date":  # year 0000 is a date to DuckDB (1 BC); no feed's date is that far off
            checks.append((f't."{name}" is not null and not (t."{name}" between {DATE_RANGE})', f"OUT_OF_RANGE:{name}"))
        rng = range_expr(c)
        if rng:
            checks.append((f't."{name}" is not null and not ({rng})', f"OUT_OF_RANGE:{name}"))
        if c.invalid_when:
            code, condition = c.invalid_when
            checks.append((f't."{name}" is not null and ({condition})', f"{code}:{name}"))

    reason = "case " + " ".join(f"when {cond} then '{code}'" for cond, code in checks) + " end"
    out_cols = ", ".join(f't."{c.name}"' for c in feed.columns)
    return f"""
with v as (
    select {", ".join(text_cols)}, r._delivery_seq, r._file_path, r._row_number
    from {source} as r
),
t as (
    select v.*, {", ".join(typed_cols)}
    from v
),
final as (
    select {out_cols}, t._delivery_seq, t._file_path, t._row_number, {reason} as _reason
    from t
)
select * from final
"""


def staging_columns(feed: Feed) -> list[str]:
    return [f'"{c.name}"' for c in feed.columns] + ["_delivery_seq", "_file_path", "_row_number"]

