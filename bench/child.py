"""One measured nightly run, in its own process so its peak memory can be read by the parent.

    python -m bench.child LANDING WAREHOUSE AS_OF TIMINGS_JSON
"""

import json
import sys
import time

from pipelines.cli import execute_nightly


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
    with open(out, "w") as f:
        json.dump({"success": result.success, "total_s": round(total, 3), "steps": steps}, f)
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
