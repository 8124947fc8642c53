"""The cost counterfactual's arithmetic, on cases worked by hand."""

import pytest

from exodus import counterfactual as cf


def test_growth_rate_is_compound_and_annual():
    assert cf.growth_rate(100, 2010, 121, 2012) == pytest.approx(0.10)
    with pytest.raises(ValueError):
        cf.growth_rate(100, 2012, 121, 2012)


def test_trend_lines_start_from_the_last_year_before_and_the_held_line_from_the_peak():
    # 100 in 2016, 121 in 2018 (10 % a year), 200 in 2019 (peak), 150 in 2021
    series = {2016: 100.0, 2018: 121.0, 2019: 200.0, 2021: 150.0}
    found = cf.scenarios(series, before=2019, target=2021)
    trend = found[found["scenario"] == "trend_2016"].set_index("year")["value"]
    assert trend.to_dict() == pytest.approx({2018: 121, 2019: 133.1, 2020: 146.41,
                                             2021: 161.051})
    held = found[found["scenario"] == "held"].set_index("year")["value"]
    assert held.to_dict() == {2019: 200, 2020: 200, 2021: 200}


def test_shortfall_runs_from_the_smallest_to_the_largest_counterfactual():
    series = {2016: 100.0, 2018: 121.0, 2019: 200.0, 2021: 150.0}
    gap = cf.shortfall(series, before=2019, target=2021)
    # trend 161.051 - 150 = 11.051; held 200 - 150 = 50
    assert (gap["low"], gap["high"]) == pytest.approx((11.051, 50))
    assert gap["rate_low"] == gap["rate_high"] == pytest.approx(0.10)  # the held line has none


def test_a_trend_needs_two_earlier_years():
    with pytest.raises(ValueError, match="two years before 2019"):
        cf.scenarios({2018: 1.0, 2021: 2.0}, before=2019, target=2021)
