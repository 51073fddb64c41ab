"""The Kaplan-Meier estimate behind the ventilator-free survival chart."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.defs.reports.kaplan_meier import kaplan_meier


def test_product_limit_and_log_log_band_by_hand():
    # at risk 5, 5, 4, 2, 1; one event at 1, 2 and 3; censored at 2 and 4
    curve = kaplan_meier([1, 2, 2, 3, 4], [True, True, False, True, False])
    assert curve.times == [0, 1, 2, 3, 4]
    assert np.allclose(curve.survival, [1, 4 / 5, 4 / 5 * 3 / 4, 4 / 5 * 3 / 4 * 1 / 2, 0.3])
    # exp(-exp(log(-log S) -/+ 1.96 sqrt(sum d / (n (n - d))) / log S)), e.g. at t = 1:
    # S = 0.8, sum = 1 / (5 * 4): lower 0.2038..., upper 0.9691...
    assert np.allclose(curve.lower, [1, 0.20380926326763904, 0.1257301829944313,
                                     0.012301529425416074, 0.012301529425416074])
    assert np.allclose(curve.upper, [1, 0.9691797888667427, 0.8817564073935323,
                                     0.719218020810415, 0.719218020810415])


def test_no_event_keeps_survival_and_band_at_one():
    curve = kaplan_meier([0.0, 3.5, 3.5], [False, False, False])
    assert curve.times == [0, 3.5]
    assert curve.survival == curve.lower == curve.upper == [1, 1]


def test_everyone_has_the_event_at_once():
    curve = kaplan_meier([2.0, 2.0], [True, True])
    assert curve.survival == [1, 0]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.booleans()), min_size=1, max_size=60))
def test_same_numbers_as_lifelines(children):
    """The chart used lifelines' KaplanMeierFitter; the curve and its band are unchanged."""
    import lifelines
    durations = [d / 3 for d, _ in children]
    observed = [o for _, o in children]
    expected = lifelines.KaplanMeierFitter().fit(durations, event_observed=observed)
    curve = kaplan_meier(durations, observed)
    assert curve.times == expected.survival_function_.index.tolist()
    assert np.allclose(curve.survival, expected.survival_function_.values[:, 0], rtol=0, atol=1e-12)
    assert np.allclose(curve.lower, expected.confidence_interval_.values[:, 0], rtol=0, atol=1e-12)
    assert np.allclose(curve.upper, expected.confidence_interval_.values[:, 1], rtol=0, atol=1e-12)
