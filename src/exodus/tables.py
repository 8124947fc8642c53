"""Tables for readers: numbered and captioned, with human headers, labels for codes, numbers
and dates written for reading, a citation for every source, and nothing else.

A chapter builds a table with `glue()` in a code cell and pastes it where it belongs with

    ```{glue:md} tbl_name
    :format: myst
    ```

The table is a MyST `list-table`, so Sphinx numbers it ("Table 2.1") in the HTML and the PDF
alike, and its `:name:` (``tbl-name``) can be cited with ``{numref}``. Every cell is data text
and goes through `exodus.safe`, except the citations, which are built from checked ids.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping

import pandas as pd

from exodus import safe, text, vocab

# Columns whose cells are ISO 8601 dates or periods: shown in words.
DATES = {"period", "date", "date_published", "start", "end"}
MISSING = "–"  # an en dash: "not given"


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def cell(column: str, value: object, decimals: int = 0) -> str:
    """One cell as a reader sees it (MyST inline text)."""
    if _is_missing(value):
        return MISSING
    if column in ("source_id", "source_ids"):
        ids = [v for v in str(value).split(";") if v]
        return text.cite(ids) if ids else MISSING
    coded = vocab.coded_columns()
    if column in coded:
        return safe.md(vocab.label(coded[column], str(value)))
    if column in DATES:
        if isinstance(value, pd.Timestamp | dt.date):
            value = pd.Timestamp(value).strftime("%Y-%m-%d")
        return safe.md(text.when(value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return safe.md(_number(float(value), decimals))
    return safe.md(value)


def myst(frame: pd.DataFrame, columns: Mapping[str, str], caption: str, name: str,
         decimals: Mapping[str, int] | None = None, by_unit: str | None = None) -> str:
    """The table as a MyST list-table.

    `columns` maps the frame's columns, in order, to their headers (with units, e.g.
    "Exports (US$ million)"). `decimals` gives a column's decimals; `by_unit` names a
    numeric column whose decimals follow each row's `unit` (vocab_units.csv).
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"table {name}: no column {missing[0]!r} in the data")
    decimals = dict(decimals or {})
    units = vocab.table("units")
    body = []
    for _, row in frame.iterrows():
        cells = []
        for column in columns:
            places = decimals.get(column, 0)
            if column == by_unit and not _is_missing(row.get("unit")):
                places = int(units[row["unit"]]["decimals"])
            cells.append(cell(column, row[column], places))
        body.append(cells)
    headers = [safe.md(h) for h in columns.values()]
    # Column widths from what the columns hold, so that the PDF wraps long text in its
    # column instead of running off the page; `longtable` lets a table break across pages.
    widths = [_width([headers[i], *(r[i] for r in body)]) for i in range(len(headers))]
    lines = [f"```{{list-table}} {safe.md(caption)}", ":header-rows: 1",
             f":name: {name.replace('_', '-')}", ":class: longtable exodus-table",
             ":widths: " + " ".join(str(w) for w in widths), ""]
    for cells in [headers, *body]:
        lines.append("* - " + "\n  - ".join(cells))
    lines.append("```")
    return "\n".join(lines)


def _width(column: list[str]) -> int:
    """A column's relative width: enough for its longest word (so no name is broken), and
    more for long text, up to a cap (a unit is about 1.3 mm of an A4 text width)."""
    shown = [_visible(c) for c in column]
    longest_word = max((len(w) for c in shown for w in c.split()), default=1)
    return max(int(1.5 * longest_word) + 3, min(40, max(len(c) for c in shown)))


def _visible(cell_text: str) -> str:
    """Roughly what a cell shows: a citation counts as a short author-year label."""
    return re.sub(r"\{cite:p\}`[^`]*`", "x" * 24, cell_text).replace("\\", "")


def glue(name: str, frame: pd.DataFrame, columns: Mapping[str, str], caption: str,
         **options) -> None:
    """Build the table and glue it under `name` for a `{glue:md}` directive (it returns
    nothing, so the cell shows nothing of its own: the table appears where it is pasted)."""
    text.glue_sentence(name, myst(frame, columns, caption, name, **options))


def _number(value: float, decimals: int) -> str:
    """A number for reading: thousands separators, and no '.0' on a whole number."""
    return text.number(value, 0 if value.is_integer() else decimals)


def _places(value: float, most: int = 3) -> int:
    """How many decimals the value carries (up to `most`)."""
    for places in range(most + 1):
        if abs(round(value, places) - value) < 1e-9:
            return places
    return most


def figure(value: object, unit: str, qualifier: str = "exact") -> str:
    """A figure as words: 'about 13,300 people', '20 %' (qualifier, number, unit)."""
    if _is_missing(value):
        return MISSING
    row = vocab.table("units")[unit]
    # The unit's usual decimals, or more where the source gave more: 86.95 stays 86.95
    # (shown as 87.0 it would be our rounding, not the source's figure).
    number = _number(float(value), max(int(row["decimals"]), _places(float(value))))
    short = row["short_label"]
    return f"{text.qualified(qualifier)}{number}{'%' if short == '%' else ' ' + short}"


def figures(frame: pd.DataFrame) -> list[str]:
    """`figure` for every row of a frame with `value`, `unit` and `qualifier` columns."""
    return [figure(v, u, q) for v, u, q in
            zip(frame["value"], frame["unit"], frame["qualifier"], strict=True)]
