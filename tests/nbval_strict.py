"""A pytest plugin for the suite (loaded with `-p nbval_strict`, see pyproject.toml; a
conftest in tests/ would not reach the items of notebooks/).

- The suite runs on every core (pytest-xdist). Work is handed out test by test, except
  that the cells of one notebook run in one kernel, in order, on one worker, and so do the
  tests that share one expensive module fixture (the planted build). xdist's own
  `loadgroup` marks do not reach its scheduler under pytest 9 (it rewrites `_nodeid`, which
  pytest 9 no longer reads), so the grouping is this plugin's scheduler.
- The browser tests of one page, in any module, run on one worker, which opens the page
  once for all of them (the `visit` fixture in conftest.py).
- The slowest tests (whole builds) are started first, so that no core waits for them at
  the end.
- Determinism is checked on nbval's own run, so that the suite executes each notebook once:
  nbval compares the contents of the outputs; here every stored output of a cell must come
  back whole, its metadata, stream name and execution count included.
"""

from __future__ import annotations

import json
import re

import pytest

# Modules whose tests share a module-scoped fixture that builds the book: on one worker.
ONE_WORKER = {"tests/test_untrusted_data.py"}
# Modules whose browser tests share what the `visit` fixture gathered from each page: the
# tests of one page (whatever their module) run on one worker, so the page is opened once.
BY_PAGE = ("tests/test_site.py", "tests/test_reader_edition.py")
_PAGE = re.compile(r"\[(?:notebooks/)?([\w/]+?)(?:\.html)?(?:-(?:1280|390))?\]$")
# Modules whose tests build the book, started first.
BUILDS_FIRST = ("tests/test_untrusted_data.py", "tests/test_build.py")


def _scope(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb") or path in ONE_WORKER:
        return path
    page = _PAGE.search(nodeid) if path in BY_PAGE else None
    return f"page {page.group(1)}" if page else nodeid


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class Scheduler(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

    return Scheduler(config, log)


def pytest_collection_modifyitems(config, items):
    def first(item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return BUILDS_FIRST.index(path) if path in BUILDS_FIRST else len(BUILDS_FIRST)

    items.sort(key=first)  # stable: the order within each module is kept


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
