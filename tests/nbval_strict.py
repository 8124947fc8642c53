"""A pytest plugin for the notebooks (loaded with `-p nbval_strict`, see pyproject.toml):
a conftest in tests/ does not reach the items of notebooks/.

- The suite runs on every core (pytest-xdist, `--dist loadgroup`): the cells of one
  notebook run in one kernel, in order, so nbval's items of a notebook stay together.
- Determinism is checked on nbval's own run, so that the suite executes each notebook once:
  nbval compares the contents of the outputs; here every stored output of a cell must come
  back whole, its metadata, stream name and execution count included.
"""

from __future__ import annotations

import json

import pytest


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(item.path.stem))


def _as_json(outputs) -> list:
    return json.loads(json.dumps(outputs, sort_keys=True))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    fresh = getattr(item, "test_outputs", None)
    if item.path.suffix == ".ipynb" and fresh is not None and item.cell.execution_count:
        from nbval.plugin import coalesce_streams

        stored = _as_json(coalesce_streams(item.cell.outputs))
        assert _as_json(fresh) == stored, (
            f"{item.path.name}: a fresh run of this cell gives outputs that differ from the "
            "stored ones beyond their contents (metadata, stream or execution count)")
    return result
