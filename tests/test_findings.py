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


def _moves(rows):
    return pd.DataFrame(rows, columns=["id", "indicator", "geography", "period", "period_type",
                                       "value", "source_id"])


def test_visas_are_set_against_entries_only_of_the_same_source_and_time():
    moves = _moves([
        ("v1", "visas_issued", "PL", "2022-07", "cumulative_to_date", 44000.0, "dw"),
        ("e1", "entries_on_visa", "PL", "2022-07-10", "cumulative_to_date", 9500.0, "dw"),
        # Another source's higher count of the same month is not paired with dw's entries.
        ("v2", "visas_issued", "PL", "2022-07", "cumulative_to_date", 53000.0, "wb"),
        # The same source's count half a year earlier is not the same time.
        ("v3", "visas_issued", "PL", "2022-01", "cumulative_to_date", 20000.0, "dw"),
        ("v4", "pbh_visas_issued_all_nationalities", "PL", "2020/2023-12",
         "cumulative_to_date", 100000.0, "bi"),
        ("e2", "entries_on_visa", "PL", "2020/2023-12", "cumulative_to_date", 13500.0, "bi"),
        # A half-year flow is not a running total, and Lithuania is not Poland.
        ("e3", "entries_on_visa", "PL", "2023-01/2023-06", "period_total", 1243.0, "bi"),
        ("v5", "visas_issued", "LT", "2022-07", "cumulative_to_date", 5.0, "dw"),
    ])
    pairs = [(v["id"], e["id"]) for v, e in findings.visa_take_up(moves)]
    assert pairs == [("v1", "e1"), ("v4", "e2")]


def test_two_visa_counts_for_one_entry_count_are_an_error_not_a_choice():
    moves = _moves([
        ("v1", "visas_issued", "PL", "2022-07", "cumulative_to_date", 44000.0, "dw"),
        ("v2", "visas_issued", "PL", "2022-07-15", "cumulative_to_date", 45000.0, "dw"),
        ("e1", "entries_on_visa", "PL", "2022-07-10", "cumulative_to_date", 9500.0, "dw"),
    ])
    with pytest.raises(ValueError, match="e1: more than one visa count.*v1, v2"):
        findings.visa_take_up(moves)


def _glued(notebook: str) -> dict[str, str]:
    """What an executed notebook glued: name -> its Markdown."""
    cells = json.loads((ROOT / "notebooks" / f"{notebook}.ipynb").read_text("utf-8"))["cells"]
    return {out["metadata"]["scrapbook"]["name"]:
            out["data"].get("application/papermill.record/text/markdown")
            for cell in cells if cell["cell_type"] == "code" for out in cell.get("outputs", [])
            if "scrapbook" in out.get("metadata", {})}


def test_the_summary_states_the_countries_chapters_latest_visas_and_entries():
    summary, chapter = _glued("summary"), _glued("receiving_countries")
    for part in ("visas", "entries"):
        assert summary[f"pbh_{part}"] == chapter[f"poland_late_{part}"]
        assert "{num}`" in summary[f"pbh_{part}"]
    assert summary["pbh_visas_cite"] in chapter["poland_late_cite"]
