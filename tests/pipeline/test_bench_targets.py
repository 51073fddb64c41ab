"""The benchmark's verdicts on the performance targets (issue 16 "Speed"): at 10,000 episodes the
full run within 15x the read-only reference, the incremental night within 5x, peak memory within 2 GiB."""

from bench.run import verdicts


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
