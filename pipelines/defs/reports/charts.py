"""Charts of the HTML report, drawn by matplotlib as SVG to place inline in the page.

The SVG keeps its text as text (svg.fonttype none), carries no date nor metadata and
uses a fixed id salt, so the same data gives the same chart. It references nothing
outside itself (its only URLs are XML namespace names), so the page stays
self-contained and works offline. The Kaplan-Meier
estimate, its 95% confidence band and the number at risk come from lifelines.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")  # no display: lifelines' at-risk table goes through pyplot

import matplotlib.pyplot as plt  # noqa: E402
from lifelines import KaplanMeierFitter  # noqa: E402
from lifelines.plotting import add_at_risk_counts  # noqa: E402

from pipelines.defs.reports.data import ReportData  # noqa: E402

STATUS_COLOURS = {"met": "#2e7d32", "not_met": "#c62828", "pending": "#9e9e9e",
                  "missing_evidence": "#f9a825", "disenrolled": "#6d4c41"}
STATUS_LABELS = {"met": "Met", "not_met": "Not met", "pending": "Pending",
                 "missing_evidence": "Missing evidence", "disenrolled": "Disenrolled"}
DUE_COLOUR = "#1565c0"
REMITTED_COLOUR = "#7cb342"
SURVIVAL_COLOUR = "#1f77b4"

SVG_STYLE = {"svg.fonttype": "none", "svg.hashsalt": "oba-report", "font.size": 10,
             "font.family": "DejaVu Sans"}


@contextmanager
def _figure(height: float = 3.5) -> Iterator[tuple[plt.Figure, plt.Axes]]:
    with plt.rc_context(SVG_STYLE):
        fig, ax = plt.subplots(figsize=(7.5, height))
        try:
            yield fig, ax
        finally:
            plt.close(fig)


def _svg(fig: plt.Figure, label: str) -> str:
    """The figure as an <svg> element for an HTML5 page, labelled for screen readers."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # no XML declaration or DOCTYPE inside HTML
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)  # creator and licence links
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


def _timepoint_labels(data: ReportData) -> list[str]:
    return [f"{r['timepoint_months']} mo" for r in data.by_timepoint.dicts()]


def refunds_by_timepoint(data: ReportData) -> str | None:
    """Refunds due and remitted per timepoint, as bars side by side."""
    rows = data.by_timepoint.dicts()
    if not rows:
        return None
    x = range(len(rows))
    with _figure() as (fig, ax):
        # floats for drawing only: the tables carry the exact amounts
        ax.bar([i - 0.2 for i in x], [float(r["refunds_due_amount"]) for r in rows], 0.4,
               color=DUE_COLOUR, label="Refunds due")
        ax.bar([i + 0.2 for i in x], [float(r["remitted_amount"]) for r in rows], 0.4,
               color=REMITTED_COLOUR, label="Remitted")
        ax.set_xticks(list(x), _timepoint_labels(data))
        ax.yaxis.set_major_formatter(lambda v, _: f"${v:,.0f}")
        ax.set_title("Refunds due vs remitted by timepoint")
        ax.legend(frameon=False)
        ax.grid(axis="y", color="#e6e6e6")
        ax.set_axisbelow(True)
        return _svg(fig, "Refunds due vs remitted by timepoint")


def status_by_timepoint(data: ReportData) -> str | None:
    """Milestones per timepoint, one stacked bar per timepoint."""
    rows = data.by_timepoint.dicts()
    if not rows:
        return None
    x = list(range(len(rows)))
    with _figure() as (fig, ax):
        bottom = [0] * len(rows)
        for status, colour in STATUS_COLOURS.items():
            counts = [r[f"milestones_{status}"] for r in rows]
            ax.bar(x, counts, 0.7, bottom=bottom, color=colour, label=STATUS_LABELS[status])
            bottom = [b + c for b, c in zip(bottom, counts)]
        ax.set_xticks(x, _timepoint_labels(data))
        ax.set_ylabel("milestones")
        ax.set_title("Milestone status by timepoint")
        ax.legend(frameon=False, ncols=4, loc="upper center", bbox_to_anchor=(0.5, -0.1))
        ax.grid(axis="y", color="#e6e6e6")
        ax.set_axisbelow(True)
        return _svg(fig, "Milestone status by timepoint")


def ventilator_free_survival(data: ReportData) -> str | None:
    """The Kaplan-Meier estimate with censoring marks, its 95% band and the number at
    risk under the time axis."""
    rows = data.survival.rows
    if not rows:
        return None
    kmf = KaplanMeierFitter(alpha=0.05)
    kmf.fit([float(months) for months, _ in rows], [bool(o) for _, o in rows],
            label="Ventilator-free survival")
    events = sum(1 for _, o in rows if o)
    with _figure(height=4.2) as (fig, ax):
        band = kmf.confidence_interval_survival_function_
        ax.fill_between(band.index, band.iloc[:, 0], band.iloc[:, 1], step="post",
                        color=SURVIVAL_COLOUR, alpha=0.2, linewidth=0, label="95% confidence band")
        kmf.plot_survival_function(ax=ax, ci_show=False, show_censors=True, color=SURVIVAL_COLOUR,
                                   censor_styles={"marker": "|", "ms": 8, "mew": 1.2, "gid": "censored"})
        ax.plot([], [], "|", color=SURVIVAL_COLOUR, ms=8, label="Censored (last contact or as-of)")
        ax.set_ylim(0, 1.05)
        ax.set_xlim(left=0)
        ax.set_xlabel("months since infusion")
        ax.set_ylabel("probability")
        ax.set_title(f"{len(rows)} treated child{'ren' if len(rows) != 1 else ''}, "
                     f"{events} event{'s' if events != 1 else ''} (death or permanent ventilation)")
        ax.legend(frameon=False, loc="lower left")
        ax.grid(color="#eeeeee")
        add_at_risk_counts(kmf, ax=ax, rows_to_show=["At risk"], labels=["Children"], ypos=-0.3)
        return _svg(fig, "Kaplan-Meier ventilator-free survival")
