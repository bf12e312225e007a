"""Confidence intervals that more than one room reports."""

from __future__ import annotations

from scipy import stats


def wilson(successes: int, n: int, confidence: float) -> tuple[float, float] | None:
    """The Wilson score interval of a share (SciPy's), or None when nobody answered."""
    if n == 0:
        return None
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)
