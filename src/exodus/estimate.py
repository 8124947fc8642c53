"""How many left: the arithmetic of the synthesis estimate (ours), kept out of the notebook.

Three routes reach a number of IT specialists who left Belarus, wave by wave:

- jobs:   max(0, fall in headcount) × emigrated_share
- survey: share who had left / 100 × workforce × survey_bias
- host:   Poland's visas / (Poland's share of leavers / 100) × workers_per_visa × visas_used

Which rows of the package enter each route is data (data/estimate_inputs.csv): rows of one
option add up with their sign, and the options of one role are alternatives, so a route has
one candidate per combination of options. A route's central value is the mean of its
candidates at the default assumptions; its range runs from the smallest candidate at every
assumption's low end to the largest at every high end (each formula rises with each
assumption). A wave's best estimate is the mean of its routes; its range is their envelope.
The cumulative estimate adds the waves. The assumptions, with our reasons, are
data/estimate_assumptions.csv; the interactive chart applies `multiplier` in Vega.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from exodus import data

PARAMS = {"jobs": ("emigrated_share",), "survey": ("survey_bias",),
          "host": ("workers_per_visa", "visas_used")}
ROLES = {"jobs": ("fall",), "survey": ("share", "denominator"),
         "host": ("visas", "destination_share")}
OBSERVATIONS = ("hi_tech_park", "ict_sector", "relocation", "emigration_estimates")


@dataclass(frozen=True)
class Assumption:
    parameter: str
    label: str
    route: str
    low: float
    default: float
    high: float
    rationale: str
    ratio_of: tuple[str, ...] = ()


def observations(data_dir: Path | None = None) -> pd.DataFrame:
    """Every sourced row the estimate may use, from the datasets in OBSERVATIONS."""
    return pd.concat([data.load(name, data_dir) for name in OBSERVATIONS], ignore_index=True)


def values(data_dir: Path | None = None) -> dict[str, float]:
    """Row id -> value for every sourced row the estimate may use."""
    rows = observations(data_dir)
    return dict(zip(rows["id"], rows["value"].astype(float), strict=True))


def assumptions(data_dir: Path | None = None,
                row_values: Mapping[str, float] | None = None) -> dict[str, Assumption]:
    """The assumptions, with a ratio of two rows filled in as the low end and the default."""
    row_values = values(data_dir) if row_values is None else row_values
    out = {}
    for row in data.load("estimate_assumptions", data_dir).to_dict("records"):
        ratio = tuple(str(row["ratio_of"]).split()) if pd.notna(row["ratio_of"]) else ()
        # A ratio is rounded to the sliders' step, so the chart starts where the text does.
        low, default = ((round(row_values[ratio[0]] / row_values[ratio[1]], 2),) * 2 if ratio
                        else (float(row["low"]), float(row["default"])))
        out[row["parameter"]] = Assumption(row["parameter"], row["label"], row["route"], low,
                                           default, float(row["high"]), row["rationale"], ratio)
    return out


def defaults(found: Mapping[str, Assumption], end: str = "default") -> dict[str, float]:
    """Every parameter at its default (or at its `low` or `high` end)."""
    return {name: getattr(a, end) for name, a in found.items()}


def base(route: str, roles: Mapping[str, float]) -> float:
    """A candidate's value before the assumptions: what the sourced rows alone give."""
    if route == "jobs":
        return max(0.0, roles["fall"])
    if route == "survey":
        return roles["share"] / 100 * roles["denominator"]
    if route == "host":
        return roles["visas"] / (roles["destination_share"] / 100)
    raise ValueError(f"unknown route {route!r}")


def multiplier(route: str, params: Mapping[str, float]) -> float:
    """What the route's assumptions multiply its base by."""
    out = 1.0
    for name in PARAMS[route]:
        out *= params[name]
    return out


