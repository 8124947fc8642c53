"""Readers' tables: what a cell shows, and the MyST table a chapter pastes."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from exodus import tables


@pytest.mark.parametrize("column,value,decimals,shown", [
    ("value", 13300.0, 1, "13\\,300"),  # the comma is escaped MyST; it renders as ","
    ("value", 585.2, 1, "585\\.2"),
    ("value", float("nan"), 0, "–"),
    ("value", None, 0, "–"),
    ("period", "2022-09", 0, "September 2022"),
    ("period", "2020-08/2021-08", 0, "August 2020 to August 2021"),
    ("date", pd.Timestamp("2024-01-26"), 0, "26 January 2024"),
    ("geography", "PL", 0, "Poland"),
    ("qualifier", "more_than", 0, "more than"),
    ("event_type", "raid_or_arrest", 0, "Raid or arrest"),
    ("source_id", "wapo_2021_07_exodus", 0, "{cite:p}`wapo_2021_07_exodus`"),
    ("source_ids", "a_1;b_2", 0, "{cite:p}`a_1,b_2`"),
])
def test_a_cell_shows_labels_dates_in_words_and_formatted_numbers(column, value, decimals,
                                                                  shown):
    assert tables.cell(column, value, decimals) == shown


def test_a_code_outside_its_vocabulary_is_an_error_not_a_code_on_the_page():
    with pytest.raises(KeyError, match="vocab_countries"):
        tables.cell("geography", "XX")


def test_data_text_in_a_cell_stays_text():
    shown = tables.cell("description", "{raw} html <script>alert(1)</script>")
    assert "{raw}" not in shown and "<script>" not in shown


def test_the_table_is_numbered_captioned_and_has_one_header_row():
    frame = pd.DataFrame({"period": ["2021", "2022"], "value": [1234.5, None],
                          "source_id": ["s_1", "s_2"], "ignored": ["x", "y"]})
    table = tables.myst(frame, {"period": "Year", "value": "Exports (US$ million)",
                                "source_id": "Source"}, "Exports by year", "tbl_exports",
                        decimals={"value": 1})
    assert table.startswith("```{list-table} Exports by year\n")
    assert ":name: tbl-exports" in table and ":header-rows: 1" in table
    assert ":class: longtable exodus-table" in table
    widths = re.search(r":widths: ([\d ]+)", table).group(1).split()
    assert len(widths) == 3
    rows = table.split("\n* - ")[1:]
    assert rows[0].startswith("Year\n  - Exports \\(US\\$ million\\)")
    assert rows[1] == "2021\n  - 1\\,234\\.5\n  - {cite:p}`s_1`"
    assert rows[2].split("\n")[1] == "  - –"
    assert "ignored" not in table and "x" not in table.split("* - ")[2]


def test_a_missing_column_is_named():
    with pytest.raises(KeyError, match="table tbl_x: no column 'nope'"):
        tables.myst(pd.DataFrame({"a": [1]}), {"nope": "Nope"}, "c", "tbl_x")


def test_a_figure_carries_its_qualifier_and_unit():
    assert tables.figure(13300, "persons", "more_than") == "more than 13,300 people"
    assert tables.figure(20, "percent", "up_to") == "up to 20%"
    assert tables.figure(14.8, "percent") == "14.8%"
    assert tables.figure(None, "persons") == "–"


def test_a_figure_keeps_the_decimals_its_source_gave():
    assert tables.figure(86.95, "eur_million") == "86.95 € m"
    assert tables.figure(76.8, "usd_million") == "76.8 US$ m"
    assert tables.figure(13300.0, "persons", "more_than") == "more than 13,300 people"
