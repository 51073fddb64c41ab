"""The sample reports opened in the programs a reconciliation team uses.

The reports of data_samples/ (written once per session by a real nightly run) are
converted and rendered by LibreOffice, headless Chromium and poppler, as installed
by `make setup` (Debian packages libreoffice-calc-nogui, chromium, poppler-utils):
- LibreOffice prints each xlsx sheet with all its columns on the page width, landscape,
  its header row on every page;
- Chromium shows each HTML page in a 1,366 px window without horizontal overflow, ids,
  dates and numbers on one line and long text wrapped;
- Chromium prints each HTML page landscape with every column of every table, at the
  size the print stylesheet sets (not shrunk to fit);
- Chromium prints each evidence packet portrait, within the page, every section and evidence id
  on paper, with nothing to fetch.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from pipelines import PROJECT_ROOT
from pipelines.cli import execute_nightly
from pipelines.defs.reports.packet import write_packets
from pipelines.read_only import open_read_only

SAMPLES = PROJECT_ROOT / "data_samples"
AS_OF = json.loads((SAMPLES / "expected.json").read_text())["as_of"]
PACKAGES = {"soffice": "libreoffice-calc-nogui", "chromium": "chromium",
            "pdftotext": "poppler-utils", "pdfinfo": "poppler-utils"}


def program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: these tests open the reports in it. Install the Debian "
                    f"package {PACKAGES[name]} (`make setup` does).", pytrace=False)
    return path


def run(args: list[str], timeout: int = 180) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{args[0]} failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


@pytest.fixture(scope="session")
def sample_reports(tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("sample_run") / "oba.duckdb"
    assert execute_nightly(str(SAMPLES / "landing"), str(warehouse), AS_OF).success
    reports = warehouse.parent / "reports"
    assert len(list(reports.glob("*.html"))) == len(list(reports.glob("*.xlsx"))) == 4
    return reports


def pdf_pages(pdf: Path) -> tuple[list[str], list[list[tuple[float, float, str]]], tuple[float, float]]:
    """(text of each page, (right edge, height, word) of each word of each page, page size)."""
    info = run([program("pdfinfo"), str(pdf)])
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    texts = run([program("pdftotext"), "-layout", str(pdf), "-"]).split("\f")[:-1]
    bbox = run([program("pdftotext"), "-bbox", str(pdf), "-"])
    word = r'yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    words = [[(float(x), float(y1) - float(y0), html_unescape(w)) for y0, x, y1, w in re.findall(word, page)]
             for page in bbox.split("<page ")[1:]]
    return texts, words, (width, height)


def overlapping_words(pdf: Path) -> list[tuple[int, str, str]]:
    """(page, word, word) of words drawn over each other: text spilling out of a row too short."""
    found = []
    bbox = run([program("pdftotext"), "-bbox", str(pdf), "-"])
    for n, page in enumerate(bbox.split("<page ")[1:], start=1):
        boxes = sorted((float(y0), float(x0), float(y1), float(x1), w) for x0, y0, x1, y1, w in re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page))
        for i, (y0, x0, y1, x1, word) in enumerate(boxes):
            for oy0, ox0, oy1, ox1, other in boxes[i + 1:]:
                if oy0 >= y1:  # sorted by top: nothing further down can overlap
                    break
                # lines of one cell touch; words over each other share most of their height
                if min(y1, oy1) - oy0 > 0.4 * min(y1 - y0, oy1 - oy0) and ox0 < x1 - 1 and x0 < ox1 - 1:
                    found.append((n, word, other))
    return found


def html_unescape(text: str) -> str:
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')


def chromium(*args: str, user_dir: Path) -> str:
    return run([program("chromium"), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", f"--user-data-dir={user_dir}", *args])


def test_libreoffice_prints_every_sheet_landscape_with_all_columns_on_the_page_width(sample_reports, tmp_path):
    books = sorted(sample_reports.glob("*.xlsx"))
    run([program("soffice"), f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), *map(str, books)], timeout=300)
    for book in books:
        wb = openpyxl.load_workbook(book)
        headers = {ws.title: [c.value for c in ws[4 if ws.title == "Summary" else 1] if c.value]
                   for ws in wb.worksheets}
        texts, words, (width, height) = pdf_pages(tmp_path / f"{book.stem}.pdf")
        assert width > height, book.name  # landscape
        seen = set()
        for n, (text, page_words) in enumerate(zip(texts, words), start=1):
            # the page header names the sheet: "<sheet> - payer <id>"
            sheet = next(s for s in headers if text.lstrip().startswith(f"{s} - payer"))
            seen.add(sheet)
            # every column's header is on every page of its sheet: no column went to a page of its own
            page_text_words = set(text.split())
            for header in headers[sheet]:
                assert set(header.split()) <= page_text_words, (book.name, n, sheet, header)
            assert max(x for x, _, _ in page_words) <= width, (book.name, n, sheet)
        assert not overlapping_words(tmp_path / f"{book.stem}.pdf"), book.name  # wrapped text has room
        assert seen == set(headers), book.name  # every sheet printed


MEASURE = """<script>
const root = document.documentElement;
const wrapped = [], longWrapped = [];
for (const cell of document.querySelectorAll('td')) {
  const range = document.createRange();
  range.selectNodeContents(cell);
  const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
  if (cell.classList.contains('long')) { if (lines > 1) longWrapped.push(cell.textContent); }
  else if (lines > 1) wrapped.push(cell.textContent);
}
const pre = document.createElement('pre');
pre.id = 'measure';
pre.textContent = JSON.stringify({scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
                                  wrapped: wrapped, longWrapped: longWrapped.length});