def candidates(inputs: pd.DataFrame, row_values: Mapping[str, float]
               ) -> dict[tuple[str, str], list[dict[str, float]]]:
    """(wave, route) -> one {role: value} per combination of the roles' options."""
    out = {}
    for (wave, route), rows in inputs.groupby(["wave", "route"], sort=False):
        options = {}
        for role in ROLES[route]:
            mine = rows[rows["role"] == role]
            if mine.empty:
                raise ValueError(f"{wave}, {route}: no input for the role {role!r}")
            options[role] = [sum(int(r.sign) * row_values[r.row_id] for r in opt.itertuples())
                             for _, opt in mine.groupby("option")]
        out[(wave, route)] = [dict(zip(options, combo, strict=True))
                              for combo in itertools.product(*options.values())]
    return out


def route_table(inputs: pd.DataFrame, row_values: Mapping[str, float],
                found: Mapping[str, Assumption]) -> pd.DataFrame:
    """One row per wave and route: its candidates' bases and its low, central and high."""
    low, mid, high = (defaults(found, end) for end in ("low", "default", "high"))
    rows = []
    for (wave, route), combos in candidates(inputs, row_values).items():
        bases = [base(route, c) for c in combos]
        mean = sum(bases) / len(bases)
        rows.append({"wave": wave, "route": route, "candidates": len(bases), "base": mean,
                     "low": min(bases) * multiplier(route, low),
                     "central": mean * multiplier(route, mid),
                     "high": max(bases) * multiplier(route, high)})
    table = pd.DataFrame(rows)
    table["weight"] = 1 / table.groupby("wave")["route"].transform("count")
    return table


def estimate(table: pd.DataFrame, params: Mapping[str, float]) -> dict[str, float]:
    """Best estimate per wave (the mean of its routes) and in total (the sum of the waves)
    at the given assumptions."""
    values_ = table["base"] * [multiplier(r, params) for r in table["route"]]
    waves = (values_ * table["weight"]).groupby(table["wave"], sort=False).sum()
    return {**waves.to_dict(), "total": float(waves.sum())}


def waves(table: pd.DataFrame, found: Mapping[str, Assumption]) -> pd.DataFrame:
    """Per wave and in total: the best estimate and the envelope of the routes' ranges."""
    best = estimate(table, defaults(found))
    out = table.groupby("wave", sort=False).agg(low=("low", "min"), high=("high", "max"),
                                                routes=("route", "count")).reset_index()
    out["central"] = out["wave"].map(best)
    total = {"wave": "total", "low": out["low"].sum(), "high": out["high"].sum(),
             "routes": int(out["routes"].sum()), "central": best["total"]}
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def sensitivity(table: pd.DataFrame, found: Mapping[str, Assumption]) -> pd.DataFrame:
    """The total best estimate with one assumption at a time at its low and high end, the
    others at their defaults: which assumption moves the answer most (largest swing first)."""
    mid = defaults(found)
    at_default = estimate(table, mid)["total"]
    rows = []
    for name, a in found.items():
        at = {end: estimate(table, {**mid, name: getattr(a, end)})["total"]
              for end in ("low", "high")}
        rows.append({"parameter": name, "label": a.label, "low": a.low, "default": a.default,
                     "high": a.high, "total_at_low": at["low"], "total_at_default": at_default,
                     "total_at_high": at["high"], "swing": at["high"] - at["low"]})
    return pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)


def load(data_dir: Path | None = None) -> tuple[pd.DataFrame, dict[str, Assumption]]:
    """The route table and the assumptions, from the data package."""
    row_values = values(data_dir)
    found = assumptions(data_dir, row_values)
    return route_table(data.load("estimate_inputs", data_dir), row_values, found), found


def rounded(value: float, to: int = 100) -> float:
    """To the nearest `to`, halves up (as the chart's JavaScript rounds): an estimate this
    uncertain is not stated to the person."""
    return float(math.floor(value / to + 0.5) * to)


