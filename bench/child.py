"""One measured nightly run, in its own process so its peak memory can be read by the parent.

    python -m bench.child LANDING WAREHOUSE AS_OF TIMINGS_JSON
"""

import json
import resource
import sys
import time
from pathlib import Path

from pipelines.cli import execute_nightly


def peak_rss_kib() -> int:
    """The largest resident set of this run's processes: this one (loading, GX, the reports'
    parent), read from its own memory map's high-water mark (VmHWM), and the largest of its
    children (dbt, the report workers).

    Not this process's ru_maxrss: a process started with vfork and exec (as subprocess starts
    it) inherits its parent's high-water mark in that figure, so the benchmark's own synthesizing
    and reference reads (~1.9 GiB at 10,000 episodes) would be counted as the run's."""
    status = Path("/proc/self/status").read_text()
    own = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main() -> int:
    # imported here, as `oba` does: the run's report workers import this module again (spawn)
    import dagster as dg

    landing, warehouse, as_of, out = sys.argv[1:5]
    instance = dg.DagsterInstance.ephemeral()
    t0 = time.perf_counter()
    result = execute_nightly(landing, warehouse, as_of, instance=instance)
    total = time.perf_counter() - t0
    steps = {
        s.step_key: round(s.end_time - s.start_time, 3)
        for s in instance.get_run_step_stats(result.run_id)
        if s.start_time and s.end_time
    }
    peak_mib = round(peak_rss_kib() / 1024, 1)
    with open(out, "w") as f:
        json.dump({"success": result.success, "total_s": round(total, 3), "steps": steps, "peak_rss_mib": peak_mib}, f)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
