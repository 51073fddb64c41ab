"""Reports and packets replace their file whole or not at all (safety.atomic_write)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pipelines.defs.reports.safety import atomic_write


def test_atomic_write_replaces_the_target_readable_by_analysts(tmp_path: Path) -> None:
    target = tmp_path / "oba_report_ACME.csv"
    target.write_text("old", encoding="utf-8")

    atomic_write(target, lambda tmp: tmp.write_text("new", encoding="utf-8"))

    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "oba_packet_ACME_E1_12m.html"
    target.write_text("old", encoding="utf-8")

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError, match="writer failed"):
        atomic_write(target, half_then_fail)

    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
