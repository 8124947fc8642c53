"""The data package: valid as committed, and every kind of bad input stopped with a message
that names the file, the line and the column and says what was expected."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from exodus import data

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture
def pkg(tmp_path) -> Path:
    """A private copy of the data package to break."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, table: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(table)


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    table = rows(path)
    table[line - 1][table[0].index(column)] = value
    write_rows(path, table)


def messages(pkg: Path) -> list[str]:
    return [str(p) for p in data.problems(pkg)]


def only(pkg: Path) -> str:
    found = messages(pkg)
    assert len(found) >= 1, "the broken package was accepted"
    return "\n".join(found)


def test_committed_package_is_valid():
    assert data.problems() == []


def test_descriptor_is_what_the_schema_script_writes():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "make_datapackage.py"),
                             "--check"])
    assert result.returncode == 0, "data/datapackage.json is stale: run tools/make_datapackage.py"


def test_every_field_has_type_and_description_and_every_resource_a_key():
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        assert resource["schema"].get("primaryKey"), resource["name"]
        for f in resource["schema"]["fields"]:
            assert f.get("type") and f.get("description"), (resource["name"], f["name"])



CODED = {"source_id": "sources", "indicator": "vocab_indicators", "estimate_of":
         "vocab_indicators", "unit": "vocab_units", "claimed_unit": "vocab_units",
         "geography": "vocab_countries", "destination": "vocab_countries", "qualifier":
         "vocab_qualifiers", "period_type": "vocab_period_types", "source_kind":
         "vocab_source_kinds", "language": "vocab_languages", "method":
         "vocab_estimate_methods", "category": "vocab_event_categories", "event_type":
         "vocab_company_event_types", "verdict": "vocab_verdicts", "topic": "vocab_topics"}


def test_every_coded_field_is_a_foreign_key_to_its_vocabulary():
    """A code reaches readers only through its vocabulary's label, so every coded column
    must be a foreign key to the vocabulary, keyed on the vocabulary's primary key."""
    descriptor = json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))
    by_name = {r["name"]: r for r in descriptor["resources"]}
    checked = 0
    for resource in descriptor["resources"]:
        if resource["name"].startswith("vocab_") and resource["name"] != "vocab_indicators":
            continue
        keys = {fk["fields"][0]: fk["reference"] for fk in
                resource["schema"].get("foreignKeys", [])}
        for f in resource["schema"]["fields"]:
            if f["name"] in CODED and f["name"] not in resource["schema"]["primaryKey"]:
                reference = keys.get(f["name"])
                assert reference, (resource["name"], f["name"], "has no foreign key")
                assert reference["resource"] == CODED[f["name"]], (resource["name"], f["name"])
                target = by_name[reference["resource"]]["schema"]["primaryKey"]
                assert reference["fields"] == target, (resource["name"], f["name"])
                checked += 1
    assert checked >= 30


def test_load_returns_typed_frame():
    frame = data.load("hi_tech_park")
    assert str(frame["value"].dtype) == "Float64"
    assert str(frame["derived"].dtype) == "boolean"
    assert frame["id"].is_unique
    on_disk = pd.read_csv(DATA / "hi_tech_park.csv", dtype=str)
    assert len(frame) == len(on_disk)
    # A value survives the round trip exactly as written.
    first = on_disk.iloc[0]
    assert frame.loc[frame["id"] == first["id"], "value"].iloc[0] == float(first["value"])


def test_load_unknown_dataset_is_an_error():
    with pytest.raises(data.DataError, match="no dataset named 'nope'"):
        data.load("nope")


def test_load_refuses_invalid_data(pkg):
    set_cell(pkg / "hi_tech_park.csv", 2, "value", "lots")
    with pytest.raises(data.DataError, match=r"hi_tech_park\.csv, line 2 \(row 1\), column "
                                             r"'value': 'lots' is not a number"):
        data.load("hi_tech_park", data_dir=pkg)


def test_every_sourced_row_quotes_within_300_characters():
    for name in ["hi_tech_park", "ict_sector", "relocation", "emigration_estimates", "events",
                 "company_events", "political_prisoners"]:
        frame = pd.read_csv(DATA / f"{name}.csv", dtype=str, keep_default_na=False)
        assert (frame["quote"].str.len() <= 300).all(), name
        located = frame["locator"].str.strip() != "" if "locator" in frame else False
        sourced = ~frame["derived"].eq("true") if "derived" in frame else True
        unsourced = frame[sourced & (frame["quote"].str.strip() == "") & ~located]
        assert unsourced.empty, (name, list(unsourced["id"]))


# ------------------------------------------------------------------ bad inputs, one each


