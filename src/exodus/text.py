"""Building sentences whose numbers and citations come from the data, for `{glue:md}`.

A sentence such as "exports reached X in YEAR (source)" must change when the data change:
the value, the year *and* the citation. Glueing a Markdown object built here, and pasting
it with `{glue:md}` in MyST format, keeps all three tied to the same row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from IPython.display import Markdown
from myst_nb import glue

from exodus import safe

ID = re.compile(safe.ID_PATTERN)


def plain(value: object) -> str:
    """Data text (a claim, an explanation, a name) for a glued sentence: literal characters,
    never markup. Every data field a sentence quotes goes through this (exodus.safe)."""
    return safe.md(value)


def cite(source_ids: str | Iterable[str]) -> str:
    """A MyST parenthetical citation of one or more source ids from data/sources.csv."""
    ids = [source_ids] if isinstance(source_ids, str) else list(dict.fromkeys(source_ids))
    if not ids:
        raise ValueError("cite() needs at least one source id")
    bad = [i for i in ids if not ID.fullmatch(str(i))]
    if bad:
        raise ValueError(f"not a source id: {bad[0]!r}")
    return "{cite:p}`" + ",".join(ids) + "`"


def number(value: float, decimals: int = 0) -> str:
    """A number with thousands separators and a fixed number of decimals."""
    return f"{value:,.{decimals}f}"


def value(row, decimals: int = 0, scale: float = 1.0, column: str = "value") -> str:
    """A data row's value as a number that reveals its source in the HTML (`{num}` role).

    `row` is a row of a dataset loaded with exodus.data.load (it needs `id` and `value`);
    `scale` converts units for the sentence (for example 1/1000 for millions to billions);
    `column` names another numeric column of the same row (for example `sample_size`).
    """
    if not ID.fullmatch(str(row["id"])):
        raise ValueError(f"not a row id: {row['id']!r}")
    return f"{{num}}`{number(row[column] * scale, decimals)} <{row['id']}>`"


def ours(value: float, formula: str, decimals: int = 0) -> str:
    """A number we computed, labelled with its formula in the HTML (`{num}` role)."""
    if any(ch in formula for ch in "<>`"):
        raise ValueError("a formula may not contain <, > or backticks")
    return f"{{num}}`{number(value, decimals)} <ours: {formula}>`"


def glue_sentence(name: str, text: str) -> None:
    """Glue a sentence (MyST Markdown) for `{glue:md}` with `:format: myst`."""
    glue(name, Markdown(text), display=False)


QUALIFIER_WORDS = {
    "exact": "",
    "approx": "about ",
    "more_than": "more than ",
    "at_least": "at least ",
    "less_than": "less than ",
    "up_to": "up to ",
}


def qualified(qualifier: str) -> str:
    """The words that carry a source's qualifier into a sentence ('more than ', 'about ')."""
    try:
        return QUALIFIER_WORDS[qualifier]
    except KeyError:
        raise ValueError(f"unknown qualifier {qualifier!r}; expected one of "
                         f"{', '.join(QUALIFIER_WORDS)}") from None


def glue_chart(name: str, chart) -> None:
    """Glue a chart for a `{glue:figure}` directive (rendered by the house renderer)."""
    glue(name, chart, display=False)
