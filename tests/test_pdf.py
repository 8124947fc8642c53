"""The citable PDF: every chapter and figure caption, extractable Cyrillic, embedded fonts,
metadata, and a bibliography."""

from __future__ import annotations

import calendar
import json
import re
import subprocess

import pytest
import yaml
from conftest import PDF, ROOT, require_build

from exodus import build


@pytest.fixture(scope="module")
def pdf_text() -> str:
    require_build()
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(PDF), "-"], capture_output=True,
                          text=True, check=True).stdout
    return normalise(text)


def normalise(text: str) -> str:
    """Fold white space and the typographic quotes LaTeX substitutes for straight ones."""
    for curly, straight in [("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'),
                            ("\u201d", '"')]:
        text = text.replace(curly, straight)
    return " ".join(text.split())


def chapter_titles() -> list[str]:
    titles = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        first = "".join(cells[0]["source"]).splitlines()[0]
        titles.append(first.lstrip("# ").strip())
    for md in sorted((ROOT / "book").glob("*.md")):
        first = md.read_text(encoding="utf-8").splitlines()[0]
        titles.append(first.lstrip("# ").strip())
    return titles


def figure_captions() -> list[str]:
    captions = []
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            for block in re.findall(r"```\{glue:figure\}.*?\n(.*?)```", source, re.S):
                lines = [line for line in block.splitlines() if line and not line.startswith(":")]
                captions.append(" ".join(lines))
    return captions


def test_every_chapter_title_is_in_the_pdf(pdf_text):
    titles = chapter_titles()
    assert titles
    for title in titles:
        assert normalise(title) in pdf_text, title


def test_every_figure_caption_is_in_the_pdf_and_numbered(pdf_text):
    captions = figure_captions()
    assert captions
    for caption in captions:
        # The words before "Source:" (PDF text extraction may reorder a justified line),
        # from the caption's own text: a pasted number or sentence is checked elsewhere.
        own = re.sub(r"\{glue:[\w:]*\}`[^`]*`\s*", "", caption)
        words = normalise(" ".join(own.split(" Source:")[0].split()[:6]))
        assert words in pdf_text, caption
    assert "{glue" not in pdf_text and "glue:md" not in pdf_text



def test_figures_have_the_same_numbers_in_html_and_pdf(pdf_text):
    from conftest import SITE

    found = 0
    for page in sorted(SITE.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        for number, caption in re.findall(
                r'<span class="caption-number">Figure ([0-9.]+) </span>'
                r'<span class="caption-text">([^<]{1,60})', html):
            found += 1
            words = normalise(" ".join(caption.split()[:5]))
            assert f"Figure {number}: {words}" in pdf_text, (page.name, number, words)
    assert found >= 15, f"only {found} numbered figures in the site"


def test_cyrillic_is_extractable(pdf_text):
    for word in ["Беларусь", "Лукашэнка", "Лукашенко", "Парк высоких технологий"]:
        assert word in pdf_text, word


def test_every_font_is_embedded():
    require_build()
    out = subprocess.run(["pdffonts", str(PDF)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    assert out, "no fonts listed"
    for line in out:
        # columns: name type encoding emb sub uni object ID
        fields = line.split()
        assert fields[-5] == "yes", f"font not embedded: {line}"


def test_metadata_and_title_page(pdf_text):
    info = subprocess.run(["pdfinfo", str(PDF)], capture_output=True, text=True,
                          check=True).stdout
    assert "Title:           Belarus's tech exodus after 2020" in info
    assert "Author:          The Belarus Tech Exodus Report contributors" in info
    assert "Belarus's tech exodus after 2020" in pdf_text[:400]
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["sphinx"]["config"]
    assert f"Release {config['version']}" in pdf_text[:400]
    # The edition date is on the title page in words (test below), never as ISO.
    assert str(config["today"]) not in pdf_text[:400]


def test_bibliography_lists_cited_sources(pdf_text):
    assert "Bibliography" in pdf_text or "References" in pdf_text
    assert "Emigration and war hit once-booming Belarus tech sector" in pdf_text


def test_every_dataset_is_attached_to_the_pdf(tmp_path):
    require_build()
    listing = subprocess.run(["pdfdetach", "-list", str(PDF)], capture_output=True,
                             text=True, check=True).stdout
    csvs = sorted(p.name for p in (ROOT / "data").glob("*.csv"))
    for name in csvs:
        assert f": {name}" in listing, name
    index = [line.split(": ", 1)[1] for line in listing.splitlines()[1:]].index(csvs[0]) + 1
    out = tmp_path / "out.csv"
    subprocess.run(["pdfdetach", "-save", str(index), "-o", str(out), str(PDF)], check=True)
    assert out.read_bytes() == (ROOT / "data" / csvs[0]).read_bytes()


def test_figure_captions_link_to_their_data(pdf_text):
    from conftest import SITE

    page = (SITE / "notebooks" / "hi_tech_park_rise.html").read_text(encoding="utf-8")
    assert '<a class="exodus-datafile" href="../data/hi_tech_park.csv" download>' in page
    tex = (build.built(ROOT / "_build" / "work", "pdflatex") / "book.tex").read_text(
        encoding="utf-8")
    assert "\\hyperref[exodus-data-hi_tech_park]" in tex
    assert "\\label{exodus-data-hi_tech_park}" in tex


def test_the_pdf_never_asks_its_reader_to_point_or_press(pdf_text):
    """Tooltips are for the web edition; the PDF shows what a chart means on the page."""
    lowered = pdf_text.lower()
    for phrase in ["hover", "tooltip", "arrow keys", "tab key", "point at a chart"]:
        assert phrase not in lowered, phrase


def test_the_title_page_gives_the_edition_date_in_words():
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-enc", "UTF-8", str(PDF), "-"],
                           capture_output=True, text=True, check=True).stdout
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    year, month, day = config["sphinx"]["config"]["today"].split("-")
    assert f"{int(day)} {calendar.month_name[int(month)]} {year}" in " ".join(first.split())
    assert not re.search(r"\d{4}-\d{2}-\d{2}", first), first


def _luminance(rgb: tuple[float, ...]) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = map(linear, rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_links_are_printed_in_colours_that_read_on_paper():
    """The link colours set in _config.yml are the ones the PDF draws its links in (read
    back from its page streams), Sphinx's lighter defaults are gone, and each has a contrast
    of at least 7:1 on white, enough for print and for a greyscale printer."""
    import zlib

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    setup = config["sphinx"]["config"]["latex_elements"]["sphinxsetup"]
    colours = {name: tuple(float(x) for x in value.split(","))
               for name, value in re.findall(r"(\w+LinkColor)=\{rgb\}\{([^}]*)\}", setup)}
    assert set(colours) == {"InnerLinkColor", "OuterLinkColor"}
    used = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", PDF.read_bytes(), re.S):
        try:
            used.update(tuple(float(x) for x in m.split())
                        for m in re.findall(rb"([\d.]+ [\d.]+ [\d.]+) rg", zlib.decompress(stream)))
        except zlib.error:
            continue
    for name, rgb in colours.items():
        assert rgb in used, name
        assert 1.05 / (_luminance(rgb) + 0.05) >= 7, (name, rgb)
    assert (0.208, 0.374, 0.486) not in used and (0.216, 0.439, 0.388) not in used
