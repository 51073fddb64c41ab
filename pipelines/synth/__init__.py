"""Deterministic scale generator of a landing zone (see generator.py for the API)."""

from pipelines.synth.generator import FIRST_DAY, WORLD_END, add_day, synthesize

__all__ = ["FIRST_DAY", "WORLD_END", "add_day", "synthesize"]
