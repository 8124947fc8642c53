"""No number is typed into prose: statistics in the text come from glue, never by hand.

Scans the markdown cells of every notebook and every page in book/ (generated pages
excepted), after removing what may legitimately hold digits: code, roles and directives
(glue, cite, numref), link targets and headings' years. Flags a number with a percent
sign, a currency, a thousands separator, a decimal point or a unit word.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNITS = (r"(?:per ?cent|percent|million|billion|thousand|people|persons|companies|firms|"
         r"visas|employees|workers|specialists|jobs|residents|times|months|years|days|"
         r"prisoners|sources|rows|claims|estimates)")
STATISTIC = re.compile(
    r"(?:[$€£]\s?\d|\b(?:US\$|USD|EUR|BYN|BYR|PLN)\s?\d"  # currency
    r"|\d\s?%"  # percent sign
    r"|\b\d{1,3}(?:[,\u00a0 ]\d{3})+\b"  # thousands separator
    r"|\b\d+\.\d+\b"  # decimals
    rf"|\b\d+(?:\.\d+)?\s+{UNITS}\b)",  # number with a unit
    re.I,
)


def prose_sources() -> list[tuple[str, str]]:
    found = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                found.append((f"{nb.name} cell {i}", "".join(cell["source"])))
    for page in sorted((ROOT / "book").glob("*.md")):
        found.append((page.name, page.read_text(encoding="utf-8")))
    return found


def strip_allowed(text: str) -> str:
    text = re.sub(r"```.*?```", " ", text, flags=re.S)  # directives (glue:figure, glue:md)
    text = re.sub(r"\{[a-z:]+\}`[^`]*`", " ", text)  # roles: glue, cite, numref
    text = re.sub(r"`[^`]*`", " ", text)  # inline code
    text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
    text = re.sub(r"https?://\S+", " ", text)
    return text


def hand_typed(text: str) -> list[str]:
    return [m.group(0) for m in STATISTIC.finditer(strip_allowed(text))]


@pytest.mark.parametrize("where,text", prose_sources(), ids=lambda v: v if len(v) < 60 else "")
def test_no_hand_typed_statistics(where, text):
    assert hand_typed(text) == [], f"{where}: type these through glue instead"


@pytest.mark.parametrize("sample", [
    "Exports reached US$2.7 billion in 2020.",
    "About 15% of respondents had left.",
    "The Park had 1,021 residents.",
    "Some 70 000 people worked there.",
    "It grew 2.5 times.",
    "There were 41 companies in Lithuania.",
    "Visas: €300 each.",
])
def test_detector_catches_statistics(sample):
    assert hand_typed(sample)


@pytest.mark.parametrize("sample", [
    "In 2020 the protests began; by 2022 the war had started.",
    "Decree No. 8 of 2017 extended the regime.",
    "See {numref}`fig-htp-exports` and {cite:p}`htp_afp_2021_08_exodus`.",
    "The value is {glue:text}`htp_exports_peak_value:,.1f` billion.",
    "On 9 August 2020 Belarus held an election.",
])
def test_detector_allows_years_citations_and_glue(sample):
    assert hand_typed(sample) == []


# Chapters whose sentences are written in Markdown, with a phrase of their prose, the least
# number of parts they paste, and the glued blocks of data text they keep (lists built from
# rows: the contradicted claims, the company stories; a caption's part). Every chapter.
MARKDOWN_PROSE = [("summary", "IT specialists left Belarus from", 20, 0),
                  ("crackdown_2020", "political prisoners at the end of", 10, 0),
                  ("fact_check", "claims we checked", 5, 1),
                  ("methods", "sourced rows from", 3, 0),
                  ("how_many_left", "The largest survey, of", 15, 0),
                  ("receiving_countries", "Poland gained the most", 25, 0),
                  ("exodus_destinations", "The first count we found is", 9, 1),
                  ("cost_of_the_exodus", "the Park's exports were US$", 15, 0),
                  ("synthesis", "was the reason most often given", 30, 1),
                  ("hi_tech_park_rise", "The earliest full-year export figure", 10, 0)]


@pytest.mark.parametrize("name,phrase,least,blocks", MARKDOWN_PROSE)
def test_findings_are_markdown_with_their_numbers_pasted_inline(name, phrase, least, blocks):
    """The sentences are in the Markdown cells, readable in Jupyter as prose; the code glues
    only their parts (numbers with provenance, citations, dates), which the strict build
    refuses to leave unpasted."""
    cells = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    prose = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "text.glue_parts(" in code
    assert code.count("glue_sentence(") == blocks
    assert len(re.findall(r"\{glue:md\}`(\w+):myst`", prose)) >= least
    assert phrase in prose


def test_every_chapter_writes_its_prose_in_markdown():
    assert sorted(name for name, *_ in MARKDOWN_PROSE) == sorted(
        p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