def test_wrong_type(pkg):
    set_cell(pkg / "hi_tech_park.csv", 3, "value", "about ten")
    assert ("data/hi_tech_park.csv, line 3 (row 2), column 'value': 'about ten' is not a "
            "number") in only(pkg)


def test_missing_column(pkg):
    table = [r[:8] + r[9:] for r in rows(pkg / "hi_tech_park.csv")]  # drop 'definition'
    write_rows(pkg / "hi_tech_park.csv", table)
    assert ("data/hi_tech_park.csv, line 1 (header), column 'definition': missing column "
            "'definition'") in only(pkg)


def test_undeclared_extra_column(pkg):
    table = rows(pkg / "ict_sector.csv")
    for i, r in enumerate(table):
        r.append("confidence" if i == 0 else "high")
    write_rows(pkg / "ict_sector.csv", table)
    assert ("data/ict_sector.csv, line 1 (header), column 'confidence': column 'confidence' "
            "is not declared") in only(pkg)


def test_unknown_source_id(pkg):
    set_cell(pkg / "relocation.csv", 4, "source_id", "made_up_source")
    out = only(pkg)
    assert "data/relocation.csv, line 4 (row 3), column 'source_id': unknown source" in out
    assert "made_up_source" in out


def test_unknown_source_in_a_list_of_ids(pkg):
    set_cell(pkg / "seed_claims.csv", 2, "source_ids", "made_up_source")
    assert ("data/seed_claims.csv, line 2 (row 1), column 'source_ids': unknown source "
            "'made_up_source'") in only(pkg)


def test_duplicate_key(pkg):
    table = rows(pkg / "events.csv")
    table[3][0] = table[2][0]
    write_rows(pkg / "events.csv", table)
    assert "data/events.csv, line 4 (row 3), column 'id': duplicate value" in only(pkg)


def test_value_out_of_range(pkg):
    set_cell(pkg / "emigration_estimates.csv", 2, "value", "-3")
    assert ("data/emigration_estimates.csv, line 2 (row 1), column 'value': -3 is below the "
            "minimum of 0") in only(pkg)


def test_value_not_in_the_allowed_list(pkg):
    set_cell(pkg / "hi_tech_park.csv", 2, "qualifier", "roughly")
    assert ("data/hi_tech_park.csv, line 2 (row 1), column 'qualifier': 'roughly' is not in "
            "vocab_qualifiers.csv") in only(pkg)


def test_malformed_date(pkg):
    set_cell(pkg / "sources.csv", 5, "date_accessed", "27/11/2026")
    assert ("data/sources.csv, line 5 (row 4), column 'date_accessed': '27/11/2026' is not a "
            "date in the form YYYY-MM-DD") in only(pkg)


def test_malformed_period(pkg):
    set_cell(pkg / "hi_tech_park.csv", 2, "period", "2021 Q3")
    assert ("data/hi_tech_park.csv, line 2 (row 1), column 'period': '2021 Q3' does not have "
            "the expected form") in only(pkg)


def test_required_cell_empty(pkg):
    set_cell(pkg / "sources.csv", 3, "title", "")
    assert ("data/sources.csv, line 3 (row 2), column 'title': empty, but a value is required"
            ) in only(pkg)


def test_source_with_no_address_at_all(pkg):
    set_cell(pkg / "sources.csv", 3, "url", "")
    set_cell(pkg / "sources.csv", 3, "copy_url", "")
    assert ("data/sources.csv, line 3 (row 2), column 'url': a source needs the original "
            "address (url) or the address of the copy we read (copy_url)") in only(pkg)


def test_quote_too_long(pkg):
    set_cell(pkg / "hi_tech_park.csv", 2, "quote", "x" * 301)
    assert ("data/hi_tech_park.csv, line 2 (row 1), column 'quote': the text is 301 "
            "characters long; at most 300 allowed") in only(pkg)


def test_empty_file(pkg):
    (pkg / "events.csv").write_text("", encoding="utf-8")
    assert "data/events.csv: the file is empty; expected a header row and data rows" in only(pkg)


def test_undeclared_file(pkg):
    (pkg / "extra_figures.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert ("data/extra_figures.csv: file in data/ is not declared in datapackage.json"
            ) in only(pkg)


def test_declared_file_missing(pkg):
    (pkg / "political_prisoners.csv").unlink()
    assert ("data/political_prisoners.csv: declared in datapackage.json but the file is "
            "missing") in only(pkg)