document.body.appendChild(pre);
</script>"""


def test_chromium_shows_every_page_in_1366_px_without_overflow_or_wrapped_ids(sample_reports, tmp_path):
    long_wrapped = 0
    for page in sorted(sample_reports.glob("*.html")):
        probe = tmp_path / page.name  # the report plus a script that measures it
        probe.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"),
                         encoding="utf-8")
        dom = chromium("--window-size=1366,900", "--dump-dom", probe.as_uri(), user_dir=tmp_path / "profile")
        (found,) = re.findall(r'<pre id="measure">(.*?)</pre>', dom)
        m = json.loads(found.replace("&quot;", '"').replace("&amp;", "&"))
        assert m["scrollWidth"] <= m["clientWidth"] <= 1366, (page.name, m["scrollWidth"], m["clientWidth"])
        assert m["wrapped"] == [], page.name  # ids, dates, numbers and codes stay on one line
        long_wrapped += m["longWrapped"]
    assert long_wrapped > 0  # long text (evidence, fixes) wraps instead of widening the page


MIN_PRINTED_PT = 6  # the height of the smallest printed word; the print stylesheet's 8 px is ~7 pt


def test_chromium_prints_every_page_landscape_with_every_column(sample_reports, tmp_path):
    for page in sorted(sample_reports.glob("*.html")):
        pdf = tmp_path / f"{page.stem}.pdf"
        chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri(),
                 user_dir=tmp_path / "profile")
        texts, words, (width, height) = pdf_pages(pdf)
        assert width > height, page.name
        assert max(x for page_words in words for x, _, _ in page_words) <= width, page.name
        # nothing shrunk to fit: Chromium scales a page down (to unreadable) rather than cut it
        assert min(h for page_words in words for _, h, _ in page_words) >= MIN_PRINTED_PT, page.name
        printed = set(" ".join(texts).split())
        shown = page.read_text(encoding="utf-8")
        headers = set(re.findall(r"<th>([^<]+)</th>", shown))
        for header in headers:
            assert set(header.split()) <= printed, (page.name, header)
        # the last column of each detail table (its rightmost, the first to be cut) is printed
        for last in re.findall(r"<th>([^<]+)</th></tr></thead>", shown):
            assert last.split()[-1] in printed, (page.name, last)


def test_chromium_prints_the_sample_evidence_packets_portrait_within_the_page(sample_reports, tmp_path):
    """The packets of the payer that pays over time, as the manufacturer would print them: portrait,
    nothing past the right edge, every section and every evidence id on paper, nothing fetched."""
    warehouse = sample_reports.parent / "oba.duckdb"
    packets = write_packets(warehouse, "HARBORCARE", tmp_path / "packets")
    assert packets
    with open_read_only(warehouse) as con:
        evidence_ids = {i for (i,) in con.execute(
            "select distinct source_id from marts.milestone_evidence "
            "where payer_id = 'HARBORCARE' and source_id is not null").fetchall()}
    for packet in packets:
        html = packet.read_text(encoding="utf-8")
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?!data:|#)""", html), packet.name  # self-contained
        pdf = tmp_path / f"{packet.stem}.pdf"
        chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", packet.as_uri(), user_dir=tmp_path / "profile")
        texts, words, (width, height) = pdf_pages(pdf)
        assert height > width, packet.name
        assert max(x for page_words in words for x, _, _ in page_words) <= width, packet.name
        printed = " ".join(texts)
        for section in re.findall(r"<h2>([^<]+)</h2>", html):
            assert " ".join(html_unescape(section).split()[:2]) in printed, (packet.name, section)
        shown = [i for i in evidence_ids if i in html]
        assert shown, packet.name
        for evidence_id in shown:
            assert evidence_id in printed, (packet.name, evidence_id)
