"""Kaplan-Meier product-limit estimate with its 95% confidence band.

The same numbers as lifelines' KaplanMeierFitter (right censoring, the
exponential Greenwood "log(-log)" band, alpha 0.05), in a few lines of numpy:
importing lifelines (and pandas with it) took about a second of every nightly
run, to draw one curve per payer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Z_95 = 1.959963984540054  # two-sided 95%: the standard normal quantile at 0.975


@dataclass
class Curve:
    times: np.ndarray  # 0 and every distinct duration, ascending
    survival: np.ndarray  # S(t) from each time until the next
    lower: np.ndarray
    upper: np.ndarray


def kaplan_meier(durations: Sequence[float], observed: Sequence[bool]) -> Curve:
    """S(t) = product over event times u <= t of (1 - events(u) / at_risk(u)).

    Everyone is at risk from time 0; a subject leaves the risk set after its
    duration, whether it ended in an event or in censoring.
    """
    d = np.asarray(durations, dtype=float)
    times, index = np.unique(np.concatenate(([0.0], d)), return_inverse=True)
    index = index[1:]  # the 0 added above is a time point, not a subject
    events = np.bincount(index, weights=np.asarray(observed, dtype=float), minlength=len(times))
    leaving = np.bincount(index, minlength=len(times))
    at_risk = len(d) - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.cumsum(np.log(at_risk - events) - np.log(at_risk))
        greenwood = np.cumsum(np.nan_to_num(events / (at_risk * (at_risk - events)), posinf=0.0))
        lower, upper = _log_log_band(log_s, greenwood)
    return Curve(times, np.exp(log_s), lower, upper)


def _log_log_band(log_s: np.ndarray, greenwood: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """exp(-exp(log(-log S) -/+ z * sqrt(Greenwood sum) / log S)); 1 where undefined
    (S = 1 before the first event), as lifelines fills it."""
    spread = Z_95 * np.sqrt(greenwood) / log_s
    bands = [np.exp(-np.exp(np.log(-log_s) + sign * spread)) for sign in (-1, 1)]
    return tuple(np.where(np.isnan(b), 1.0, b) for b in bands)
