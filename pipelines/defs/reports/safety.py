"""Guards for values written into reports.

- Formula injection: a text value that came from input data and starts with a
  character a spreadsheet reads as a formula is written as text (OWASP "CSV
  injection"). Only text is guarded: numbers (negative money too) stay numbers.
- File names: a payer id never becomes a path outside the output folder.
- Atomic writes: a report or packet replaces the old file whole or not at all.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def csv_text(value: str) -> str:
    """A text value for CSV: prefixed with a single quote when it looks like a formula."""
    return "'" + value if looks_like_formula(value) else value


def safe_file_stem(payer_id: str) -> str:
    """A file-name-safe stem for a payer id: only letters, digits, '_' and '-'.

    When anything had to be replaced, or the id has a lower-case letter, a short
    hash of the original id is appended so two different ids never share a file:
    not 'A/B' and 'A_B', nor 'ACME' and 'acme' on a file system that ignores case
    (Windows, macOS, SMB shares), where one payer's report would replace the other's.
    """
    cleaned = _SAFE.sub("_", payer_id).strip("_-")[:80] or "payer"
    if cleaned != payer_id or payer_id != payer_id.upper():
        digest = hashlib.sha256(payer_id.encode("utf-8")).hexdigest()[:8]
        cleaned = f"{cleaned}_{digest}"
    return cleaned


def report_path(out_dir: Path, payer_id: str, ext: str) -> Path:
    """The report file of a payer inside out_dir; never anywhere else."""
    out_dir = out_dir.resolve()
    path = (out_dir / f"oba_report_{safe_file_stem(payer_id)}.{ext}").resolve()
    if path.parent != out_dir:  # belt and braces: the stem has no separators
        raise ValueError("payer id does not make a safe file name")
    return path


def atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    """Write `target` through `write(temporary path)`, then move it into place in one step.

    The temporary file lies beside the target (same file system, so os.replace is atomic): a
    reader sees the old file or the new one, never half of one. On any failure the temporary
    file is removed and the old target stays as it was."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; analysts read the reports
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
