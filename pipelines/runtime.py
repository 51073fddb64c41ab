"""How often a night's Python processes run the cyclic garbage collector.

CPython collects its youngest objects each time 700 more container objects (tuples, lists,
dicts, instances) have been created than freed, and walks every object the process holds after
every hundredth such collection. A night creates millions of container objects that live until
its process ends: the Dagster, dbt and Great Expectations modules and definitions the run imports,
the events of every dbt node, and in a report worker the rows of a payer's report. At the default
threshold the collector walked them again and again, finding next to nothing to free: about 1.2 s
of the run's own process and 0.7-1.1 s of each report worker at 10,000 episodes
(docs/performance.md). After 50,000 it runs a fiftieth as often; what it frees is still freed,
only later.

Called where a night's processes start: `execute_nightly` (`oba run`, the benchmark), the
definitions module (runs that the Dagster daemon or `dagster dev` launch) and the report workers.
Kept free of Dagster, like settings.py, for those workers."""

from __future__ import annotations

import gc

# container objects created (net of those freed) between two collections of the youngest generation
YOUNGEST_GENERATION_THRESHOLD = 50_000


def collect_garbage_less_often() -> None:
    """Raise the collector's first threshold for this process; the two older ones stay as they are."""
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNGEST_GENERATION_THRESHOLD, middle, oldest)
