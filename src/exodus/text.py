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

from exodus import safe, vocab

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


def glue_parts(prefix: str, **parts: str) -> None:
    """Glue the parts of a finding (numbers with their provenance, their citations, dates
    in words) as `<prefix>_<name>`, for the prose of a Markdown cell to paste inline with
    ``{glue:md}`<prefix>_<name>:myst` ``: the sentence stays in Markdown, the numbers come
    from the data."""
    for name, part in parts.items():
        glue_sentence(f"{prefix}_{name}", str(part))


VERDICTS = [("confirmed", "confirmed"), ("partly", "partly_confirmed"),
            ("contradicted", "contradicted"), ("unverified", "unverified")]


def verdict_counts(claims) -> dict[str, str]:
    """The fact-check in numbers (ours, each with its count's formula): all claims and the
    claims of each verdict, for `glue_parts`. One computation for its chapter and the
    summary."""
    counts = claims["verdict"].value_counts()
    parts = {"all": ours(len(claims), "claims in data/seed_claims.csv")}
    for key, verdict in VERDICTS:
        parts[key] = ours(counts.get(verdict, 0), f"claims with verdict {verdict}")
    return parts


def glue_headlines(name: str, items: Iterable[tuple[str, str]]) -> None:
    """Glue the headline box: (figure, what it counts) pairs, each a MyST string whose
    numbers carry their provenance (`value`, `ours`) and whose words end with a citation.
    Pasted with `{glue:md}` and `:format: myst`; styled by `.exodus-headlines`."""
    lines = ["```{container} exodus-headlines"]
    for figure, label in items:
        lines += [f"**{figure}** {label}", ""]
    glue_sentence(name, "\n".join(lines).rstrip() + "\n```")


def qualified(qualifier: str) -> str:
    """The words that carry a source's qualifier into a sentence ('more than ', 'about '),
    from the `prefix` column of data/vocab_qualifiers.csv."""
    try:
        prefix = vocab.label("qualifiers", qualifier, column="prefix")
    except KeyError:
        raise ValueError(f"unknown qualifier {qualifier!r}; expected one of "
                         f"{', '.join(vocab.table('qualifiers'))}") from None
    return f"{prefix} " if prefix else ""


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def _date_words(part: str) -> tuple[str, str, str]:
    match = _DATE.fullmatch(part)
    if not match:
        raise ValueError(f"not an ISO 8601 date or year: {part!r}")
    year, month, day = match.groups()
    return year, MONTHS[int(month) - 1] if month else "", str(int(day)) if day else ""


def when(period: object) -> str:
    """An ISO 8601 date, month, year or range in words: '2022-09' -> 'September 2022',
    '2020-08/2021-08' -> 'August 2020 to August 2021', '2023-01/2023-02' -> 'January to
    February 2023'. Readers never see the ISO form."""
    text = str(period)
    parts = [_date_words(p) for p in text.split("/")]
    words = [" ".join(w for w in (d, m, y) if w) for y, m, d in parts]
    if len(parts) == 1:
        return words[0]
    (y1, m1, d1), (y2, m2, d2) = parts
    if y1 == y2 and m1 and m2 and not d1 and not d2:
        return f"{m1} to {m2} {y1}" if m1 != m2 else f"{m1} {y1}"
    return f"{words[0]} to {words[1]}"


def until(period: object) -> str:
    """The end of a period in words: '2020-10/2023-06' -> 'June 2023' (for "by ...")."""
    return when(str(period).split("/")[-1])


def glue_chart(name: str, chart) -> None:
    """Glue a chart for a `{glue:figure}` directive (rendered by the house renderer)."""
    glue(name, chart, display=False)
