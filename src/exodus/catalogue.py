"""Pages generated from metadata: the data catalogue, the sources, how to cite.

Nothing here is written by hand: every dataset, field, unit, constraint, row count and
source comes from `data/datapackage.json` and the CSVs, so the pages cannot drift from the
data; the citation comes from CITATION.cff. `write()` renders the MyST pages into
`book/_generated/` before each build.
"""

from __future__ import annotations

import csv
import json
import re
import textwrap
from collections import Counter
from pathlib import Path

from exodus import paths, safe, text, vocab

GENERATED = Path("book") / "_generated"


def _cell(text: object) -> str:
    """Data text for a table cell or a heading: literal characters only (exodus.safe)."""
    return safe.md(text)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _constraints(field: dict) -> str:
    parts = []
    for key, value in field.get("constraints", {}).items():
        if key == "required" and value:
            parts.append("required")
        elif key == "unique" and value:
            parts.append("unique")
        elif key == "enum":
            parts.append("one of: " + ", ".join(safe.code(v) for v in value))
        elif key == "pattern":
            parts.append(f"pattern {safe.code(value)}")
        elif key in {"minimum", "maximum", "maxLength"}:
            parts.append(_cell(f"{key} {value}"))
    return "; ".join(parts)


def _file_name(rel: str) -> str:
    """A dataset's file name, which the page puts into a download role and into LaTeX: it
    must be a plain name (the data validation says the same, with the file named)."""
    if not re.fullmatch(safe.DATA_FILE_PATTERN, rel):
        raise ValueError(f"data file name {rel[:60]!r} is not a plain lower-case name "
                         "ending in .csv")
    return rel


def catalogue_page(data_dir: Path) -> str:
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    out = [
        "# Data catalogue",
        "",
        "Every dataset behind the report, generated from the data package's descriptor.",
        "Each file is a tidy CSV (UTF-8, one observation per row) described in "
        "{download}`datapackage.json </data/datapackage.json>` by the Frictionless Data "
        "standard, so standard tools can validate it.",
        "Every row names its source (see [the sources page](sources.md)) and carries the exact "
        "words it came from or a table locator.",
        f"Licence: {descriptor['licenses'][0]['title']}.",
        "",
    ]
    for resource in descriptor["resources"]:
        resource = {**resource, "path": _file_name(resource["path"])}
        rows = _rows(data_dir / resource["path"])
        n_sources = len({r.get("source_id") for r in rows if r.get("source_id")})
        out += [
            f"## {_cell(resource['title'])}",
            "",
            _cell(resource.get("description", "")),
            "",
            f"File: {{download}}`{resource['path']} </data/{resource['path']}>`; "
            f"rows: {len(rows)}"
            + (f"; sources cited: {n_sources}." if n_sources else "."),
            "",
            "```{raw} latex",
            f"\\phantomsection\\label{{exodus-data-{Path(resource['path']).stem}}}"
            f"\\exodusattach{{{resource['path']}}}"
            f"{{\\texttt{{{resource['path']}}} is attached to this PDF: click to open it.}}",
            "```",
            "",
            "| field | type | unit | description | constraints |",
            "| --- | --- | --- | --- | --- |",
        ]
        for f in resource["schema"]["fields"]:
            out.append(f"| {safe.code(f['name'])} | {_cell(f['type'])} | "
                       f"{_cell(f.get('unit', ''))} | {_cell(f.get('description', ''))} | "
                       f"{_constraints(f)} |")
        out.append("")
    return "\n".join(out) + "\n"


def _when(date: str) -> str:
    return text.when(date) if date else "no date shown"


def _address(r: dict[str, str]) -> str:
    """Where the source is: its original address, and the copy we read when it differs."""
    parts = []
    if r["url"]:
        parts.append(safe.link("Original", r["url"]))
    if r["copy_url"]:
        parts.append(safe.link("Copy we read" if r["url"] else "Copy we read (original "
                                                                "address not known)",
                               r["copy_url"]))
    return " · ".join(parts)


