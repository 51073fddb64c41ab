"""The benchmark's verdicts on the performance targets (issue 16 "Speed"): at 10,000 episodes the
full run within 15x the read-only reference, the incremental night within 5x, peak memory within 2 GiB."""

import subprocess
import sys

from bench.run import verdicts
from pipelines import PROJECT_ROOT


def result(reference_s: float, full_s: float, incremental_s: float, peak_mib: float) -> dict:
    run = lambda total: {"total_s": total, "peak_rss_mib": 100.0}  # noqa: E731
    return {"reference": {"seconds": reference_s}, "full": run(full_s), "incremental": run(incremental_s),
            "rebuild": {"total_s": 1.0, "peak_rss_mib": peak_mib}}


def test_figures_at_the_targets_meet_them():
    assert verdicts(result(4.0, 60.0, 20.0, 2048.0)) == [
        "full run: 15.0x the reference (target <= 15x the reference): met",
        "incremental night: 5.0x the reference (target <= 5x the reference): met",
        "peak memory: 2.0 GiB (target <= 2 GiB): met",
    ]


def test_each_figure_over_its_target_is_not_met():
    lines = verdicts(result(4.0, 61.0, 20.5, 2100.0))
    assert [line.rsplit(": ", 1)[1] for line in lines] == ["NOT MET"] * 3


def test_a_runs_peak_memory_is_its_own_not_that_of_the_process_that_started_it():
    """bench.child is started by a benchmark that has just synthesized and read gigabytes; its
    peak must not include them (a vforked child's ru_maxrss starts at its parent's high-water mark)."""
    script = (
        "import subprocess, sys\n"
        "big = bytearray(600 << 20)\n"  # the parent's high-water mark: 600 MiB, every page touched
        "del big\n"
        "child = 'import resource; from bench.child import peak_rss_kib; "
        "print(peak_rss_kib(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)'\n"
        "print(subprocess.run([sys.executable, '-c', child], capture_output=True, text=True, check=True).stdout)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=PROJECT_ROOT).stdout
    peak_kib, ru_maxrss_kib = map(int, out.split())  # ru_maxrss: > 600 MiB where Python uses vfork
    assert peak_kib < 300 << 10, ru_maxrss_kib
