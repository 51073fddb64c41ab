"""Benchmark the nightly job at a given scale (issue "Scale"); not part of `make test`.

    make bench                                 # 1,000, 3,000 and 10,000 episodes, 3 runs each
    make bench SCALES=1000 REPEAT=1 OUT=/tmp/bench.json   # a quick look
    .venv/bin/python -m bench.run --table-from bench/results.json   # reprint a table

For each scale it synthesizes a landing zone of daily files (`oba synth`) and
measures:

- reference: DuckDB alone reading the same files once
  (`select count(*) from read_csv(...)` per feed): the physical floor; with
  three more floors (see `reference_read`): counting file by file, every column
  parsed (nothing stored), and every row stored once as text;
- full: the whole nightly job from an empty warehouse over all days but the last;
- incremental: the next nightly run, after one more day of files lands (`add_day`);
- rebuild: one more run after it with nothing new in the landing zone and the
  same as-of date. Every mart is still rebuilt as of the as-of date (spec
  outputs.md), so this is the fixed cost of a night; incremental minus rebuild
  is what the day's files themselves cost. The treated children that the day's
  files touch (any row of theirs) are counted too: the share of episodes whose
  evidence changes in one night.

It prints each scale's verdict on the targets (`TARGETS`, set at 10,000 episodes in one
`make bench` run): the full run within 15x the reference, the incremental night within 5x the
reference, peak memory within 2 GiB.

With `--repeat N` each run is made N times from the same start (an empty
warehouse; the warehouse the full run published) and the run of median total
time is reported, with every total kept: timings on a shared machine vary by
10-20% from run to run.

For each run it records the wall time per asset (Dagster step stats), the total,
and the peak resident memory of the whole run (the run happens in a child
process). It prints a table of ratios and writes everything as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from pipelines.defs.ingest.feeds import TABULAR_FEEDS

# every tabular feed of feeds.py: the reference reads what the pipeline reads
FEEDS = TABULAR_FEEDS




READ = "read_csv(?, header = true, all_varchar = true)"


def reference_read(landing: Path, kind: str = "count") -> dict:
    """DuckDB alone, every file of every feed read once:

    - count: `select count(*) from read_csv([the feed's files])`, one query per
      feed: the issue's physical reference;
    - count_per_file: the same count, one query per file (DuckDB's multi-file
      reader is 2-3x slower on one large file plus small ones than one file at a
      time, which is how the pipeline reads them);
    - parse: one query per feed with every column parsed (`max(columns(*))`),
      nothing stored;
    - store: every row stored once, as text, file by file, in a database file of
      the warehouse's format. The pipeline keeps every row twice (raw as
      delivered, staging typed), so twice this is its floor.
    """
    from pipelines.warehouse import STORAGE_COMPATIBILITY

    scratch = landing.parent / "reference.duckdb"
    scratch.unlink(missing_ok=True)
    con = duckdb.connect(str(scratch) if kind == "store" else ":memory:",
                         config={"storage_compatibility_version": STORAGE_COMPATIBILITY})
    con.execute("set memory_limit = '4GB'")
    per_feed, t_all = {}, time.perf_counter()
    for feed in FEEDS:
        files = sorted(str(p) for p in (landing / feed).glob("*.csv"))
        if not files:
            continue
        t0 = time.perf_counter()
        if kind == "count":
            n = con.execute(f"select count(*) from {READ}", [files]).fetchall()[0][0]
        elif kind == "count_per_file":
            n = sum(con.execute(f"select count(*) from {READ}", [f]).fetchall()[0][0] for f in files)
        elif kind == "parse":
            n = con.execute(f"select count(*), max(columns(*)) from {READ}", [files]).fetchall()[0][0]
        else:
            con.execute(f"create table {feed} as select * from {READ}", [files[0]])
            for f in files[1:]:
                con.execute(f"insert into {feed} select * from {READ}", [f])
            con.execute("checkpoint")
            n = con.execute(f"select count(*) from {feed}").fetchall()[0][0]
        per_feed[feed] = {"rows": n, "seconds": round(time.perf_counter() - t0, 3)}
    con.close()
    scratch.unlink(missing_ok=True)
    return {"seconds": round(time.perf_counter() - t_all, 3), "feeds": per_feed}


def measured_run(landing: Path, warehouse: Path, as_of: str, timings: Path) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.child", str(landing), str(warehouse), as_of, str(timings)],
        capture_output=True, text=True,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"nightly run failed at {landing}")
    data = json.loads(timings.read_text())
    data["wall_s"] = round(wall, 3)
    # data["peak_rss_mib"]: the run's largest process, as the child measured it (bench/child.py)
    return data


def median_run(runs: list[dict]) -> dict:
    """The run of median total time (the lower middle one of an even count), with every total."""
    ranked = sorted(runs, key=lambda r: r["total_s"])
    return {**ranked[(len(ranked) - 1) // 2], "totals_s": [r["total_s"] for r in runs]}


# The performance targets (issue 16 "Speed"), for 10,000 episodes measured in one `make bench` run.
TARGET_EPISODES = 10_000
TARGETS = {"full_over_reference": 15.0, "incremental_over_reference": 5.0, "peak_rss_gib": 2.0}


def verdicts(result: dict) -> list[str]:
    """One line per target: the scale's figure, the target and whether the figure meets it."""
    reference = result["reference"]["seconds"]
    figures = {
        "full_over_reference": result["full"]["total_s"] / reference,
        "incremental_over_reference": result["incremental"]["total_s"] / reference,
        "peak_rss_gib": max(result[k]["peak_rss_mib"] for k in ("full", "incremental", "rebuild")) / 1024,
    }
    names = {"full_over_reference": ("full run", "x the reference"),
             "incremental_over_reference": ("incremental night", "x the reference"),
             "peak_rss_gib": ("peak memory", " GiB")}
    lines = []
    for key, limit in TARGETS.items():
        name, unit = names[key]
        met = "met" if figures[key] <= limit else "NOT MET"
        lines.append(f"{name}: {figures[key]:.1f}{unit} (target <= {limit:g}{unit}): {met}")
    return lines


