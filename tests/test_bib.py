"""The bibliography is generated from the register of sources: one source of truth."""

import csv
from pathlib import Path

from exodus import bib

ROOT = Path(__file__).resolve().parents[1]


def test_every_source_has_one_entry_with_its_url():
    with open(ROOT / "data" / "sources.csv", encoding="utf-8") as fh:
        sources = list(csv.DictReader(fh))
    rendered = bib.render(ROOT / "data" / "sources.csv")
    assert rendered.count("@misc{") == len(sources)
    for row in sources:
        assert f"@misc{{{row['source_id']}," in rendered


def test_entry_braces_title_and_escapes_specials():
    row = {"source_id": "x", "title": "Belarus & {IT} 100%", "publisher": "BelTA",
           "author": "", "url": "https://example.org/a%20b", "date_published": "2021-03",
           "date_accessed": "2026-11-27"}
    entry = bib.entry(row)
    assert "title = {{Belarus \\& IT 100\\%}}" in entry
    assert "author = {{BelTA}}" in entry
    assert "year = {2021}" in entry
    assert "url = {https://example.org/a\\%20b}" in entry


def test_write_only_when_changed(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sources.csv").write_text(
        (ROOT / "data" / "sources.csv").read_text(encoding="utf-8"), encoding="utf-8")
    target = bib.write(tmp_path)
    first = target.stat().st_mtime_ns
    bib.write(tmp_path)
    assert target.stat().st_mtime_ns == first


def test_pybtex_plugins_are_found_without_scanning_entry_points_once_registered(monkeypatch):
    """Each citation looks its pybtex plugins up; registered once, a look-up is a dictionary
    hit that gives the installed class, not a scan of every package's entry points."""
    import pybtex.plugin

    from exodus import bib

    installed = pybtex.plugin.find_plugin("pybtex.style.formatting", "unsrt")
    assert bib.register_pybtex_plugins() >= len(bib.PYBTEX_GROUPS)

    def no_scan(**_):
        raise AssertionError("entry points scanned")

    monkeypatch.setattr(pybtex.plugin, "entry_points", no_scan)
    assert pybtex.plugin.find_plugin("pybtex.style.formatting", "unsrt") is installed
    assert pybtex.plugin.find_plugin("pybtex.backends", "plaintext").__name__ == "Backend"
