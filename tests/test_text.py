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
