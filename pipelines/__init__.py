"""ZOLGENSMA outcomes-based agreement (OBA) tracking pipeline."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The SQL models and the expectation suites live in the top-level sql/ and expectations/ of the
# checkout. A wheel carries them inside the package (setup.py copies them in when it builds), so an
# installed package finds them beside this file; a checkout, or an editable install of one, finds
# them one level up.
DATA_ROOT = PACKAGE_DIR if (PACKAGE_DIR / "sql").is_dir() else PACKAGE_DIR.parent
SQL_DIR = DATA_ROOT / "sql"
EXPECTATIONS_DIR = DATA_ROOT / "expectations"
REFERENCE_DIR = PACKAGE_DIR / "reference"
# The checkout this package sits in, for the tests and the benchmark (data_samples/, tests/).
# An installed package has none: nothing the commands run resolves a path from it.
PROJECT_ROOT = PACKAGE_DIR.parent
