"""House rules that keep notebooks rerunnable and figures citable."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ALLOWED_TAGS = {"remove-cell", "remove-input", "hide-input", "hide-output"}


def cells(nb: Path) -> list[dict]:
    return json.loads(nb.read_text(encoding="utf-8"))["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_cell_tags_are_the_allowed_ones(nb):
    for cell in cells(nb):
        tags = set(cell.get("metadata", {}).get("tags", []))
        assert tags <= ALLOWED_TAGS, (nb.name, tags - ALLOWED_TAGS)


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_the_hidden_preamble(nb):
    first = next(c for c in cells(nb) if c["cell_type"] == "code")
    assert "remove-cell" in first.get("metadata", {}).get("tags", [])
    assert "charts.enable()" in source(first)


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_no_shell_installs_absolute_paths_or_network(nb):
    for cell in cells(nb):
        if cell["cell_type"] != "code":
            continue
        text = source(cell)
        assert not re.search(r"^\s*[!%]", text, re.M), (nb.name, text[:80])
        assert "/work/" not in text and "/home/" not in text and "C:\\" not in text
        assert not re.search(r"https?://|requests\.|urlopen", text), (nb.name, text[:80])


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_every_figure_has_name_caption_and_source(nb):
    text = "\n".join(source(c) for c in cells(nb) if c["cell_type"] == "markdown")
    figures = re.findall(r"```\{glue:figure\}\s*(\S+)\n(.*?)```", text, re.S)
    # A chart is glued under a name starting fig_ (whatever its variable is called), and
    # shown by exactly one figure directive.
    glued = re.findall(r'\bglue(?:_chart)?\("(fig_\w+)"', "\n".join(
        source(c) for c in cells(nb) if c["cell_type"] == "code"))
    assert all(name.startswith("fig_") for name, _ in figures), figures
    assert sorted(name for name, _ in figures) == sorted(glued), "every chart is shown once"
    for name, body in figures:
        assert re.search(r"^:name: fig-[a-z0-9-]+$", body, re.M), name
        caption = " ".join(line for line in body.splitlines() if line and
                           not line.startswith(":"))
        assert caption, name
        assert re.search(r"Source[s]?: .+\.$", caption), (name, caption)


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_have_no_errors_or_timestamps(nb):
    for cell in cells(nb):
        assert "execution" not in cell.get("metadata", {})
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", nb.name
            assert out.get("name") != "stderr", (nb.name, "".join(out.get("text", ""))[:200])


def test_environment_yml_matches_the_pins():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "make_environment.py"),
                             "--check"])
    assert result.returncode == 0, "environment.yml is stale: run tools/make_environment.py"


def test_every_requirement_is_pinned_exactly():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            assert re.match(r"^[A-Za-z0-9_.\-\[\]]+==[^=<>~]+$", line), line


def test_installed_versions_match_the_pins():
    from importlib.metadata import PackageNotFoundError, version

    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, pinned = line.split("==")
            try:
                assert version(name) == pinned, name
            except PackageNotFoundError:
                pytest.fail(f"{name} is pinned but not installed")


def test_code_passes_ruff():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "tools",
                             "notebooks"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_chapter_template_runs_and_keeps_the_house_rules():
    """CONTRIBUTING tells a newcomer to start a chapter from tools/templates/chapter.ipynb:
    it must run against today's data and follow the conventions every chapter is held to."""
    import nbformat
    from nbclient import NotebookClient

    path = ROOT / "tools" / "templates" / "chapter.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []
    glued = {o["metadata"]["scrapbook"]["name"] for c in nb.cells for o in c.get("outputs", [])
             if o.get("metadata", {}).get("scrapbook")}
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    # Every part its prose pastes inline is glued, and so is its chart.
    pasted = set(re.findall(r"\{glue:md\}`(\w+):myst`", markdown))
    assert pasted and pasted | {"fig_example"} <= glued
    assert "```{glue:figure} fig_example" in markdown and "Source: " in markdown
    assert not re.search(r"\d", re.sub(r"\{[^}]*\}`[^`]*`|`[^`]*`|fig[-_]\w+", "", markdown))


def test_the_suite_keeps_each_notebooks_cells_and_the_planted_build_on_one_worker():
    from nbval_strict import _scope

    assert _scope("notebooks/summary.ipynb::Cell 0") == _scope("notebooks/summary.ipynb::Cell 6")
    assert _scope("notebooks/summary.ipynb::Cell 0") != _scope("notebooks/synthesis.ipynb::Cell 0")
    planted = ["tests/test_untrusted_data.py::test_no_planted_file_or_text_enters_the_build",
               "tests/test_untrusted_data.py::test_planted_payloads_are_shown_as_text_and_never_run"]
    assert _scope(planted[0]) == _scope(planted[1])
    # Everything else is handed out test by test.
    assert _scope("tests/test_build.py::test_a") != _scope("tests/test_build.py::test_b")


def test_the_page_template_is_the_themes_own_but_for_its_landmark_names():
    """book/_templates/page.html replaces furo's, to name its two <aside> landmarks; a furo
    update that changes the template shows here, not as a silently stale page."""
    import furo

    theirs = (Path(furo.__file__).parent / "theme" / "furo" / "page.html").read_text("utf-8")
    ours = (ROOT / "book" / "_templates" / "page.html").read_text("utf-8")
    body = ours.split("-#}\n", 1)[1]  # after the note on why the file exists
    named = (theirs.replace('<aside class="sidebar-drawer">',
                            '<aside class="sidebar-drawer" aria-label="Chapters">')
             .replace('<aside class="toc-drawer{', '<aside aria-label="On this page" '
                      'class="toc-drawer{'))
    assert named != theirs
    assert body == named


def test_no_chapter_code_cell_is_over_thirty_lines():
    """Chart mechanics live in exodus.charts, data in exodus.data: a chapter's cells stay
    short enough to read (blank lines not counted)."""
    long = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            if cell["cell_type"] == "code":
                lines = [x for x in "".join(cell["source"]).splitlines() if x.strip()]
                if len(lines) > 30:
                    long.append((path.name, i, len(lines)))
    assert long == []
