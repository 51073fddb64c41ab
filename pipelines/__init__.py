"""ZOLGENSMA outcomes-based agreement (OBA) tracking pipeline."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
