"""Sentences built from data: citations and qualifiers."""

import pytest

from exodus import text


def test_cite_one_and_many_without_duplicates():
    assert text.cite("a_1") == "{cite:p}`a_1`"
    assert text.cite(["a", "b", "a"]) == "{cite:p}`a,b`"
    with pytest.raises(ValueError):
        text.cite([])


def test_qualifier_words():
    assert text.qualified("more_than") == "more than "
    assert text.qualified("exact") == ""
    with pytest.raises(ValueError, match="unknown qualifier 'roughly'"):
        text.qualified("roughly")


def test_number_formatting():
    assert text.number(1234567.891, 1) == "1,234,567.9"
    assert text.number(3.0) == "3"


def test_value_and_ours_write_the_num_role():
    row = {"id": "htp_008", "value": 585.2, "sample_size": 1778}
    assert text.value(row, 1) == "{num}`585.2 <htp_008>`"
    assert text.value(row, 1, scale=1 / 1000) == "{num}`0.6 <htp_008>`"
    assert text.value(row, column="sample_size") == "{num}`1,778 <htp_008>`"
    assert text.ours(5.46, "a / b", 1) == "{num}`5.5 <ours: a / b>`"
    with pytest.raises(ValueError):
        text.ours(1, "a <b>")


def test_provenance_note_names_source_quote_and_row():
    from exodus import provenance

    note = provenance.describe("htp_008")
    assert "BelTA" in note and "585.2" in note and "data/hi_tech_park.csv, row htp_008" in note
    assert provenance.describe("ours: a / b") == "Our calculation: a / b"
    with pytest.raises(KeyError):
        provenance.describe("no_such_row")


def test_until_gives_a_periods_end_in_words():
    assert text.until("2020-10/2023-06") == "June 2023"
    assert text.until("2022-07-10") == "10 July 2022"
    assert text.until("2021/2024") == "2024"
