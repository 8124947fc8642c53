"""Loading the data package with validation: one function per need, one error type.

Every dataset in `data/` is declared in `data/datapackage.json` (Frictionless Data). The
Frictionless library checks types, constraints, keys and foreign keys; this module adds
the checks it cannot express (bytes that are not UTF-8, empty files, files nobody declared,
rows with neither quote nor locator, derived rows without a formula) and turns every
problem into one message that names the file, the line and the column, and says what was
expected. `load()` refuses to return data that fails any check, so a chapter can never be
built on invalid data.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from exodus import paths, safe

DESCRIPTOR = "datapackage.json"
# Files in data/ that are not datasets.
NON_DATA_FILES = {DESCRIPTOR, "README.md"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data package."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = f"data/{self.file}"
        if self.line == 1:
            where += ", line 1 (header)"
        elif self.line is not None:
            where += f", line {self.line} (row {self.line - 1})"
        if self.column is not None:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class DataError(ValueError):
    """The data package (or one dataset) is invalid. `problems` lists every finding."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"invalid data ({len(problems)} problem(s)):\n  {shown}{more}")


def _descriptor(data_dir: Path) -> dict:
    path = data_dir / DESCRIPTOR
    if not path.is_file():
        raise DataError([Problem(DESCRIPTOR, "the descriptor is missing")])
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise DataError([Problem(DESCRIPTOR, f"not valid UTF-8 JSON: {err}")]) from err


def _resources(descriptor: dict) -> dict[str, dict]:
    return {r["name"]: r for r in descriptor.get("resources", [])}