def sources_page(data_dir: Path) -> str:
    kinds = vocab.table("source_kinds", data_dir)
    order = list(kinds)
    sources = sorted(_rows(data_dir / "sources.csv"),
                     key=lambda r: (order.index(r["source_kind"]), r["publisher"],
                                    r["date_published"] or "0"))
    counts = Counter(r["source_kind"] for r in sources)
    languages = vocab.labels("languages", data_dir=data_dir)
    copies = sum(1 for r in sources if r["copy_url"])
    no_original = sum(1 for r in sources if not r["url"])
    out = [
        "# Sources",
        "",
        "Every source the data package takes a figure or a fact from, generated from "
        "{download}`sources.csv </data/sources.csv>`.",
        "Sources are grouped by kind, because the kind says much about what a figure can "
        "bear: the Hi-Tech Park's figures relayed by state media are self-reported; survey "
        "shares describe their respondents, not all IT workers.",
        f"Of the {len(sources)} sources, {copies} were read in a copy (a repost, a mirror "
        f"or an archive) and {no_original} of those are known only through that copy: "
        "their original address is not known to us.",
        "",
        "| kind of source | sources |",
        "| --- | --- |",
        *[f"| {_cell(kinds[k]['label'])} | {counts[k]} |" for k in order if counts[k]],
        "",
    ]
    for kind in (k for k in order if counts[k]):
        out += [f"## {_cell(kinds[kind]['label'])}", ""]
        # One entry a source, as in a bibliography: it reads on a phone, where a table of
        # six columns cannot.
        for r in (s for s in sources if s["source_kind"] == kind):
            first = (f" (first published by {_cell(r['original_publisher'])})"
                     if r["original_publisher"] else "")
            out += [f"- **{_cell(r['publisher'])}**{first}. *{_cell(r['title'])}*. "
                    f"{_cell(_when(r['date_published']))}, in "
                    f"{_cell(languages[r['language']])}. {_address(r)}.  ",
                    f"  {_cell(r['method_note'])}"]
        out.append("")
    return "\n".join(out) + "\n"


def write(root: Path | None = None) -> list[Path]:
    """Write the two pages if their content changed (keeps rebuilds incremental)."""
    root = root or paths.root()
    target_dir = root / GENERATED
    target_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, page in [("data.md", catalogue_page(root / "data")),
                       ("sources.md", sources_page(root / "data")),
                       ("cite.md", cite_page(root))]:
        target = target_dir / name
        if not target.is_file() or target.read_text(encoding="utf-8") != page:
            target.write_text(page, encoding="utf-8")
        written.append(target)
    return written


def cite_page(root: Path) -> str:
    """'How to cite', from CITATION.cff: full and short citations and a BibTeX entry."""
    import yaml

    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    authors = "; ".join(a.get("name") or f"{a['family-names']}, {a['given-names']}"
                        for a in cff["authors"])
    year = str(cff["date-released"])[:4]
    released = text.when(str(cff["date-released"]))  # "2 December 2026": no ISO date shown
    bibtex = "\n".join([
        "@techreport{belarus_tech_exodus,",
        f"  author = {{{{{authors}}}}},",
        # Broken inside the braces (BibTeX reads the lines as one), so that the PDF never
        # wraps it with continuation marks and a copied entry still parses.
        "  title = {{" + "\n    ".join(textwrap.wrap(cff["title"], 60)) + "}},",
        f"  year = {{{year}}},",
        f"  note = {{Edition {cff['version']}, {released}}},",
        "}",
    ])
    return "\n".join([
        "# How to cite",
        "",
        "Cite the edition you used; editions are listed in the [changelog](../changelog.md).",
        "",
        "**Full citation**",
        "",
        f"{authors} ({year}). *{cff['title']}*. Edition {cff['version']}, "
        f"{released}. Licence: {cff['license']}.",
        "",
        "**Short citation**",
        "",
        f"Belarus Tech Exodus Report ({year}), edition {cff['version']}.",
        "",
        "**BibTeX**",
        "",
        "```bibtex",
        bibtex,
        "```",
        "",
        "**Cite the original producers too.**",
        "Every figure in this report was published first by someone else: a statistics "
        "office, an agency, a newspaper, a survey team. When you use a figure, cite its "
        "source as well; each chart's caption and the citation beside each number name it, "
        "and the [sources page](sources.md) lists them all.",
        "",
        "The same metadata are in `CITATION.cff` at the root of the repository.",
        "",
    ])
