"""The data catalogue and sources pages are generated from the package and list all of it."""

import csv
import json
from pathlib import Path

from exodus import catalogue

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def test_catalogue_lists_every_dataset_field_and_row_count():
    page = catalogue.catalogue_page(DATA)
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        assert f"## {resource['title']}" in page
        with open(DATA / resource["path"], encoding="utf-8") as fh:
            n = sum(1 for _ in csv.DictReader(fh))
        assert f"</data/{resource['path']}>`; rows: {n}" in page
        for field in resource["schema"]["fields"]:
            assert f"| `{field['name']}` | {field['type']} |" in page


def test_sources_page_lists_every_source_with_its_link():
    page = catalogue.sources_page(DATA)
    with open(DATA / "sources.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert f"| `{row['source_id']}` |" in page
            assert f"]({row['url']})" in page


def test_pages_change_when_the_data_change(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for path in DATA.iterdir():
        (data / path.name).write_bytes(path.read_bytes())
    before = catalogue.catalogue_page(data)
    with open(data / "events.csv", "a", encoding="utf-8") as fh:
        fh.write("zz_test,2024-01-01,economy,Test event,wapo_2021_07_exodus,quote\n")
    assert catalogue.catalogue_page(data) != before