def test_bytes_that_are_not_utf8(pkg):
    path = pkg / "ict_sector.csv"
    raw = path.read_bytes()
    second_line = raw.index(b"\n") + 1
    path.write_bytes(raw[:second_line] + "Беларусь".encode("cp1251") + raw[second_line:])
    assert "data/ict_sector.csv, line 2 (row 1): bytes that are not UTF-8" in only(pkg)


def test_byte_order_mark(pkg):
    path = pkg / "events.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert "data/events.csv, line 1 (header): starts with a byte-order mark" in only(pkg)


def test_sourced_row_without_quote_or_locator(pkg):
    set_cell(pkg / "relocation.csv", 2, "quote", "")
    set_cell(pkg / "relocation.csv", 2, "locator", "")
    assert ("data/relocation.csv, line 2 (row 1), column 'quote': a sourced row needs the "
            "exact quote or a table locator; both are empty") in only(pkg)


def test_locator_instead_of_quote_is_accepted(pkg):
    set_cell(pkg / "relocation.csv", 2, "quote", "")
    set_cell(pkg / "relocation.csv", 2, "locator", "Table 3, row 'Belarus', column 2021")
    assert messages(pkg) == []


def test_derived_row_without_formula(pkg):
    set_cell(pkg / "ict_sector.csv", 2, "derived", "true")
    assert ("data/ict_sector.csv, line 2 (row 1), column 'formula': a derived row needs its "
            "formula") in only(pkg)


def test_row_with_too_many_cells(pkg):
    path = pkg / "events.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text[1] += ",surplus"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert "data/events.csv, line 2 (row 1): this row has more cells than the header" in only(pkg)


def test_validate_command_reports_and_fails(pkg, monkeypatch):
    set_cell(pkg / "hi_tech_park.csv", 2, "value", "n/a")
    env = {"EXODUS_ROOT": str(pkg.parent)}
    (pkg.parent / "_config.yml").write_text("title: copy\n")
    result = subprocess.run([sys.executable, "-m", "exodus.validate"], capture_output=True,
                            text=True, env={**__import__("os").environ, **env})
    assert result.returncode == 1
    assert "data/hi_tech_park.csv, line 2 (row 1), column 'value'" in result.stderr


# Plausible values: each case breaks one cell of a copy and names the message it must give.
PLAUSIBILITY_CASES = [
    ("hi_tech_park.csv", 2, "value", "Infinity", "'Infinity' is not a finite number"),
    ("hi_tech_park.csv", 2, "period", "2021/2019", "the period '2021/2019' ends before it "
                                                   "starts"),
    ("events.csv", 2, "date", "2031-01-01", "'2031-01-01' is after the edition date"),
    ("events.csv", 2, "date", "2021-02-30", "'2021-02-30' is not a date in the calendar"),
    ("sources.csv", 2, "date_published", "2030", "'2030' is after the edition date"),
    ("sources.csv", 2, "publisher", '=HYPERLINK("https://example.org","x")',
     "starts with '=', which a spreadsheet would run as a formula"),
    ("relocation.csv", 2, "notes", "@SUM(A1:A2)", "starts with '@'"),
    # Counts cannot be negative (line 2 is a count of resident companies).
    ("hi_tech_park.csv", 2, "value", "-5", "-5 is outside the plausible range of "
                                           "'resident_companies' in companies (0 to 100,000"),
    ("hi_tech_park.csv", 2, "indicator", "resident_companiez",
     "'resident_companiez' is not in vocab_indicators.csv"),
    ("hi_tech_park.csv", 2, "geography", "XX", "'XX' is not in vocab_countries.csv"),
    ("hi_tech_park.csv", 2, "id", "ict_999", "'ict_999' does not have the expected form"),
    ("hi_tech_park.csv", 2, "notes", "x" * 2001, "the text is 2,001 characters long; at most "
                                                 "2,000 allowed"),
    ("relocation.csv", 2, "conflict_group", "cg_alone", "conflict group 'cg_alone' has only "
                                                        "this row"),
    ("vocab_units.csv", 2, "label", "", "empty, but a value is required"),
    ("company_events.csv", 2, "destination", "Lithuania", "'Lithuania' is not in "
                                                           "vocab_countries.csv"),
]


@pytest.mark.parametrize("name,line,column,value,expected", PLAUSIBILITY_CASES,
                         ids=[f"{c[0]}:{c[2]}:{c[3][:12]}" for c in PLAUSIBILITY_CASES])
def test_implausible_values_are_refused_with_file_row_and_column(pkg, name, line, column,
                                                                 value, expected):
    set_cell(pkg / name, line, column, value)
    found = [m for m in messages(pkg)
             if m.startswith(f"data/{name}, line {line} (row {line - 1}), column '{column}'")]
    assert any(expected in m for m in found), messages(pkg)


