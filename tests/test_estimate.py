"""The synthesis estimate: its arithmetic on small cases worked by hand, its inputs and
assumptions in the package, and the interactive chart in a real browser, whose sliders must
move the numbers it shows exactly as the arithmetic says."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import ROOT
from test_site import open_page, wait_for_charts

from exodus import data, estimate


def A(name, route, low, default, high):  # noqa: N802 - a short constructor for the cases
    return estimate.Assumption(name, name, route, low, default, high, "test")


ASSUME = {"emigrated_share": A("emigrated_share", "jobs", 0.5, 0.75, 1.0),
          "survey_bias": A("survey_bias", "survey", 0.5, 1.0, 2.0),
          "workers_per_visa": A("workers_per_visa", "host", 0.25, 0.5, 1.0),
          "visas_used": A("visas_used", "host", 0.5, 0.5, 1.0)}


def frame(rows):
    return pd.DataFrame(rows, columns=["wave", "route", "role", "option", "sign", "row_id"])


def test_a_fall_is_from_minus_to_and_a_rise_counts_as_no_emigration():
    inputs = frame([("w", "jobs", "fall", "a", 1, "start"), ("w", "jobs", "fall", "a", -1, "end"),
                    ("w", "jobs", "fall", "b", 1, "out")])
    values = {"start": 1000.0, "end": 400.0, "out": -50.0}
    [(key, combos)] = estimate.candidates(inputs, values).items()
    assert key == ("w", "jobs") and combos == [{"fall": 600.0}, {"fall": -50.0}]
    table = estimate.route_table(inputs, values, ASSUME)
    # bases 600 and 0 (a net gain of jobs is no emigration): mean 300
    assert table.loc[0, ["base", "low", "central", "high"]].tolist() == [300, 0, 225, 600]


def test_every_combination_of_options_is_a_candidate():
    inputs = frame([("w", "survey", "share", "a", 1, "s1"), ("w", "survey", "share", "b", 1, "s2"),
                    ("w", "survey", "denominator", "a", 1, "d1"),
                    ("w", "survey", "denominator", "b", 1, "d2")])
    values = {"s1": 10.0, "s2": 20.0, "d1": 1000.0, "d2": 3000.0}
    table = estimate.route_table(inputs, values, ASSUME)
    # candidates 100, 300, 200, 600: mean 300; low 100 x 0.5, high 600 x 2
    assert table.loc[0, ["candidates", "base", "low", "central", "high"]].tolist() == [
        4, 300, 50, 300, 1200]


def test_host_route_divides_by_the_destination_share_and_applies_both_assumptions():
    inputs = frame([("w", "host", "visas", "a", 1, "v"), ("w", "host", "destination_share", "a",
                                                           1, "p")])
    table = estimate.route_table(inputs, {"v": 1000.0, "p": 50.0}, ASSUME)
    # 1000 / 0.5 = 2000; x 0.5 x 0.5 = 500; low 2000 x 0.25 x 0.5; high 2000 x 1 x 1
    assert table.loc[0, ["base", "low", "central", "high"]].tolist() == [2000, 250, 500, 2000]


def test_waves_are_the_mean_of_their_routes_and_the_total_adds_the_waves():
    inputs = frame([("w1", "jobs", "fall", "a", 1, "f"), ("w1", "host", "visas", "a", 1, "v"),
                    ("w1", "host", "destination_share", "a", 1, "p"),
                    ("w2", "jobs", "fall", "a", 1, "g")])
    values = {"f": 1000.0, "v": 1000.0, "p": 50.0, "g": 400.0}
    table = estimate.route_table(inputs, values, ASSUME)
    best = estimate.estimate(table, estimate.defaults(ASSUME))
    # w1: mean of 750 (jobs) and 500 (host) = 625; w2: 300; total 925
    assert best == {"w1": 625, "w2": 300, "total": 925}
    waves = estimate.waves(table, ASSUME).set_index("wave")
    assert waves.loc["w1", ["low", "high"]].tolist() == [250, 2000]  # envelope of the routes
    assert waves.loc["total", ["low", "central", "high"]].tolist() == [450, 925, 2400]


def test_sensitivity_moves_one_assumption_at_a_time_and_sorts_by_swing():
    inputs = frame([("w", "jobs", "fall", "a", 1, "f"), ("w", "host", "visas", "a", 1, "v"),
                    ("w", "host", "destination_share", "a", 1, "p")])
    table = estimate.route_table(inputs, {"f": 1000.0, "v": 1000.0, "p": 50.0}, ASSUME)
    swings = estimate.sensitivity(table, ASSUME).set_index("parameter")
    # default total (750 + 500) / 2 = 625; visas_used 1.0 -> host 1000 -> 875 (swing 250);
    # workers_per_visa 0.25 -> 250 -> 500, 1.0 -> 1000 -> 875 (swing 375);
    # emigrated_share 0.5 -> 500 -> 500, 1.0 -> 1000 -> 750 (swing 250)
    assert swings.loc["workers_per_visa", ["total_at_low", "total_at_high"]].tolist() == [500,
                                                                                          875]
    assert swings.loc["visas_used", ["total_at_low", "total_at_high"]].tolist() == [625, 875]
    assert swings.loc["survey_bias", "swing"] == 0  # no survey route here
    assert swings.index[0] == "workers_per_visa"


def test_rounding_is_to_the_hundred_with_halves_up_as_in_the_chart():
    assert [estimate.rounded(v) for v in (18949.9, 18950, 150, 49.9)] == [18900, 19000, 200, 0]


def test_the_package_inputs_are_the_sourced_rows_they_claim():
    inputs = estimate.inputs()
    assert len(inputs) == len(data.load("estimate_inputs"))
    # the Park's fall in the second wave: its staff in August 2021 and September 2023
    park = inputs[(inputs["wave"] == "wave2") & (inputs["route"] == "jobs")
                  & (inputs["option"] == "a")]
    assert sorted(zip(park["sign"], park["value"], strict=True)) == [(-1, 60000), (1, 70000)]
    found = estimate.assumptions()
    # 9,500 entries on Business Harbour visas against 44,000 visas, July 2022: 0.22
    assert (found["visas_used"].low, found["visas_used"].default) == (0.22, 0.22)
    assert all(a.low <= a.default <= a.high for a in found.values())


def test_a_missing_input_row_or_a_reversed_range_is_refused(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(ROOT / "data", copy)
    inputs = copy / "estimate_inputs.csv"
    inputs.write_text(inputs.read_text(encoding="utf-8").replace(",htp_044,", ",htp_999,"),
                      encoding="utf-8")
    assumptions = copy / "estimate_assumptions.csv"
    assumptions.write_text(assumptions.read_text(encoding="utf-8").replace(
        "emigration,jobs,0.5,0.75,1,", "emigration,jobs,0.9,0.75,1,"), encoding="utf-8")
    found = [str(p) for p in data.problems(copy)]
    assert any("estimate_inputs.csv" in p and "htp_999" in p and "row_id" in p for p in found)
    assert any("estimate_assumptions.csv" in p and "0.9, 0.75, 1" in p for p in found)


def _shown(page) -> list[str]:
    return page.eval_on_selector_all(
        "#fig-estimate .exodus-chart-view svg text", "els => els.map(e => e.textContent)")


@pytest.mark.parametrize("parameter", sorted(estimate.PARAMS["host"] + estimate.PARAMS["jobs"]
                                             + estimate.PARAMS["survey"]))
def test_each_slider_moves_the_estimate_as_the_arithmetic_says(browser, server, parameter):
    table, found = estimate.load()
    context, page, blocked, errors = open_page(browser, f"{server}/notebooks/synthesis.html")
    wait_for_charts(page)
    before = estimate.rounded(estimate.estimate(table, estimate.defaults(found))["total"])
    assert f"{before:,.0f}" in _shown(page)
    sliders = page.locator("#fig-estimate input[type=range]")
    assert sliders.count() == len(found)
    slider = page.get_by_label(found[parameter].label)
    # Keyboard, as a reader without a mouse would: End takes the slider to its high end.
    slider.focus()
    page.keyboard.press("End")
    page.wait_for_timeout(300)
    after = estimate.rounded(estimate.estimate(
        table, {**estimate.defaults(found), parameter: found[parameter].high})["total"])
    shown = _shown(page)
    context.close()
    assert blocked == [] and errors == []
    assert after != before
    assert f"{after:,.0f}" in shown and f"{before:,.0f}" not in shown, (parameter, shown)