# What a run's time is made of, by the kind of work its steps do (checks before loads: a GX
# check's step key starts with its feed's). "orchestration" is the total outside any step:
# Dagster starting the run and importing the definitions.
PARTS = {
    "copy and schema": lambda k: k == "warehouse_build",
    "data quality checks": lambda k: "_gx_" in k,
    "loading files": lambda k: k.startswith("staging__"),
    "models": lambda k: k.startswith(("core__", "marts__")),
    "publish": lambda k: k in ("published_warehouse", "dbt_docs"),
    "reports": lambda k: k == "payer_reports",
}


def run_parts(run: dict) -> dict[str, float]:
    """The run's total split into PARTS plus "orchestration"; the parts add up to the total.

    A step that fits no part fails loudly rather than going uncounted."""
    parts = dict.fromkeys(PARTS, 0.0)
    for step, seconds in run["steps"].items():
        part = next((name for name, fits in PARTS.items() if fits(step)), None)
        if part is None:
            raise ValueError(f"step {step!r} belongs to no part of bench.run.PARTS; add it there")
        parts[part] += seconds
    parts["orchestration"] = run["total_s"] - sum(parts.values())
    return {name: round(seconds, 3) for name, seconds in parts.items()}


def episodes_touched(landing: Path, day: str, warehouse: Path) -> dict:
    """How many treated children (episodes) have a row in the day's files of any person feed."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        files = [str(f) for feed in FEEDS for f in [landing / feed / f"{day}.csv"] if f.exists()]
        persons = " union ".join(
            ["select payer_id, member_id from read_csv(?, header = true, all_varchar = true)"] * len(files)
        ) or "select null as payer_id, null as member_id where false"
        touched, total = con.execute(
            f"""select count(*) filter (where t.payer_id is not null), count(*)
                from marts.treatment_episodes e
                left join ({persons}) t using (payer_id, member_id)""",
            files,
        ).fetchone()
    finally:
        con.close()
    return {"day": day, "episodes": total, "touched": touched, "share": round(touched / total, 3) if total else None}


def bench_scale(episodes: int, seed: int, days: int, workdir: Path, as_of: str, repeat: int = 1) -> dict:
    root = workdir / f"e{episodes}"
    if root.exists():
        shutil.rmtree(root)
    from pipelines.synth import add_day, synthesize

    landing = root / "landing"
    t0 = time.perf_counter()
    synth_summary = synthesize(episodes, seed, landing, days)
    synth_s = round(time.perf_counter() - t0, 3)
    reference_read(landing)  # warm the page cache so the references and the run read the same way
    reference = reference_read(landing)
    per_file = reference_read(landing, "count_per_file")
    parse = reference_read(landing, "parse")
    store = reference_read(landing, "store")
    warehouse = root / "wh" / "oba.duckdb"
    fulls = []
    for _ in range(repeat):
        shutil.rmtree(warehouse.parent, ignore_errors=True)
        fulls.append(measured_run(landing, warehouse, as_of, root / "full.json"))
    full = median_run(fulls)
    published = root / "published_by_full.duckdb"  # every incremental run starts from it
    shutil.copyfile(warehouse, published)
    next_day = add_day(landing)  # one more day of files: the next nightly delivery
    incrementals = []
    for _ in range(repeat):
        shutil.copyfile(published, warehouse)
        incrementals.append(measured_run(landing, warehouse, as_of, root / "incremental.json"))
    incremental = median_run(incrementals)
    shutil.copyfile(warehouse, published)  # the incremental run's warehouse: every rebuild starts from it
    rebuilds = []
    for _ in range(repeat):
        shutil.copyfile(published, warehouse)
        rebuilds.append(measured_run(landing, warehouse, as_of, root / "rebuild.json"))
    rebuild = median_run(rebuilds)
    published.unlink()
    touched = episodes_touched(landing, next_day["last_day"], warehouse)
    return {
        "episodes": episodes,
        "synth_seconds": synth_s,
        "synth": synth_summary,
        "next_day": next_day,
        "reference": reference,
        "count_per_file_reference": per_file,
        "parse_reference": parse,
        "store_reference": store,
        "full": full,
        "incremental": incremental,
        "rebuild": rebuild,
        "episodes_touched_by_next_day": touched,
        "ratios": {
            "full_over_reference": round(full["total_s"] / reference["seconds"], 2),
            "full_over_count_per_file": round(full["total_s"] / per_file["seconds"], 2),
            "full_over_parse": round(full["total_s"] / parse["seconds"], 2),
            "full_over_store": round(full["total_s"] / store["seconds"], 2),
            "incremental_over_reference": round(incremental["total_s"] / reference["seconds"], 2),
            "incremental_over_full": round(incremental["total_s"] / full["total_s"], 3),
            "rebuild_over_full": round(rebuild["total_s"] / full["total_s"], 3),
        },
    }


def print_table(results: list[dict]) -> None:
    print()
    print(f"{'episodes':>9} {'reference s':>12} {'per file s':>11} {'parse s':>8} {'store s':>8} {'full s':>9} "
          f"{'full/ref':>9} {'full/per file':>14} {'full/parse':>11} {'full/store':>11} "
          f"{'incr s':>8} {'incr/full':>10} {'rebuild s':>10} {'touched':>8} {'peak MiB':>9}")
    for r in results:
        print(f"{r['episodes']:>9} {r['reference']['seconds']:>12.2f} {r['count_per_file_reference']['seconds']:>11.2f} "
              f"{r['parse_reference']['seconds']:>8.2f} {r['store_reference']['seconds']:>8.2f} "
              f"{r['full']['total_s']:>9.2f} {r['ratios']['full_over_reference']:>9.2f} "
              f"{r['ratios']['full_over_count_per_file']:>14.2f} "
              f"{r['ratios']['full_over_parse']:>11.2f} {r['ratios']['full_over_store']:>11.2f} "
              f"{r['incremental']['total_s']:>8.2f} "
              f"{r['ratios']['incremental_over_full']:>10.3f} {r['rebuild']['total_s']:>10.2f} "
              f"{r['episodes_touched_by_next_day']['share']:>8.1%} "
              f"{max(r[k]['peak_rss_mib'] for k in ('full', 'incremental', 'rebuild')):>9.0f}")
    for r in results:
        scale = "" if r["episodes"] == TARGET_EPISODES else f" (the targets are set at {TARGET_EPISODES:,})"
        print(f"\nTargets at {r['episodes']:,} episodes{scale}:")
        for line in verdicts(r):
            print(f"  {line}")
    last = results[-1]
    print(f"\nSlowest assets of the full run at {last['episodes']} episodes:")
    for k, v in sorted(last["full"]["steps"].items(), key=lambda kv: -kv[1])[:10]:
        print(f"  {v:8.2f} s  {k}")
    print(f"\nInput rows at {last['episodes']} episodes: "
          + ", ".join(f"{f} {d['rows']:,}" for f, d in last["reference"]["feeds"].items()))
    print(f"\nWhere the time goes at {last['episodes']} episodes, as shares of the full run's {last['full']['total_s']:.1f} s:")
    full_s = last["full"]["total_s"]
    runs = {k: run_parts(last[k]) for k in ("full", "incremental", "rebuild")}
    print(f"  {'part':22} {'full':>8} {'incremental':>12} {'rebuild':>8}")
    for part in runs["full"]:
        print(f"  {part:22} " + " ".join(f"{runs[k][part] / full_s:>{w}.1%}"
                                         for k, w in (("full", 8), ("incremental", 12), ("rebuild", 8))))
    floor = sum(v for p, v in runs["incremental"].items() if p not in ("models", "reports"))
    print(f"  the incremental run without its models and reports: {floor / full_s:.1%} of the full run")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--episodes", type=int, default=1000)
    p.add_argument("--scales", default="", help="comma-separated episode counts (overrides --episodes)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--days", type=int, default=10)
    p.add_argument("--as-of", default="2026-11-21")
    p.add_argument("--workdir", default="/tmp/oba-bench")
    p.add_argument("--out", default="bench/results.json")
    p.add_argument("--repeat", type=int, default=1, help="runs of each kind; the median one is reported")
    p.add_argument("--table-from", metavar="JSON", help="print the table of an earlier benchmark's JSON; run nothing")
    args = p.parse_args(argv)
    if args.table_from:
        print_table(json.loads(Path(args.table_from).read_text())["results"])
        return 0
    scales = [int(s) for s in args.scales.split(",") if s] or [args.episodes]
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    for n in scales:
        print(f"benchmarking {n} episodes ...", flush=True)
        results.append(bench_scale(n, args.seed, args.days, workdir, args.as_of, args.repeat))
    print_table(results)
    Path(args.out).write_text(json.dumps({"machine": {"cpus": __import__("os").cpu_count(),
                                                      "python": platform.python_version(),
                                                      "duckdb": duckdb.__version__},
                                          "results": results}, indent=2))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
