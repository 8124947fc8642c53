"""The labels readers see for the codes in the data, read from the vocabulary CSVs.

Every coded column of the package is a foreign key to a `data/vocab_*.csv` file, so a code
in the data always has a label; `label()` raises for a code outside its vocabulary rather
than showing the code.
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path

from exodus import paths


@cache
def _table(vocabulary: str, data_dir: str) -> dict[str, dict[str, str]]:
    path = Path(data_dir) / f"vocab_{vocabulary}.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        key = reader.fieldnames[0]
        return {row[key]: row for row in reader}


def table(vocabulary: str, data_dir: Path | None = None) -> dict[str, dict[str, str]]:
    """Code -> row of `data/vocab_<vocabulary>.csv` (e.g. table("countries")["PL"])."""
    return _table(vocabulary, str(data_dir or paths.data_dir()))


def labels(vocabulary: str, column: str = "label",
           data_dir: Path | None = None) -> dict[str, str]:
    """Code -> label, for `Series.map`."""
    return {code: row[column] for code, row in table(vocabulary, data_dir).items()}


def label(vocabulary: str, code: str, column: str = "label",
          data_dir: Path | None = None) -> str:
    """The reader's label of one code; KeyError, naming the vocabulary, if it has none."""
    rows = table(vocabulary, data_dir)
    if code not in rows:
        raise KeyError(f"'{code}' is not in data/vocab_{vocabulary}.csv")
    return rows[code][column]


@cache
def _coded(data_dir: str) -> dict[str, str]:
    descriptor = json.loads((Path(data_dir) / "datapackage.json").read_text(encoding="utf-8"))
    coded = {}
    for resource in descriptor["resources"]:
        for key in resource["schema"].get("foreignKeys", []):
            target = key["reference"]["resource"]
            if target.startswith("vocab_") and target != f"vocab_{resource['name']}":
                coded[key["fields"][0]] = target.removeprefix("vocab_")
    return coded


def coded_columns(data_dir: Path | None = None) -> dict[str, str]:
    """Column -> vocabulary, for every coded column of the package: read from the foreign
    keys of data/datapackage.json, so a new coded column needs no list of its own here."""
    return _coded(str(data_dir or paths.data_dir()))