def _file_problems(data_dir: Path, resource: dict) -> list[Problem]:
    """Checks Frictionless reports poorly: presence, emptiness, encoding, line endings."""
    rel = resource["path"]
    path = data_dir / rel
    if not path.is_file():
        return [Problem(rel, "declared in datapackage.json but the file is missing")]
    raw = path.read_bytes()
    if not raw.strip():
        return [Problem(rel, "the file is empty; expected a header row and data rows")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return [Problem(rel, f"bytes that are not UTF-8 at byte {err.start} "
                             f"({raw[err.start:err.start + 4]!r}); save the file as UTF-8",
                        line=line)]
    if text.startswith("\ufeff"):
        return [Problem(rel, "starts with a byte-order mark; save as UTF-8 without BOM", line=1)]
    return _header_problems(rel, text, [f["name"] for f in resource["schema"]["fields"]])


def _header_problems(rel: str, text: str, declared: list[str]) -> list[Problem]:
    """The header must list the declared columns, in order: say exactly what differs.

    Only a file whose header matches exactly goes on to Frictionless, so header faults are
    reported here, column by column, and never as Frictionless label errors.
    """
    header = next(csv.reader(io.StringIO(text)), [])
    found = []
    for col in declared:
        if col not in header:
            found.append(Problem(rel, f"missing column '{col}' (declared in datapackage.json)",
                                 line=1, column=col))
    for col in header:
        if col not in declared:
            found.append(Problem(rel, f"column '{col}' is not declared in datapackage.json; "
                                      "declare it or remove it", line=1, column=col))
    if not found and header != declared:
        found.append(Problem(rel, "columns are out of order; expected: " + ", ".join(declared),
                             line=1))
    return found


def _undeclared(data_dir: Path, descriptor: dict) -> list[Problem]:
    declared = {r["path"] for r in descriptor.get("resources", [])}
    found = []
    for path in sorted(data_dir.iterdir()):
        if path.name in NON_DATA_FILES or path.name.startswith("."):
            continue
        if path.name not in declared:
            found.append(Problem(path.name, "file in data/ is not declared in datapackage.json; "
                                            "declare it (tools/make_datapackage.py) or remove it"))
    return found


def _frictionless_problems(data_dir: Path, descriptor: dict, names: list[str]) -> list[Problem]:
    from frictionless import Package, system

    package = []  # made once, and only if some dataset's check is not kept

    def check(name: str) -> list[Problem]:
        with system.use_context(trusted=True):
            if not package:
                package.append(Package(descriptor, basepath=str(data_dir)))
            resource = package[0].get_resource(name)
            report = resource.validate()
        return [_problem_from(resource.path, err) for task in report.tasks
                for err in task.errors]

    # Each dataset on its own, so that the source register, which every dataset refers
    # to, is checked once and not once for each.
    return [problem for name in names
            for problem in _kept(("frictionless", name), data_dir,
                                 lambda name=name: check(name), (data_dir / DESCRIPTOR,))]


def _problem_from(rel: str, err) -> Problem:
    line = getattr(err, "row_number", None)
    column = getattr(err, "field_name", None)
    if err.type == "foreign-key":
        column = _foreign_key_column(getattr(err, "note", "") or "")
    if err.type in {"extra-cell", "missing-cell", "blank-row"} or not column:
        column = None
    note = getattr(err, "note", "") or err.message
    if err.type == "constraint-error":
        note = _constraint_message(err, note)
    elif err.type == "type-error":
        kind = re.search(r'type is "(\w+)', note)
        expected = {"number": "a number", "integer": "a whole number", "boolean":
                    "true or false", "date": "a date in the form YYYY-MM-DD"}.get(
            kind.group(1) if kind else "", note)
        note = f"'{getattr(err, 'cell', '')}' is not {expected}"
    messages = {
        "type-error": f"{note}",
        "constraint-error": f"{note}",
        "primary-key": f"duplicate key ({note}); every row needs its own id",
        "foreign-key": _foreign_key_message(note),
        "unique-error": f"duplicate value ({note}); values in this column must be unique",
        "extra-cell": "this row has more cells than the header",
        "missing-cell": "this row has fewer cells than the header",
        "blank-row": "blank row",
    }
    message = messages.get(err.type, f"{err.type}: {note}")
    return Problem(rel, message, line=line, column=column)


_FOREIGN_KEY = re.compile(r'for "(\w+)": values "(.*)" not found in the lookup table "(\w+)"')


def _foreign_key_column(note: str) -> str | None:
    match = _FOREIGN_KEY.search(note)
    return match.group(1) if match else None


def _foreign_key_message(note: str) -> str:
    """'x' is not in the vocabulary (or the source register) the column refers to."""
    match = _FOREIGN_KEY.search(note)
    if not match:
        return f"unknown reference ({note})"
    column, cell, table = match.groups()
    if table == "sources":
        return f"unknown source '{cell}'; add it to sources.csv or fix the id"
    return (f"'{cell}' is not in {table}.csv; use one of its codes, or add the code there "
            "with its label")


def _constraint_message(err, note: str) -> str:
    """Say in words what a Frictionless constraint note means for this cell."""
    cell = getattr(err, "cell", "")
    match = re.match(r'constraint "(\w+)" is "(.*)"', note)
    if not match:
        return note
    name, limit = match.groups()
    return {
        "required": "empty, but a value is required",
        "pattern": f"'{cell}' does not have the expected form (pattern {limit})",
        "enum": f"'{cell}' is not one of the allowed values: {limit}",
        "minimum": f"{cell} is below the minimum of {limit}",
        "maximum": f"{cell} is above the maximum of {limit}",
        "maxLength": f"the text is {len(str(cell))} characters long; at most {limit} allowed",
        "minLength": f"the text is shorter than {limit} characters",
        "unique": f"'{cell}' appears more than once; values must be unique",
    }.get(name, note)


def _row_rules(data_dir: Path, resource: dict) -> list[Problem]:
    """Cross-field rules: a sourced row quotes or locates its figure; a derived row says how."""
    rel = resource["path"]
    names = {f["name"] for f in resource["schema"]["fields"]}
    with warnings.catch_warnings():
        # A ragged row is reported by Frictionless with its line; pandas need not warn too.
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        try:
            frame = pd.read_csv(data_dir / rel, dtype=str, keep_default_na=False,
                                encoding="utf-8", index_col=False)
        except pd.errors.ParserError:
            # A row with more cells than the header (an unquoted comma, say): Frictionless
            # names its line and column ("extra-cell"); these rules wait for a readable file.
            return []
    problems = []
    if "source_ids" in names:
        known = set(pd.read_csv(data_dir / "sources.csv", dtype=str)["source_id"])
        for index, cell in frame["source_ids"].items():
            for sid in filter(None, cell.split(";")):
                if sid not in known:
                    problems.append(Problem(rel, f"unknown source '{sid}'; add it to "
                                                 "sources.csv or fix the id",
                                            line=index + 2, column="source_ids"))
    if {"url", "copy_url"} <= names:
        for index, row in frame.iterrows():
            if not row["url"].strip() and not row["copy_url"].strip():
                problems.append(Problem(rel, "a source needs the original address (url) or the "
                                             "address of the copy we read (copy_url)",
                                        line=index + 2, column="url"))
    if "quote" not in names:
        return problems
    for index, row in frame.iterrows():
        line = index + 2
        derived = str(row.get("derived", "false")).strip().lower() == "true"
        if derived:
            for col in ("formula", "derived_from"):
                if col in names and not row.get(col, "").strip():
                    problems.append(Problem(rel, "a derived row needs its formula and the ids "
                                                 "of its input rows", line=line, column=col))
        elif not row.get("quote", "").strip() and not row.get("locator", "").strip():
            problems.append(Problem(rel, "a sourced row needs the exact quote or a table "
                                         "locator; both are empty", line=line, column="quote"))
    return problems


def _read_rows(data_dir: Path, rel: str) -> list[dict[str, str]]:
    with open(data_dir / rel, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


NUMBER_FIELDS = ("value", "value_low", "value_high", "claimed_value", "sample_size")
DATE_FIELDS = ("period", "date", "date_published", "date_accessed")
NOT_FINITE = {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "nan", "+nan",
              "-nan"}
# A cell a spreadsheet would run as a formula when the published CSV is opened (OWASP's
# "CSV injection"). Such cells are refused; the published CSVs are the validated files.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# No cell is longer than this (quotes have their own, shorter limit in the schema).
MAX_TEXT = 2000
PERIOD = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?(/\d{4}(-\d{2}(-\d{2})?)?)?")


def edition_date(data_dir: Path) -> str:
    """The edition's date (`date-released` in CITATION.cff, which a test keeps equal to
    `today` in _config.yml): no date in the data may be later.

    Read from CITATION.cff, not _config.yml, so that the notebooks, which validate their
    data, depend on the edition and not on every setting of the book. Read from the
    project that holds `data_dir`, else from this package's own project."""
    import yaml

    package_root = Path(__file__).resolve().parents[2]
    for citation in (data_dir.parent / "CITATION.cff", paths.root() / "CITATION.cff",
                     package_root / "CITATION.cff"):
        if citation.is_file():
            released = (yaml.safe_load(citation.read_text(encoding="utf-8")) or {}).get(
                "date-released")
            if released:
                return str(released)
    raise FileNotFoundError("no CITATION.cff gives the edition date (date-released)")


def _cell_rules(rel: str, rows: list[dict[str, str]], types: dict[str, str],
                edition: str) -> list[Problem]:
    """Values that parse but cannot be right: a control character, a number that is not
    finite, a cell a spreadsheet would run as a formula, a range the wrong way round, a
    period that ends before it starts, or a date that is not in the calendar or is after
    the edition."""
    found = []
    for line, row in enumerate(rows, start=2):
        for column, cell in row.items():
            if not column or not isinstance(cell, str) or not cell:
                continue
            problem = safe.text_problem(cell)
            if problem:
                found.append(Problem(rel, problem, line, column))
            if len(cell) > MAX_TEXT:
                found.append(Problem(rel, f"the text is {len(cell):,} characters long; at most "
                                          f"{MAX_TEXT:,} allowed", line, column))
            if column in NUMBER_FIELDS and cell.strip().lower() in NOT_FINITE:
                found.append(Problem(rel, f"'{cell}' is not a finite number", line, column))
            elif types.get(column) == "string" and cell.startswith(FORMULA_START) and \
                    not re.fullmatch(r"-?\d[\d.,]*", cell):
                found.append(Problem(rel, f"starts with {cell[0]!r}, which a spreadsheet "
                                          "would run as a formula; reword the cell", line,
                                     column))
        numbers = {}
        for column in ("value_low", "value", "value_high"):
            try:
                numbers[column] = float(row.get(column) or "nan")
            except ValueError:
                pass
        low, mid, high = (numbers.get(c, float("nan")) for c in
                          ("value_low", "value", "value_high"))
        if low > high:  # comparisons with a missing bound (NaN) are false
            found.append(Problem(rel, f"value_low {low:g} is above value_high {high:g}", line,
                                 "value_low"))
        elif mid < low:
            found.append(Problem(rel, f"value {mid:g} is below its value_low {low:g}", line,
                                 "value"))
        elif mid > high:
            found.append(Problem(rel, f"value {mid:g} is above its value_high {high:g}", line,
                                 "value"))
        for column in DATE_FIELDS:
            cell = row.get(column) or ""
            if not PERIOD.fullmatch(cell):
                continue  # the schema's pattern reports the form
            try:
                start, end = period_start(cell), period_end(cell)
            except ValueError:
                found.append(Problem(rel, f"'{cell}' is not a date in the calendar", line,
                                     column))
                continue
            if end < start:
                found.append(Problem(rel, f"the period '{cell}' ends before it starts", line,
                                     column))
            elif start > pd.Timestamp(edition):
                found.append(Problem(rel, f"'{cell}' is after the edition date {edition}",
                                     line, column))
    return found


RANGE_COLUMNS = {"value": ("indicator", "estimate_of", "unit"),
                 "claimed_value": ("", "", "claimed_unit")}


def _ranges(rows_by_file: dict[str, list[dict[str, str]]]):
    """(indicator, unit) -> (minimum, maximum), from vocab_indicators and vocab_units."""
    units = {r["unit"]: (float(r["minimum"]), float(r["maximum"]))
             for r in rows_by_file.get("vocab_units.csv", [])}
    indicators = {r["indicator"]: r for r in rows_by_file.get("vocab_indicators.csv", [])}

    def bounds(indicator: str, unit: str) -> tuple[float, float] | None:
        if unit not in units:
            return None
        low, high = units[unit]
        spec = indicators.get(indicator)
        if spec and spec["unit"] == unit:
            low = float(spec["minimum"]) if spec["minimum"] else low
            high = float(spec["maximum"]) if spec["maximum"] else high
        return low, high
    return bounds


def _range_rules(rows_by_file: dict[str, list[dict[str, str]]]) -> list[Problem]:
    """Every value lies in the plausible range of its indicator and unit: no negative count,
    no share over 100 per cent, no exports in millions that would be a country's GDP."""
    bounds = _ranges(rows_by_file)
    found = []
    for rel, rows in rows_by_file.items():
        for line, row in enumerate(rows, start=2):
            for value_column, (ind_col, alt_col, unit_col) in RANGE_COLUMNS.items():
                unit = row.get(unit_col) or ""
                indicator = row.get(ind_col) or row.get(alt_col) or ""
                limits = bounds(indicator, unit)
                if value_column not in row or not limits:
                    continue
                for column in (value_column, "value_low", "value_high"):
                    try:
                        number = float(row.get(column) or "nan")
                    except ValueError:
                        continue  # the schema reports a cell that is not a number
                    if not limits[0] <= number <= limits[1] and number == number:
                        what = f"'{indicator}' in {unit}" if indicator else unit
                        low, high = (f"{x:,.12g}" for x in limits)
                        found.append(Problem(
                            rel, f"{number:,.12g} is outside the plausible range of {what} "
                                 f"({low} to {high}, from vocab_indicators.csv and "
                                 "vocab_units.csv); check the value and its unit", line, column))
    return found


def _conflict_rules(rows_by_file: dict[str, list[dict[str, str]]]) -> list[Problem]:
    """A conflict group links two or more reports of one quantity: same file, same indicator
    (or estimate), same country."""
    groups: dict[str, list[tuple[str, int, dict]]] = {}
    for rel, rows in rows_by_file.items():
        for line, row in enumerate(rows, start=2):
            if row.get("conflict_group"):
                groups.setdefault(row["conflict_group"], []).append((rel, line, row))
    found = []
    for name, members in groups.items():
        rel, line, first = members[0]
        if len(members) < 2:
            found.append(Problem(rel, f"conflict group '{name}' has only this row; a conflict "
                                      "links two or more reports", line, "conflict_group"))
        what = lambda r: (r.get("indicator") or r.get("estimate_of"), r.get("geography"))  # noqa: E731
        for other_rel, other_line, row in members[1:]:
            if other_rel != rel or what(row) != what(first):
                found.append(Problem(other_rel, f"conflict group '{name}' mixes different "
                                                f"quantities (see data/{rel}, line {line}); "
                                                "a group holds reports of one indicator in "
                                                "one country", other_line, "conflict_group"))
    return found


def _repeated_facts(rows_by_file: dict[str, list[dict[str, str]]]) -> list[Problem]:
    """One fact, one row: the same source giving the same value for the same period may
    stand once in the whole package (a second reading of it belongs in that row's notes)."""
    seen: dict[tuple[str, str, float], tuple[str, int]] = {}
    found = []
    for rel, rows in rows_by_file.items():
        for line, row in enumerate(rows, start=2):
            period = row.get("period") or row.get("date") or ""
            try:
                value = float(row.get("value") or "nan")
            except ValueError:
                continue
            if not row.get("source_id") or value != value or not period:
                continue
            key = (row["source_id"], period, value)
            if key in seen:
                other, other_line = seen[key]
                found.append(Problem(rel, f"the same fact as data/{other}, line {other_line} "
                                          f"(source {row['source_id']}, period {period}, value "
                                          f"{value:,.12g}); enter a fact once, in the dataset "
                                          "where it belongs", line, "value"))
            else:
                seen[key] = (rel, line)
    return found


def _estimate_rules(rows_by_file: dict[str, list[dict[str, str]]]) -> list[Problem]:
    """The synthesis estimate's inputs and assumptions: every referenced row exists and
    carries a value, and every assumption's range runs low <= default <= high (or its low
    end and default come from a ratio of two rows, and are left empty)."""
    values = {row.get("id"): row.get("value") for rows in rows_by_file.values() for row in rows
              if row.get("id")}
    found = []
    for index, row in enumerate(rows_by_file.get("estimate_inputs.csv", [])):
        ref = row.get("row_id") or ""
        if ref and not values.get(ref):
            found.append(Problem("estimate_inputs.csv", f"row_id '{ref}' is not a row with a "
                                 "value in the package", index + 2, "row_id"))
    for index, row in enumerate(rows_by_file.get("estimate_assumptions.csv", [])):
        line, ratio = index + 2, (row.get("ratio_of") or "").split()
        for ref in ratio:
            if not values.get(ref):
                found.append(Problem("estimate_assumptions.csv", f"ratio_of names '{ref}', "
                                     "which is not a row with a value in the package",
                                     line, "ratio_of"))
        if ratio:
            for column in ("low", "default"):
                if row.get(column):
                    found.append(Problem("estimate_assumptions.csv", f"{column} must be empty "
                                         "when ratio_of gives it", line, column))
            continue
        try:
            low, default, high = (float(row[c]) for c in ("low", "default", "high"))
        except (KeyError, ValueError):
            found.append(Problem("estimate_assumptions.csv", "low, default and high are all "
                                 "needed (or ratio_of)", line, "low"))
            continue
        if not low <= default <= high:
            found.append(Problem("estimate_assumptions.csv", f"the range must run low <= "
                                 f"default <= high, not {low:g}, {default:g}, {high:g}",
                                 line, "default"))
    return found


def _package_rules(rows_by_file: dict[str, list[dict[str, str]]]) -> list[Problem]:
    """Rules across files: row ids unique in the whole package, values in range, conflict
    groups well formed.

    A number's provenance note is looked up by its row id alone, so an id used in two files
    would let one row pass for another; the build refuses it.
    """
    found = (_range_rules(rows_by_file) + _conflict_rules(rows_by_file)
             + _repeated_facts(rows_by_file) + _estimate_rules(rows_by_file))
    seen: dict[str, tuple[str, int]] = {}
    for rel, rows in rows_by_file.items():
        for index, row in enumerate(rows):
            row_id = row.get("id") or ""
            if not row_id:
                continue
            if row_id in seen and seen[row_id][0] != rel:
                other, other_line = seen[row_id]
                found.append(Problem(rel, f"id '{row_id}' is already used in data/{other}, "
                                          f"line {other_line}; ids must be unique in the "
                                          "whole package", line=index + 2, column="id"))
            seen.setdefault(row_id, (rel, index + 2))
    return found


def _path_problems(resources: dict[str, dict]) -> list[Problem]:
    return [Problem(DESCRIPTOR, f"resource '{name}' has the path {r.get('path')!r}; a dataset "
                                "must be a plain lower-case file name ending in .csv")
            for name, r in resources.items()
            if not re.fullmatch(safe.DATA_FILE_PATTERN, str(r.get("path", "")))]


# Validation is the costliest step of a chapter (Frictionless checks every row and key),
# and a chapter loads a dozen datasets, each with the source register. A check's result
# depends only on the files it opened, so it is kept, with a hash of each of those files,
# and used again while they hash the same (`_kept`). Files are named from the project
# folder, so a copy of the project with the same bytes (the build's scratch copy, a
# test's copy) finds the result too; results of the whole package are also kept on disk
# for the other processes of a build (each chapter's kernel).
_KEPT: dict[tuple, list[tuple[tuple, list[Problem]]]] = {}
_KEEP_PER_CHECK = 8  # the states kept for one check: a few copies that differ
_OPENING: list[set[str]] = []


def _record_open(event: str, args: tuple) -> None:
    if event == "open" and _OPENING and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENING[-1].add(os.path.abspath(os.fsdecode(args[0])))


def _name(data_dir: Path, path: str) -> str:
    """A file's name from the project folder (absolute if it lies outside)."""
    try:
        return Path(path).relative_to(data_dir.parent).as_posix()
    except ValueError:
        return str(path)


def _state(data_dir: Path, names) -> tuple | None:
    """What a check's result depends on: the names in the folder (a file nobody declared
    is a problem), whether the project has its CITATION.cff, and the bytes of each file it
    read (named by `_name`). None if one of those files is gone."""
    try:
        return (tuple(sorted(os.listdir(data_dir))),
                (data_dir.parent / "CITATION.cff").is_file(),
                {n: hashlib.sha256((data_dir.parent / n).read_bytes()).hexdigest()
                 for n in sorted(names)})
    except OSError:
        return None


def _kept(key: tuple, data_dir: Path, check, reads: tuple[Path, ...] = (),
          disk: bool = False) -> list[Problem]:
    """`check()`, or its kept result if every file it read (and `reads`, files it was
    handed the contents of) is unchanged. A check within a check adds its files to the
    outer one's. With `disk`, the result is also kept on disk for other processes."""
    states = _KEPT.setdefault(key, [])
    if not states and disk:
        states.extend(_from_disk(key, data_dir))
    for kept in states:
        if _state(data_dir, kept[0][2]) == kept[0]:
            if _OPENING:
                _OPENING[-1].update(str(data_dir.parent / n) for n in kept[0][2])
            return list(kept[1])
    if not getattr(_record_open, "installed", False):
        sys.addaudithook(_record_open)
        _record_open.installed = True
    _OPENING.append({str(p) for p in reads})
    try:
        found = check()
    finally:
        opened = _OPENING.pop()
        if _OPENING:
            _OPENING[-1].update(opened)
    # What it read of the project: the package's files and the edition (not modules).
    state = _state(data_dir, [_name(data_dir, f) for f in opened if Path(f).is_file() and (
        Path(f).parent == data_dir or Path(f).name == "CITATION.cff")])
    if state is not None:
        states.insert(0, (state, list(found)))
        del states[_KEEP_PER_CHECK:]
        if disk:
            _to_disk(key, data_dir, state, found)
    return found


def cache_dir(data_dir: Path) -> Path:
    """Where kept validation results live: EXODUS_CACHE (the build points its scratch
    copy's kernels at the checkout's), else the `_build/cache` of the project that holds
    `data_dir`."""
    return Path(os.environ.get("EXODUS_CACHE") or data_dir.parent / "_build" / "cache")


@functools.cache
def _package_code() -> str:
    """A hash of every module of the package, as this process loaded them."""
    code = hashlib.sha256()
    for module in sorted(Path(__file__).parent.glob("*.py")):
        code.update(module.name.encode() + module.read_bytes())
    return code.hexdigest()


def _disk_path(key: tuple, data_dir: Path) -> Path:
    """Where a check's result is kept on disk (`cache_dir`), named by the check and by the
    code that checks (every module of the package, and the Frictionless release)."""
    from importlib.metadata import version

    name = hashlib.sha256(json.dumps([list(key), version("frictionless"),
                                      _package_code()]).encode())
    return cache_dir(data_dir) / "validation" / f"{name.hexdigest()}.json"


def _from_disk(key: tuple, data_dir: Path) -> list[tuple]:
    """The result another process kept, if any."""
    try:
        kept = json.loads(_disk_path(key, data_dir).read_text(encoding="utf-8"))
        state = (tuple(kept["listing"]), kept["citation"], dict(sorted(kept["files"].items())))
        return [(state, [Problem(**p) for p in kept["problems"]])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []  # none kept, or unreadable: the check runs


def _to_disk(key: tuple, data_dir: Path, state: tuple, found: list[Problem]) -> None:
    listing, citation, files = state
    if any(Path(n).is_absolute() for n in files):
        return  # it read a file outside the project: keep the result in this process only
    kept = {"listing": list(listing), "citation": citation, "files": files,
            "problems": [vars(p) for p in found]}
    path = _disk_path(key, data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(kept, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only checkout: results are kept within the process only


def problems(data_dir: Path | None = None, names: list[str] | None = None) -> list[Problem]:
    """Every problem in the package (or in the named datasets and the source register)."""
    data_dir = (Path(data_dir) if data_dir else paths.data_dir()).resolve()
    return _kept(("package", None if names is None else tuple(names)),
                 data_dir, lambda: _problems(data_dir, names), disk=True)


def _problems(data_dir: Path, names: list[str] | None) -> list[Problem]:
    descriptor = _descriptor(data_dir)
    resources = _resources(descriptor)
    bad_paths = _path_problems(resources)
    if bad_paths:
        return bad_paths
    if names is None:
        found = _undeclared(data_dir, descriptor)
        wanted = list(resources)
    else:
        unknown = [n for n in names if n not in resources]
        if unknown:
            raise DataError([Problem(DESCRIPTOR, f"no dataset named {n!r}; known: "
                                                 f"{', '.join(sorted(resources))}")
                             for n in unknown])
        found = []
        wanted = list(dict.fromkeys(["sources", *names]))
    file_ok = []
    for name in wanted:
        file_problems = _file_problems(data_dir, resources[name])
        found.extend(file_problems)
        if not file_problems:
            file_ok.append(name)
    if "sources" not in file_ok:
        # Foreign keys cannot be checked without the register; report what we have.
        return found
    found.extend(_frictionless_problems(data_dir, descriptor, file_ok))
    edition = edition_date(data_dir)
    rows_by_file = {}
    for name in file_ok:
        resource = resources[name]
        rows_by_file[resource["path"]] = _read_rows(data_dir, resource["path"])
        found.extend(_row_rules(data_dir, resource))
        found.extend(_cell_rules(resource["path"], rows_by_file[resource["path"]],
                                 {f["name"]: f["type"] for f in resource["schema"]["fields"]},
                                 edition))
    if names is None:
        found.extend(_package_rules(rows_by_file))
    else:
        vocabularies = {f"{v}.csv": _read_rows(data_dir, f"{v}.csv")
                        for v in ("vocab_indicators", "vocab_units")}
        found.extend(_range_rules({**vocabularies, **rows_by_file}))
    return found


def validate(data_dir: Path | None = None) -> None:
    """Raise DataError unless the whole package is valid."""
    found = problems(data_dir)
    if found:
        raise DataError(found)


_DTYPES = {"string": "string", "number": "Float64", "integer": "Int64", "boolean": "boolean",
           "date": "string", "year": "Int64"}


def load(name: str, data_dir: Path | None = None) -> pd.DataFrame:
    """A validated dataset as a DataFrame, with columns typed as the descriptor declares.

    Raises DataError (naming file, line and column) if the dataset, or the source register
    it refers to, is invalid.
    """
    data_dir = Path(data_dir) if data_dir else paths.data_dir()
    found = problems(data_dir, [name])
    if found:
        raise DataError(found)
    resource = _resources(_descriptor(data_dir))[name]
    path = data_dir / resource["path"]
    fields = resource["schema"]["fields"]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8",
                        index_col=False)
    for f in fields:
        col = f["name"]
        kind = _DTYPES.get(f["type"], "string")
        blank = frame[col].str.strip() == ""
        if kind == "string":
            frame[col] = frame[col].astype("string").mask(blank)
        elif kind == "boolean":
            frame[col] = frame[col].str.lower().map({"true": True, "false": False}).astype(
                "boolean")
        else:
            frame[col] = pd.to_numeric(frame[col].mask(blank)).astype(kind)
    return frame


def only(rows: pd.DataFrame, what: str) -> pd.Series:
    """The one row a named criterion selects (`what` says which, for the error): a chapter
    picks a row by what it is, and a second row that matches is an error, not a silent
    choice of whichever comes first."""
    if len(rows) != 1:
        ids = ", ".join(map(str, rows["id"])) if "id" in rows else f"{len(rows)} rows"
        raise LookupError(f"expected one row for {what}, found {len(rows)}: {ids or 'none'}")
    return rows.iloc[0]


def period_start(text: str) -> pd.Timestamp:
    """The first day of an ISO 8601 period ('2021', '2021-03', '2021-03-15', 'A/B')."""
    first = text.split("/")[0]
    return pd.Timestamp(first + "-01-01"[len(first) - 4:] if len(first) < 10 else first)


def period_end(text: str) -> pd.Timestamp:
    """The last day of an ISO 8601 period: a year's 31 December, a month's last day."""
    last = text.split("/")[-1]
    first = period_start(last)
    if len(last) == 4:
        return first + pd.offsets.YearEnd(0)
    if len(last) == 7:
        return first + pd.offsets.MonthEnd(0)
    return first


def period_bounds(period: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Start and end dates of ISO 8601 periods ('2021', '2021-03', '2021-03-15', 'A/B').

    A year runs from 1 January to 31 December, a month to its last day; a range runs from
    the start of its first part to the end of its second. Cumulative counts are best drawn
    at the end date, yearly totals anywhere within the year.
    """
    text = period.astype(str)
    return text.map(period_start), text.map(period_end)


def whole_year(period: pd.Series) -> pd.Series:
    """True where a period is one calendar year ('2021'), not a month, a date or a range."""
    return period.astype("string").str.fullmatch(r"\d{4}").fillna(False).astype(bool)


def period_mid(period: pd.Series) -> pd.Series:
    """The middle of each period: where a flow over the period (a year's exports) is drawn
    on a time axis, so that years sit at their true distance from one another."""
    start, end = period_bounds(period)
    return start + (end - start) / 2