def test_a_range_the_wrong_way_round_or_a_value_outside_it_is_refused(pkg):
    path = pkg / "emigration_estimates.csv"
    table = rows(path)
    header = table[0]
    line = next(i for i, r in enumerate(table[1:], start=2)
                if r[header.index("value_high")] and r[header.index("value_low")])
    high = float(table[line - 1][header.index("value_high")])
    where = f"data/emigration_estimates.csv, line {line} (row {line - 1})"
    set_cell(path, line, "value", str(high + 1))
    assert f"{where}, column 'value': value {high + 1:g} is above its value_high {high:g}" \
        in only(pkg)
    set_cell(path, line, "value_low", str(high + 2))
    assert f"{where}, column 'value_low': value_low {high + 2:g} is above value_high " \
           f"{high:g}" in only(pkg)


def line_of(path: Path, **match: str) -> int:
    table = rows(path)
    return next(i for i, r in enumerate(table[1:], start=2)
                if all(r[table[0].index(k)] == v for k, v in match.items()))


@pytest.mark.parametrize("name,match,value,expected", [
    # exports in US$ million: 3,200,000 would be US$3.2 trillion, dozens of times GDP
    ("hi_tech_park.csv", {"indicator": "exports"}, "3200000",
     "3,200,000 is outside the plausible range of 'exports' in usd_million (0 to 20,000"),
    ("relocation.csv", {"unit": "percent"}, "150", "150 is outside the plausible range"),
    ("ict_sector.csv", {"indicator": "employees"}, "-1", "-1 is outside the plausible range"),
    # a net outflow may be negative, but not beyond its stated bound
    ("ict_sector.csv", {"indicator": "net_worker_outflow"}, "-2000000",
     "-2,000,000 is outside the plausible range of 'net_worker_outflow'"),
])
def test_a_value_outside_its_indicator_or_unit_range_is_refused(pkg, name, match, value,
                                                                expected):
    line = line_of(pkg / name, **match)
    set_cell(pkg / name, line, "value", value)
    where = f"data/{name}, line {line} (row {line - 1}), column 'value': "
    assert any(m.startswith(where) and expected in m for m in messages(pkg)), messages(pkg)


def test_the_same_fact_entered_in_two_datasets_is_refused(pkg):
    """17,308 once stood in both ict_sector.csv and emigration_estimates.csv."""
    source = rows(pkg / "ict_sector.csv")
    header = source[0]
    line = line_of(pkg / "ict_sector.csv", indicator="net_worker_outflow", period="2022",
                   qualifier="exact")
    fact = dict(zip(header, source[line - 1], strict=True))
    estimates = rows(pkg / "emigration_estimates.csv")
    copy = dict(zip(estimates[0], estimates[1], strict=True))
    copy.update(id="est_999", period=fact["period"], value=fact["value"],
                source_id=fact["source_id"], quote=fact["quote"])
    write_rows(pkg / "emigration_estimates.csv", estimates + [[copy[c] for c in estimates[0]]])
    assert (f"column 'value': the same fact as data/ict_sector.csv, line {line} (source "
            f"{fact['source_id']}, period 2022, value 17,308)") in only(pkg)


def test_a_conflict_group_must_hold_one_quantity(pkg):
    path = pkg / "ict_sector.csv"
    first = line_of(path, indicator="gdp_share")
    second = line_of(path, indicator="employees")
    set_cell(path, first, "conflict_group", "cg_mixed")
    set_cell(path, second, "conflict_group", "cg_mixed")
    assert "conflict group 'cg_mixed' mixes different quantities" in only(pkg)


def test_negative_numbers_are_not_taken_for_formulas(pkg):
    """A cell such as '-980' (a net change) is a number, not a formula: still valid."""
    set_cell(pkg / "relocation.csv", 2, "notes", "-980")
    assert messages(pkg) == []


def test_an_unquoted_comma_is_reported_with_its_line_not_a_traceback(pkg):
    # A description typed with a comma but no quotes: one cell more than the header.
    path = pkg / "company_events.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3].replace(",other,,", ",other,,A comma, unquoted,", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    found = only(pkg)
    assert "company_events.csv, line 4" in found and "more cells than the header" in found


def test_only_returns_the_one_row_a_criterion_selects_and_refuses_two():
    import pandas as pd

    rows = pd.DataFrame({"id": ["a_1", "a_2"], "value": [1.0, 2.0]})
    assert data.only(rows[rows["id"] == "a_2"], "the second")["value"] == 2.0
    with pytest.raises(LookupError, match="expected one row for both, found 2: a_1, a_2"):
        data.only(rows, "both")
    with pytest.raises(LookupError, match="found 0: none"):
        data.only(rows[rows["id"] == "b"], "none at all")


