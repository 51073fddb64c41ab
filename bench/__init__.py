"""Benchmark: the nightly job against DuckDB reading the same files (see bench/run.py)."""
