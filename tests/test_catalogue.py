"""The data catalogue and sources pages are generated from the package and list all of it."""

import csv
import json
import re
from pathlib import Path
from urllib.parse import unquote

from exodus import catalogue

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def unescaped(markdown: str) -> str:
    """The page with CommonMark's backslash escapes undone: the text a reader sees."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def test_catalogue_lists_every_dataset_field_and_row_count():
    page = unescaped(catalogue.catalogue_page(DATA))
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        assert f"## {resource['title']}" in page
        with open(DATA / resource["path"], encoding="utf-8") as fh:
            n = sum(1 for _ in csv.DictReader(fh))
        assert f"</data/{resource['path']}>`; rows: {n}" in page
        for field in resource["schema"]["fields"]:
            assert f"| ` {field['name']} ` | {field['type']} |" in page


def test_sources_page_lists_every_source_with_its_link():
    page = catalogue.sources_page(DATA)
    links = {unquote(target) for target in re.findall(r"\]\(<([^<>]+)>\)", page)}
    with open(DATA / "sources.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        assert f"*{row['title']}*" in unescaped(page), row["source_id"]
        assert row["source_id"] not in page  # internal ids are not for readers
    addresses = {unquote(row[k]) for row in rows for k in ("url", "copy_url") if row[k]}
    assert links == addresses
    # Every source can be reached: by its original address, or the copy we read.
    assert all(row["url"] or row["copy_url"] for row in rows)


def test_pages_change_when_the_data_change(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for path in DATA.iterdir():
        (data / path.name).write_bytes(path.read_bytes())
    before = catalogue.catalogue_page(data)
    with open(data / "events.csv", "a", encoding="utf-8") as fh:
        fh.write("zz_test,2024-01-01,economy,Test event,wapo_2021_07_exodus,quote\n")
    assert catalogue.catalogue_page(data) != before


def test_citation_cff_is_valid_and_agrees_with_the_book():
    import subprocess
    import sys

    import yaml

    result = subprocess.run([str(Path(sys.executable).with_name("cffconvert")), "--validate",
                             "-i", str(ROOT / "CITATION.cff")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["config"]["version"] == cff["version"]
    assert config["sphinx"]["config"]["today"] == str(cff["date-released"])
    assert f"Edition {cff['version']}" in config["copyright"]
    page = catalogue.cite_page(ROOT)
    assert "@techreport{belarus_tech_exodus," in page and cff["title"] in page


def test_edition_and_date_are_in_the_site_footer():
    import yaml
    from conftest import SITE, require_build

    require_build()
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    footer = (SITE / "book" / "intro.html").read_text(encoding="utf-8")
    import datetime

    released = datetime.date.fromisoformat(str(cff["date-released"]))
    in_words = f"{released.day} {released:%B %Y}"
    assert f"Edition {cff['version']} (draft), {in_words}" in footer
    assert str(released) not in footer  # no ISO date for readers


def test_how_to_cite_gives_the_date_in_words():
    cff_text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    released = re.search(r'date-released: "?(\d{4})-(\d{2})-(\d{2})', cff_text).groups()
    page = catalogue.cite_page(ROOT)
    assert "-".join(released) not in page
    month = ["January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December"][int(released[1]) - 1]
    assert f"{int(released[2])} {month} {released[0]}" in page