def test_a_validation_kept_on_disk_serves_another_process_only_while_nothing_changed(
        pkg, tmp_path, monkeypatch):
    """The build validates the package, then each chapter's kernel validates its scratch
    copy: a result kept on disk by one process (here: the kept results of this one are
    forgotten) is used by another for a package in another folder with the same bytes,
    and never once a file, the checking code or the Frictionless release differ."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("EXODUS_CACHE", str(cache))
    # Kept on disk only if every file it read is the project's own: the edition's too.
    assert messages(pkg) == [] and not cache.exists()
    shutil.copyfile(DATA.parent / "CITATION.cff", tmp_path / "CITATION.cff")
    monkeypatch.setattr(data, "_KEPT", {})
    assert messages(pkg) == []
    assert len(list((cache / "validation").glob("*.json"))) == 1
    copy = shutil.copytree(pkg, tmp_path / "elsewhere" / "data")
    shutil.copyfile(DATA.parent / "CITATION.cff", tmp_path / "elsewhere" / "CITATION.cff")

    def must_not_run(*args):
        raise AssertionError("validated again although a kept result was valid")

    with monkeypatch.context() as patched:  # kept in this process, for another folder
        patched.setattr(data, "_problems", must_not_run)
        assert messages(copy) == []
    monkeypatch.setattr(data, "_KEPT", {})
    with monkeypatch.context() as patched:  # kept on disk
        patched.setattr(data, "_problems", must_not_run)
        assert messages(copy) == []
    # A changed cell (same size): the kept result is not used.
    monkeypatch.setattr(data, "_KEPT", {})
    set_cell(copy / "hi_tech_park.csv", 2, "geography", "XX")
    assert any("column 'geography'" in m for m in messages(copy))
    # What another process kept for the broken copy is not used for the intact one.
    monkeypatch.setattr(data, "_KEPT", {})
    assert messages(pkg) == []
    # Another release of Frictionless, or unreadable results: the check runs.
    import importlib.metadata

    monkeypatch.setattr(data, "_KEPT", {})
    for path in (cache / "validation").glob("*.json"):
        path.write_text("{not json", encoding="utf-8")
    with monkeypatch.context() as patched:
        patched.setattr(data, "_problems", must_not_run)
        with pytest.raises(AssertionError, match="validated again"):
            messages(pkg)
    assert messages(pkg) == []
    monkeypatch.setattr(data, "_KEPT", {})
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.0-another")
    with monkeypatch.context() as patched:
        patched.setattr(data, "_problems", must_not_run)
        with pytest.raises(AssertionError, match="validated again"):
            messages(pkg)


def test_a_kept_validation_is_used_again_only_while_its_files_are_unchanged(pkg):
    """Validation results are kept within a process (a chapter loads a dozen datasets,
    each with the source register); any change to a file a check read, a file added to
    the folder, or a file removed is seen at once."""
    assert data.load("hi_tech_park", pkg).shape[0] > 0 and messages(pkg) == []
    path = pkg / "hi_tech_park.csv"
    table = rows(path)
    geography = table[0].index("geography")
    # The same number of bytes, so that nothing but the contents tells the change.
    table[1][geography] = "XX" if table[1][geography] != "XX" else "YY"
    write_rows(path, table)
    expected = "data/hi_tech_park.csv, line 2 (row 1), column 'geography'"
    assert any(m.startswith(expected) for m in messages(pkg)), messages(pkg)
    with pytest.raises(data.DataError, match="column 'geography'"):
        data.load("hi_tech_park", pkg)
    # The register, which every dataset's check reads: a source id no row may use twice.
    shutil.copyfile(DATA / "hi_tech_park.csv", path)
    assert data.load("hi_tech_park", pkg).shape[0] > 0
    sources = rows(pkg / "sources.csv")
    sources[2][0] = sources[1][0]
    write_rows(pkg / "sources.csv", sources)
    with pytest.raises(data.DataError, match="sources.csv"):
        data.load("hi_tech_park", pkg)
    shutil.copyfile(DATA / "sources.csv", pkg / "sources.csv")
    assert messages(pkg) == []
    (pkg / "notes.csv").write_text("a\n1\n", encoding="utf-8")
    assert any("notes.csv" in m and "not declared" in m for m in messages(pkg))
    (pkg / "notes.csv").unlink()
    (pkg / "ict_sector.csv").unlink()
    assert any("ict_sector.csv" in m and "missing" in m for m in messages(pkg))
