"""Findings that the summary and a chapter both state are selected by one function."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from exodus import findings

ROOT = Path(__file__).resolve().parents[1]


def _htp(rows):
    return pd.DataFrame(rows, columns=["id", "indicator", "period", "period_type", "value",
                                       "qualifier", "notes"])


def test_park_exports_keep_one_whole_year_each_exact_first_and_drop_a_translation_slip():
    htp = _htp([
        ("htp_1", "exports", "2021", "period_total", 3200.0, "approx", None),
        ("htp_2", "exports", "2021", "period_total", 3150.0, "exact", None),
        ("htp_3", "exports", "2019", "period_total", 9999.0, "exact", "a translation slip"),
        ("htp_4", "exports", "2019", "period_total", 2100.0, "exact", None),
        ("htp_5", "exports", "2022-01/2022-06", "period_total", 900.0, "exact", None),
        ("htp_6", "exports", "2023", "point_in_time", 1.0, "exact", None),
        ("htp_7", "employees", "2020", "period_total", 70000.0, "exact", None),
    ])
    yearly = findings.park_exports(htp)
    assert yearly["id"].tolist() == ["htp_4", "htp_2"]
    assert yearly["year"].tolist() == [2019, 2021]
    every = findings.park_exports(htp, every_report=True)
    assert every["id"].tolist() == ["htp_4", "htp_2", "htp_1"]
    first, peak, latest = findings.first_peak_latest(yearly)
    assert (first["id"], peak["id"], latest["id"]) == ("htp_4", "htp_2", "htp_2")


def test_the_first_of_equal_highs_is_the_peak():
    rows = pd.DataFrame({"id": ["a", "b", "c"], "year": [2022, 2020, 2021],
                         "value": [5.0, 5.0, 1.0]})
    first, peak, latest = findings.first_peak_latest(rows)
    assert (first["id"], peak["id"], latest["id"]) == ("b", "b", "a")


def test_net_worker_outflow_refuses_an_ambiguous_year():
    ict = pd.DataFrame({"id": ["i1", "i2"], "indicator": ["net_worker_outflow"] * 2,
                        "period": ["2022", "2022"], "qualifier": ["exact", "exact"]})
    with pytest.raises(LookupError, match="found 2: i1, i2"):
        findings.net_worker_outflow(ict, "2022")


@pytest.mark.parametrize("notebook", ["summary", "hi_tech_park_rise"])
def test_the_summary_and_the_park_chapter_select_the_exports_with_the_same_function(notebook):
    cells = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text("utf-8"))["cells"]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "findings.park_exports(" in code and '"exports"' not in code.split("glue_parts")[0]
