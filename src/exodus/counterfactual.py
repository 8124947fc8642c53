"""What the exodus cost: a yearly series against what it would have been (ours).

Two counterfactuals bound the cost, and the truth about what would have happened without the
crackdown and the war lies somewhere between them, or beyond:

- held:  the series stays at its peak (the highest value before the target year);
- trend: from the last year before `before`, the series keeps growing at its own compound
  annual rate of the years before, one line per earlier year with an exact figure.

The shortfall in the target year is the counterfactual minus what happened; its range runs
from the smallest to the largest counterfactual.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


def growth_rate(start: float, start_year: int, end: float, end_year: int) -> float:
    """Compound annual growth rate between two years."""
    if end_year <= start_year or start <= 0:
        raise ValueError("a growth rate needs a later end year and a positive start")
    return (end / start) ** (1 / (end_year - start_year)) - 1


def scenarios(series: Mapping[int, float], before: int, target: int) -> pd.DataFrame:
    """One row per counterfactual: its name, where it starts, its rate, and its value in every
    year from its start to `target`. `series` maps years to values (exact figures only for
    the years before `before`, which set the rates)."""
    years = sorted(y for y in series if y < before)
    if len(years) < 2:
        raise ValueError(f"a trend needs at least two years before {before}")
    base = years[-1]
    rows = []
    for start in years[:-1]:
        rate = growth_rate(series[start], start, series[base], base)
        rows += [{"scenario": f"trend_{start}", "kind": "trend", "from_year": start,
                  "base_year": base, "rate": rate, "year": y,
                  "value": series[base] * (1 + rate) ** (y - base)}
                 for y in range(base, target + 1)]
    peak = max((y for y in series if y < target), key=lambda y: series[y])
    rows += [{"scenario": "held", "kind": "held", "from_year": peak, "base_year": peak,
              "rate": 0.0, "year": y, "value": series[peak]} for y in range(peak, target + 1)]
    return pd.DataFrame(rows)


def shortfall(series: Mapping[int, float], before: int, target: int) -> dict[str, float]:
    """The target year's actual value, the smallest and largest gap to a counterfactual, and
    the lowest and highest growth rate of the trend lines."""
    found = scenarios(series, before, target)
    at = found[found["year"] == target]
    rates = at.loc[at["kind"] == "trend", "rate"]
    return {"actual": series[target], "low": at["value"].min() - series[target],
            "high": at["value"].max() - series[target], "rate_low": rates.min(),
            "rate_high": rates.max()}