def _expression(route_field: str = "kind") -> str:
    """`multiplier` as a Vega expression over the chart's parameters."""
    branches = [(route, " * ".join(PARAMS[route])) for route in PARAMS]
    expr = branches[-1][1]
    for route, product in reversed(branches[:-1]):
        expr = f"datum.{route_field} === '{route}' ? {product} : ({expr})"
    return expr


def chart(table: pd.DataFrame, found: Mapping[str, Assumption], labels: Mapping[str, dict],
          total_label: str = "All waves: our estimate"):
    """The routes compared, with one slider per assumption: each route's range (fixed, from
    every assumption's low to high end) and its central value, which moves with the
    sliders, and the total best estimate, which the sliders move too. `labels` maps
    'wave' and 'route' to {code: short label}."""
    import altair as alt

    rows = table.assign(
        kind=table["route"],
        row=[f"{labels['wave'][w]}: {labels['route'][r].lower()}"
             for w, r in zip(table["wave"], table["route"], strict=True)],
        wave_label=table["wave"].map(labels["wave"]),
        route_label=table["route"].map(labels["route"]),
    )[["row", "wave_label", "route_label", "kind", "base", "weight", "low", "high"]]
    by_wave = waves(table, found)
    best = ": our estimate"  # a wave's row, named here and in the Vega transform below
    best_label = {w: labels["wave"][w] + best for w in by_wave["wave"][:-1]}
    best_label["total"] = total_label
    order = []
    for wave in by_wave["wave"][:-1]:
        order += [*rows.loc[table["wave"] == wave, "row"], best_label[wave]]
    order.append(total_label)
    params = [alt.param(name=a.parameter, value=a.default,
                        bind=alt.binding_range(min=round(a.low, 3), max=a.high, step=0.01,
                                               name=a.label + " "))
              for a in found.values()]
    y = alt.Y("row:N", title=None, sort=order, axis=alt.Axis(labelLimit=260))
    x = alt.X("low:Q", title="IT specialists who left Belarus (persons)",
              axis=alt.Axis(format=",.0f"))
    ranges = pd.concat([rows[["row", "low", "high"]].assign(level="route"),
                        by_wave.assign(row=by_wave["wave"].map(best_label),
                                       level="best")[["row", "low", "high", "level"]]],
                       ignore_index=True)
    moved = (alt.Chart(rows)
             .transform_calculate(estimate=f"datum.base * ({_expression()})"))
    # A wave's best estimate is the mean of its routes; the total adds the waves.
    summed = (moved.transform_calculate(share="datum.estimate * datum.weight")
              .transform_aggregate(estimate="sum(share)", groupby=["wave_label"]))
    per_wave = summed.transform_calculate(row=f"datum.wave_label + '{best}'")
    total = (summed.transform_aggregate(estimate="sum(estimate)")
             .transform_calculate(row=f"'{total_label}'"))

    def shown(chart, color, size, shape):
        chart = chart.transform_calculate(shown="round(datum.estimate / 100) * 100")
        tooltip = [alt.Tooltip("row:N", title="Route"),
                   alt.Tooltip("shown:Q", title="Estimate", format=",.0f")]
        return [chart.mark_point(filled=True, size=size, shape=shape, color=color).encode(
                    y=y, x="shown:Q", tooltip=tooltip),
                chart.mark_text(align="left", dx=9, dy=-11, fontSize=12, color=color,
                                fontWeight="bold" if shape == "diamond" else "normal").encode(
                    y=y, x="shown:Q", text=alt.Text("shown:Q", format=",.0f"))]

    return alt.layer(
        alt.Chart(ranges).mark_rule(strokeWidth=6, opacity=0.35).encode(
            y=y, x=x, x2="high:Q",
            color=alt.Color("level:N", legend=None,
                            scale=alt.Scale(domain=["route", "best"],
                                            range=["#1f4e79", "#b3282d"])),
            tooltip=[alt.Tooltip("row:N", title="Route"),
                     alt.Tooltip("low:Q", title="Low end", format=",.0f"),
                     alt.Tooltip("high:Q", title="High end", format=",.0f")]),
        *shown(moved, "#1f4e79", 90, "circle"),
        *shown(per_wave, "#b3282d", 140, "diamond"),
        *shown(total, "#b3282d", 170, "diamond"),
    ).add_params(*params).properties(height=34 * len(order))


