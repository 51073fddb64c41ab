"""The DuckDB warehouse: where a run builds, and how it is published.

Analysts open the published file (`warehouse/oba.duckdb` by default) read-only.
A run never writes it in place:

1. `prepare_build` copies the published file (history accumulates) to
   `<name>.building.duckdb` beside it, or starts an empty one, and holds a
   connection to it for the rest of the run;
2. every asset of the run writes the build file;
3. `publish` checkpoints and closes it, then `os.replace`s it onto the
   published path: atomic on POSIX, so a reader sees the old file or the new
   one, never half of either. A reader holding the old file keeps it open.

The held connection keeps one DuckDB instance (and its buffer pool) alive across the steps of a run
(the nightly job runs in process): each step's `connect()` joins it instead of reopening the file,
and closing a step's connection no longer checkpoints and syncs the whole file. At national scale
that was about 0.05 s per step over some 40 steps. The resource's teardown releases it when a run
fails before publishing.

A run that fails or is killed leaves the published file untouched; the next
run throws the stale build file away and starts again from the published one.
One run at a time: a run holds `<name>.duckdb.lock` (an flock) from `prepare_build`
to its teardown, and a second run fails at once, saying so.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipelines import schema
from pipelines.settings import DEFAULT_LANDING, DEFAULT_WAREHOUSE, parse_as_of

# DuckDB's own cap (its buffer pool; above it DuckDB spills to a .tmp folder beside the file), for
# the run's process and for dbt's. With the Python around it a night at 10,000 episodes peaks at
# ~1.4 GiB, inside the 2 GiB target; with 4 GB, loading the claims took it to 1.8-2.1 GiB, no faster.
DEFAULT_MEMORY_LIMIT = "1GB"
# Files written in DuckDB 2.0's own format cannot be opened by DuckDB 1.x, which many analysts'
# tools (DBeaver's driver, older CLIs) still bundle. A new warehouse is created in the v1.3 storage
# format (readable by DuckDB >= 1.3); copies made for later runs keep it. v1.3 rather than v1.0:
# its string compression writes a national-scale claims file in 2/3 of the time (docs/decisions.md).
STORAGE_COMPATIBILITY = "v1.3.0"


def build_path_for(published: Path) -> Path:
    return published.with_name(published.stem + ".building" + published.suffix)


def lock_path_for(published: Path) -> Path:
    """The file a run locks from prepare_build to its teardown: one run at a time builds a warehouse."""
    return published.with_name(published.name + ".lock")


def _resolve(p: str) -> Path:
    path = Path(p).expanduser()
    return path if path.is_absolute() else (Path.cwd() / path)


class WarehouseResource(dg.ConfigurableResource):
    """Where the run reads the landing zone and builds / publishes the warehouse."""

    path: str = DEFAULT_WAREHOUSE
    landing_dir: str = DEFAULT_LANDING
    as_of: str = ""  # YYYY-MM-DD; empty means today
    memory_limit: str = DEFAULT_MEMORY_LIMIT

    # the run's own connection to the build file, from prepare_build to publish (or teardown)
    _held: duckdb.DuckDBPyConnection | None = PrivateAttr(default=None)
    # the as-of date of the run in progress, fixed by prepare_build: "today" is read once a run,
    # so a run that passes midnight still builds every mart as of one date
    _run_as_of: dt.date | None = PrivateAttr(default=None)
    # the open lock file (an flock), held by the run in progress
    _lock_fd: int | None = PrivateAttr(default=None)

    @property
    def published_path(self) -> Path:
        return _resolve(self.path)

    @property
    def build_path(self) -> Path:
        return build_path_for(self.published_path)

    @property
    def landing(self) -> Path:
        return _resolve(self.landing_dir)

    @property
    def as_of_date(self) -> dt.date:
        return self._run_as_of or parse_as_of(self.as_of)

    @contextlib.contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the build file (the as-of date is in core.as_of_date once dbt has run)."""
        if not self.build_path.exists():
            raise RuntimeError(
                f"no build in progress at {self.build_path}: materialize the whole `nightly` job "
                "(or run `oba run`), which starts with `warehouse_build`"
            )
        con = duckdb.connect(str(self.build_path), config=self._config())
        try:
            yield con
        finally:
            con.close()

    def _config(self) -> dict:
        # Every connection to the build file passes the same settings: DuckDB refuses to join an open
        # instance with different ones. The storage version only matters when the file is new.
        # Insertion order is what numbers raw rows (schema.raw_ddl): never let a setting turn it off.
        return {
            "memory_limit": self.memory_limit,
            "preserve_insertion_order": True,
            "storage_compatibility_version": STORAGE_COMPATIBILITY,
        }

    def prepare_build(self) -> None:
        published, build = self.published_path, self.build_path
        self.release()
        self._run_as_of = parse_as_of(self.as_of)
        build.parent.mkdir(parents=True, exist_ok=True)
        self._lock()  # before the stale build is removed: it may be another run's live one
        for stale in (build, build.with_name(build.name + ".wal")):
            stale.unlink(missing_ok=True)
        if published.exists():
            copy_past_the_page_cache(published, build)
        self._held = duckdb.connect(str(build), config=self._config())
        schema.create_all(self._held)

    def release(self) -> None:
        """Close the run's held connection, if any; the build file's last connection checkpoints it."""
        held, self._held = self._held, None
        if held is not None:
            held.close()

    def _lock(self) -> None:
        """Hold the warehouse's lock file for this run, or fail at once if another run holds it.

        Runs build at one fixed path, so a second run (the schedule, the sensor, a manual
        `oba run`) would delete the first one's build file and the first would then publish the
        second's half-built file. An flock is released by the kernel when its holder dies, so a
        killed run never leaves the warehouse locked."""
        if self._lock_fd is not None:
            return  # this run holds it already
        path = lock_path_for(self.published_path)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RuntimeError(
                f"another run is building {self.published_path} (it holds {path}); "
                "wait for it to finish, then run again"
            ) from None
        self._lock_fd = fd

    def _unlock(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            os.close(fd)  # closing the file releases the flock

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.release()
        self._unlock()
        self._run_as_of = None

    def publish(self) -> Path:
        build, published = self.build_path, self.published_path
        with self.connect() as con:
            con.execute("checkpoint")
        self.release()
        os.replace(build, published)
        return published


def copy_past_the_page_cache(source: Path, target: Path) -> None:
    """Copy `source` to `target` with direct I/O: coreutils `dd` with `iflag=direct,oflag=direct`
    moves the bytes from disk to disk in 8 MiB blocks without passing them through the page cache.

    A page-cache copy (`shutil.copyfile`) gives the kernel 700 MB of new pages to fill, then to
    write back while the run works. At 10,000 episodes on this project's machine it took 0.4-5.9 s
    depending on what memory the kernel had at hand, and its write-back slowed the loads that
    followed; the direct copy takes 0.6-0.9 s whether the file is cached or not (docs/performance.md).
    Where dd is missing or the file system refuses direct I/O, the page-cache copy is used."""
    try:
        subprocess.run(["dd", f"if={source}", f"of={target}", "bs=8M", "iflag=direct", "oflag=direct",
                        "status=none"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        shutil.copyfile(source, target)


def default_resource() -> WarehouseResource:
    """The resource as the schedule, the sensor and `dagster dev` see it (environment variables).

    Relative paths are taken from the current directory, as `oba run` takes them: an installed
    package has no checkout to put the warehouse in."""
    return WarehouseResource(
        path=os.environ.get("OBA_WAREHOUSE", DEFAULT_WAREHOUSE),
        landing_dir=os.environ.get("OBA_LANDING_DIR", DEFAULT_LANDING),
        as_of=os.environ.get("OBA_AS_OF", ""),
    )
