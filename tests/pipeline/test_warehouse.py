"""The build file's lifecycle within one run: prepare, steps, publish or teardown (pipelines/warehouse.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.warehouse import WarehouseResource, copy_past_the_page_cache


def resource(tmp_path: Path) -> WarehouseResource:
    return WarehouseResource(path=str(tmp_path / "oba.duckdb"), landing_dir=str(tmp_path), as_of="2026-11-21")


def wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def test_steps_join_the_runs_connection_and_publish_checkpoints_before_the_replace(tmp_path):
    wh = resource(tmp_path)
    wh.prepare_build()
    with wh.connect() as con:
        con.execute("create table marts.step_output as select 42 as answer")
    # the run still holds the build file: closing the step's connection did not checkpoint it
    assert wal(wh.build_path).exists() and wal(wh.build_path).stat().st_size > 0
    published = wh.publish()
    # the WAL was folded into the file before the replace, which moves the file alone
    assert not wh.build_path.exists() and not wal(wh.build_path).exists() and not wal(published).exists()
    con = duckdb.connect(str(published), read_only=True)
    try:
        assert con.execute("select answer from marts.step_output").fetchall() == [(42,)]
    finally:
        con.close()


def test_teardown_of_a_failed_run_releases_the_build_file(tmp_path):
    wh = resource(tmp_path)
    wh.prepare_build()
    wh.teardown_after_execution(None)
    # while an instance holds the file DuckDB refuses a connection with other settings
    con = duckdb.connect(str(wh.build_path), config={"memory_limit": "1GB"})
    try:
        assert con.execute("select current_setting('memory_limit')").fetchone()[0].startswith("953.6")  # 1 GB
    finally:
        con.close()


def test_a_new_run_in_the_same_process_starts_over_from_the_published_file(tmp_path):
    wh = resource(tmp_path)
    wh.prepare_build()
    with wh.connect() as con:
        con.execute("create table marts.kept as select 1 as a")
    wh.publish()
    wh.prepare_build()
    with wh.connect() as con:
        con.execute("create table marts.abandoned as select 1 as a")
    # the run fails here and nothing tears it down; the next run drops the stale build
    wh.prepare_build()
    with wh.connect() as con:
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()}
    assert "kept" in tables and "abandoned" not in tables
    wh.release()


def test_a_second_run_while_one_is_building_fails_and_leaves_the_first_runs_build_alone(tmp_path):
    first = resource(tmp_path)
    first.prepare_build()
    with first.connect() as con:
        con.execute("create table marts.first_run as select 1 as a")
    second = resource(tmp_path)  # the schedule, the sensor or a manual run: its own resource
    with pytest.raises(RuntimeError, match="another run is building"):
        second.prepare_build()
    second.teardown_after_execution(None)  # a failed run's teardown must not free the first's lock
    with pytest.raises(RuntimeError, match="another run is building"):
        resource(tmp_path).prepare_build()
    published = first.publish()
    con = duckdb.connect(str(published), read_only=True)
    try:  # the first run published its own build, which the second did not delete
        assert con.execute("select a from marts.first_run").fetchall() == [(1,)]
    finally:
        con.close()
    first.teardown_after_execution(None)
    third = resource(tmp_path)
    third.prepare_build()  # the lock is free once the first run has ended
    third.teardown_after_execution(None)


def test_the_lock_of_a_killed_run_does_not_outlive_it(tmp_path):
    code = ("import sys, time; from pipelines.warehouse import WarehouseResource as W; "
            f"W(path={str(tmp_path / 'oba.duckdb')!r}, landing_dir={str(tmp_path)!r}, as_of='2026-11-21')"
            ".prepare_build(); print('building', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "building"
        with pytest.raises(RuntimeError, match="another run is building"):
            resource(tmp_path).prepare_build()
    finally:
        proc.kill()
        proc.wait()
    wh = resource(tmp_path)
    wh.prepare_build()
    wh.teardown_after_execution(None)


@pytest.mark.parametrize("size", [0, 4096 * 3 + 262_144 * 2, 8 * 2**20 + 12_345])
def test_the_build_copy_is_the_published_file_byte_for_byte(tmp_path, size):
    """Direct I/O moves whole blocks; a file of any length, a short last block included, is copied exactly."""
    source, target = tmp_path / "published.duckdb", tmp_path / "build.duckdb"
    source.write_bytes(os.urandom(size))
    target.write_bytes(b"a stale build, longer than the new copy" * 1000)
    copy_past_the_page_cache(source, target)
    assert target.read_bytes() == source.read_bytes()


def test_without_dd_the_build_copy_falls_back_to_the_page_cache(tmp_path, monkeypatch):
    source, target = tmp_path / "published.duckdb", tmp_path / "build.duckdb"
    source.write_bytes(os.urandom(300_001))
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    copy_past_the_page_cache(source, target)
    assert target.read_bytes() == source.read_bytes()
