"""Charts of the HTML report, rendered with matplotlib to base64 PNG.

PNG rather than SVG: matplotlib's SVG carries xmlns URLs, and the report must
not reference any URL. The PNG 'Software' text chunk (a URL too) is dropped.
Figures are plain `matplotlib.figure.Figure` objects saved with the Agg
renderer: no pyplot, so no global figure registry to close and no GUI backend
to select.
"""

from __future__ import annotations

import base64
import io

from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from pipelines.defs.reports.data import STATUSES, ReportData
from pipelines.defs.reports.kaplan_meier import kaplan_meier

STATUS_COLOURS = {"met": "#2e7d32", "not_met": "#c62828", "pending": "#9e9e9e",
                  "missing_evidence": "#f9a825"}


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def refunds_by_timepoint(data: ReportData) -> str | None:
    rows = data.by_timepoint.dicts()
    if not rows:
        return None
    labels = [f"{r['timepoint_months']} mo" if r["timepoint_months"] is not None else "?" for r in rows]
    due = [float(r["refunds_due_amount"]) for r in rows]  # floats for drawing only
    remitted = [float(r["remitted_amount"]) for r in rows]
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], due, width=0.4, label="Refunds due", color="#1565c0")
    ax.bar([i + 0.2 for i in x], remitted, width=0.4, label="Remitted", color="#7cb342")
    ax.set_xticks(list(x), labels)
    ax.set_ylabel("USD")
    ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.set_title("Refunds due vs remitted by timepoint")
    ax.legend()
    return _png(fig)


def status_by_timepoint(data: ReportData) -> str | None:
    rows = data.by_timepoint.dicts()
    if not rows:
        return None
    labels = [f"{r['timepoint_months']} mo" if r["timepoint_months"] is not None else "?" for r in rows]
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    bottom = [0] * len(rows)
    for s in STATUSES:
        vals = [int(r[s]) for r in rows]
        ax.bar(labels, vals, bottom=bottom, label=s, color=STATUS_COLOURS[s])
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_ylabel("milestones")
    ax.set_title("Milestone status by timepoint")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _png(fig)


def ventilator_free_survival(data: ReportData) -> str | None:
    """Kaplan-Meier curve drawn as lifelines drew it: a post-step line and, for
    more than one child, its 95% band shaded in the same colour."""
    if not data.survival:
        return None
    durations = [d for d, _ in data.survival]
    observed = [o for _, o in data.survival]
    curve = kaplan_meier(durations, observed)
    fig = Figure(figsize=(7, 3.5))
    ax = fig.subplots()
    (line,) = ax.plot(curve.times, curve.survival, drawstyle="steps-post",
                      label="ventilator-free survival")
    if len(durations) > 1:
        ax.fill_between(curve.times, curve.lower, curve.upper, alpha=0.25, color=line.get_color(),
                        linewidth=1.0, step="post")
    ax.legend(loc="best")
    ax.set_xlabel("months since infusion")
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1.05)
    n, events = len(durations), sum(observed)
    ax.set_title(f"Kaplan-Meier: {n} treated child{'ren' if n != 1 else ''}, "
                 f"{events} event{'s' if events != 1 else ''} (death or permanent ventilation)")
    return _png(fig)
