"""nbval is a real check: a fresh run of an unchanged copy passes, and changing one data
value or one stored output makes it fail."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from test_build import NOTEBOOK, copy_project


def run_nbval(root) -> subprocess.CompletedProcess:
    """nbval with the suite's own plugin (tests/nbval_strict.py), on one small notebook."""
    env = {**os.environ, "EXODUS_ROOT": str(root), "PYTHONPATH": str(Path(__file__).parent)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
         "-p", "nbval_strict", "-o", "addopts=", "-o", "testpaths=", str(root / NOTEBOOK)],
        cwd=root, env=env, capture_output=True, text=True, timeout=600)


def test_unchanged_copy_passes(tmp_path):
    root = copy_project(tmp_path)
    result = run_nbval(root)
    assert result.returncode == 0, result.stdout[-3000:]


def test_one_changed_data_value_fails(tmp_path):
    root = copy_project(tmp_path)
    path = root / "data" / "hi_tech_park.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    # A whole year's exports: the figure the chapter's chart and table show.
    target = next(i for i, line in enumerate(lines[1:], 1)
                  if re.search(r",exports,BY,\d{4},period_total,", line))
    cells = lines[target].split(",")
    value_col = header.index("value")
    cells[value_col] = str(float(cells[value_col]) + 1)
    lines[target] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_nbval(root)
    assert result.returncode != 0
    assert "failed" in result.stdout


def test_an_edited_stored_output_and_an_edited_output_metadata_each_fail(tmp_path):
    """Two edits in one copy, each in its own cell, and one nbval run (one kernel) that
    must fail on each cell for its own reason: a glued number as a reader gets it, which
    nbval compares; and an output's metadata, which nbval itself does not compare and the
    suite's plugin does (the determinism check runs on nbval's run)."""
    root = copy_project(tmp_path)
    nb_path = root / NOTEBOOK
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    # The stored Markdown of the Park's peak exports: one digit changed.
    key = "application/papermill.record/text/markdown"
    glued = [(i, o) for i, c in enumerate(code) for o in c.get("outputs", [])
             if key in o.get("data", {}) and "{num}`" in "".join(o["data"][key])
             and "billion" in "".join(o["data"][key])]
    assert glued, "no stored glued figure to edit"
    number_cell, output = glued[0]
    output["data"][key] = [re.sub(r"\d", lambda m: str((int(m.group(0)) + 1) % 10),
                                  "".join(output["data"][key]), count=1)]
    # A chart's output metadata, in another cell.
    meta_cell, shown = next(
        (i, o) for i, c in enumerate(code) if i != number_cell
        for o in c.get("outputs", []) if o["output_type"] == "display_data")
    shown["metadata"]["edited"] = True
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run_nbval(root)
    assert result.returncode != 0
    # nbval names each failing item by its cell's index among the code cells: exactly
    # the two edited ones fail, the metadata one with the plugin's own message.
    failed = sorted(int(n) for n in re.findall(r"^FAILED \S+::Cell (\d+)", result.stdout, re.M))
    assert failed == sorted([number_cell, meta_cell]), result.stdout[-3000:]
    assert f"Cell {number_cell}: Cell outputs differ" in result.stdout
    assert "differ from the stored ones beyond their contents" in result.stdout
