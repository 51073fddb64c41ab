"""The helper process of writer.write_all_reports:

    python -m pipelines.defs.reports WAREHOUSE OUT_DIR FORMATS PAYER_ID...

writes those payers' reports (FORMATS comma-separated, e.g. xlsx,csv,html).
SIGTERM (the parent stopping it) exits through Python, so the file being
written is removed rather than left behind as a temporary file.
"""

from __future__ import annotations

import signal
import sys

from pipelines.defs.reports.writer import write_payer_reports


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    warehouse, out_dir, formats, *payer_ids = argv
    write_payer_reports(warehouse, payer_ids, formats.split(","), out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