def wave_chart(by_wave: pd.DataFrame, wave_labels: Mapping[str, str],
               total_label: str = "All waves"):
    """The answer at a glance: per wave and in all, our best estimate (to the nearest
    hundred, as the text states it) on the range that the routes' estimates span. Static:
    the chapter's chart (`chart`) has the sliders. `by_wave` is `waves()`."""
    import altair as alt

    names = {**wave_labels, "total": total_label}
    rows = by_wave.assign(row=by_wave["wave"].map(names),
                          central=by_wave["central"].map(rounded),
                          low=by_wave["low"].map(rounded), high=by_wave["high"].map(rounded))
    y = alt.Y("row:N", title=None, sort=list(rows["row"]), axis=alt.Axis(labelLimit=200))
    tooltip = [alt.Tooltip("row:N", title="Wave"),
               alt.Tooltip("central:Q", title="Best estimate", format=",.0f"),
               alt.Tooltip("low:Q", title="Low end", format=",.0f"),
               alt.Tooltip("high:Q", title="High end", format=",.0f")]
    base = alt.Chart(rows[["row", "central", "low", "high"]])
    ranges = base.mark_rule(strokeWidth=6, opacity=0.35, color="#1f4e79").encode(
        y=y, x=alt.X("low:Q", title="IT specialists who left Belarus (persons)",
                     axis=alt.Axis(format=",.0f")), x2="high:Q", tooltip=tooltip)
    best = base.mark_point(filled=True, shape="diamond", size=150, color="#b3282d").encode(
        y=y, x="central:Q", tooltip=tooltip)
    figures = base.mark_text(align="left", dx=9, dy=-11, fontSize=12, fontWeight="bold",
                             color="#b3282d").encode(
        y=y, x="central:Q", text=alt.Text("central:Q", format=",.0f"))
    return alt.layer(ranges, best, figures).properties(height=40 * len(rows))


TOTAL_FORMULA = "mean of the routes of each wave, added over the waves (exodus.estimate)"
LOW_FORMULA = "sum of the waves low ends"
HIGH_FORMULA = "sum of the waves high ends"


def stated(value: float, formula: str) -> str:
    """An estimate for a sentence: ours, to the nearest hundred, with its formula."""
    from exodus import text

    return text.ours(rounded(value), formula + ", to the nearest hundred")


def row(row_id: str, data_dir: Path | None = None) -> pd.Series:
    """One sourced row of the package, by id (an input or a ratio the estimate names)."""
    rows = observations(data_dir)
    found = rows[rows["id"] == row_id]
    if found.empty:
        raise KeyError(f"no row {row_id!r} in {', '.join(OBSERVATIONS)}")
    return found.iloc[0]


def inputs(data_dir: Path | None = None) -> pd.DataFrame:
    """The inputs as readers see them: each with its figure, period and source."""
    from exodus import tables

    frame = data.load("estimate_inputs", data_dir)
    rows = observations(data_dir)[["id", "value", "unit", "qualifier", "period", "source_id"]]
    out = frame.merge(rows, left_on="row_id", right_on="id", how="left", suffixes=("", "_row"))
    if out["value"].isna().any():
        raise KeyError(f"an input names a row with no value: "
                       f"{out.loc[out['value'].isna(), 'row_id'].iloc[0]}")
    out["figure"] = [("minus " if s < 0 else "") + f
                     for f, s in zip(tables.figures(out), out["sign"], strict=True)]
    return out
