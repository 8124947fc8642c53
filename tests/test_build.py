"""The build: strict, cache-aware, atomic. Each failure test runs on a temporary copy."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from exodus import build, rebuild

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "notebooks/hi_tech_park_rise.ipynb"


def copy_project(target: Path, with_build: bool = False) -> Path:
    build.copy_project(ROOT, target)
    if with_build:
        (target / "_build").mkdir()
        for name in ["html", "pdf"]:
            shutil.copytree(ROOT / "_build" / name, target / "_build" / name)
        shutil.copyfile(ROOT / "_build" / "state.json", target / "_build" / "state.json")
        if (ROOT / "_build" / "cache").is_dir():  # kept validations, as a checkout has them
            shutil.copytree(ROOT / "_build" / "cache", target / "_build" / "cache")
    return target


def run_build(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "EXODUS_ROOT": str(root)}
    return subprocess.run([sys.executable, "-m", "exodus.build", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=900)


def tree_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if p.is_file():
            digest.update(str(p.relative_to(path)).encode() + p.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def built():
    if not (ROOT / "_build" / "html" / "index.html").is_file():
        pytest.fail("no published build: run `make test` or `make book` first")


def test_toc_lists_the_notebooks_in_order():
    found = [p.relative_to(ROOT).as_posix() for p in build.toc_notebooks(ROOT)]
    # The order of the `file:` lines of _toc.yml, read as text (not by the code under test),
    # keeping those that are notebooks.
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    listed = [m + ".ipynb" for m in re.findall(r"^\s*- file: (\S+)\s*$", toc, re.M)
              if (ROOT / (m + ".ipynb")).is_file()]
    assert NOTEBOOK in listed
    assert found == listed


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_rebuild_rule_follows_code_inputs_imports_and_outputs_not_prose(tmp_path):
    """A fresh copy (a clone) has nothing to execute; then each kind of change gives its
    reason, or none."""
    root = copy_project(tmp_path)
    nb_path = root / NOTEBOOK
    assert {nb.name: rebuild.reasons(root, nb) for nb in build.toc_notebooks(root)} == \
        {nb.name: [] for nb in build.toc_notebooks(root)}
    # Not read or imported by the notebook: the build's own modules, the book's pages.
    with open(root / "src" / "exodus" / "sphinx_ext.py", "a", encoding="utf-8") as fh:
        fh.write("\n# a change to the Sphinx extension\n")
    _edit(root / "book" / "intro.md", "Belarus", "Belarus (edited)")
    _edit(root / "_config.yml", "html_show_sphinx: false", "html_show_sphinx: false  # edited")
    nb = nbformat.read(nb_path, as_version=4)
    next(c for c in nb.cells if c.cell_type == "markdown").source += "\nOne more sentence."
    nbformat.write(nb, nb_path)
    assert rebuild.reasons(root, nb_path) == []
    # What it read and imported, and the lock.
    _edit(root / "data" / "hi_tech_park.csv", "\n", "\n\n")
    with open(root / "src" / "exodus" / "charts.py", "a", encoding="utf-8") as fh:
        fh.write("\n# a change to a helper module\n")
    _edit(root / "requirements.txt", "\n", "\n\n")
    assert rebuild.reasons(root, nb_path) == [
        "data/hi_tech_park.csv changed", "requirements.txt changed",
        "src/exodus/charts.py changed"]
    # Its code, and its stored outputs.
    nb = nbformat.read(nb_path, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code" and c.outputs)
    code.source += "\n"
    code.outputs = []
    nbformat.write(nb, nb_path)
    assert rebuild.reasons(root, nb_path)[0] == "its code changed"
    assert rebuild.reasons(root, nb_path)[-1] == \
        "its stored outputs are not those of its last execution"


def test_each_notebook_records_what_it_read_and_imported():
    """The key names the files the kernel opened and the package modules it imported: the
    chapter's data and the vocabularies, the chart module; not the build's own modules."""
    key = json.loads((ROOT / NOTEBOOK).read_text(encoding="utf-8"))["metadata"]["exodus"]
    inputs = key["rebuild"]["inputs"]
    for rel in ["data/hi_tech_park.csv", "data/sources.csv", "data/vocab_indicators.csv",
                "src/exodus/charts.py", "src/exodus/data.py", "requirements.txt"]:
        assert inputs[rel] == hashlib.sha256((ROOT / rel).read_bytes()).hexdigest(), rel
    for rel in ["src/exodus/sphinx_ext.py", "src/exodus/build.py", "data/political_prisoners.csv",
                "book/intro.md"]:
        assert rel not in inputs
    assert not any(rel.startswith("_build") or "/" not in rel and rel.endswith(".ipynb")
                   for rel in inputs)


def _listed(output: str, verb: str) -> set[str]:
    return set(re.findall(rf"^(?:\[build\] )?{verb} (notebooks/\S+\.ipynb):", output, re.M))


def test_unchanged_book_rebuilds_without_executing(built, tmp_path):
    root = copy_project(tmp_path, with_build=True)
    first = run_build(root)
    assert first.returncode == 0, first.stderr
    second = run_build(root)
    assert second.returncode == 0, second.stderr
    assert "up to date" in second.stdout
    assert "executing" not in second.stdout
    explained = run_build(root, "--explain")
    assert _listed(explained.stdout, "execute") == set()
    assert len(_listed(explained.stdout, "skip   ")) == len(build.toc_notebooks(root))


def test_notebook_that_raises_fails_the_build_by_name_and_publishes_nothing(built, tmp_path):
    root = copy_project(tmp_path, with_build=True)
    html_before = tree_digest(root / "_build" / "html")
    pdf_before = (root / "_build" / "pdf" / build.PDF_NAME).read_bytes()
    nb = nbformat.read(root / NOTEBOOK, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise RuntimeError('deliberately broken')"))
    nbformat.write(nb, root / NOTEBOOK)
    result = run_build(root)
    assert result.returncode == 1
    assert f"notebook {NOTEBOOK} raised an error" in result.stderr
    assert "deliberately broken" in result.stderr
    assert tree_digest(root / "_build" / "html") == html_before
    assert (root / "_build" / "pdf" / build.PDF_NAME).read_bytes() == pdf_before


def test_invalid_data_stops_the_build_before_anything_runs(built, tmp_path):
    root = copy_project(tmp_path, with_build=True)
    html_before = tree_digest(root / "_build" / "html")
    path = root / "data" / "hi_tech_park.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",BY,", ",Belarus,", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_build(root)
    assert result.returncode == 1
    assert "the data package is invalid" in result.stderr
    assert "data/hi_tech_park.csv, line 2 (row 1), column 'geography'" in result.stderr
    assert "executing" not in result.stdout
    assert tree_digest(root / "_build" / "html") == html_before


def test_atomic_swap_replaces_a_directory_whole(tmp_path):
    old, new = tmp_path / "site", tmp_path / "site.new"
    old.mkdir()
    (old / "a.html").write_text("old")
    new.mkdir()
    (new / "a.html").write_text("new")
    (new / "b.html").write_text("new")
    build.atomic_swap_dir(new, old)
    assert sorted(p.name for p in old.iterdir()) == ["a.html", "b.html"]
    assert (old / "a.html").read_text() == "new"
    assert not new.exists()


def test_the_builds_execution_gives_the_committed_notebook_byte_for_byte(tmp_path):
    """Determinism of the build's own executor, on one notebook: its JSON (outputs, counts,
    cell ids, the rebuild key in its metadata) comes back identical. Every notebook's
    outputs are checked whole on nbval's run of the suite (tests/nbval_strict.py)."""
    root = copy_project(tmp_path)
    os.environ["EXODUS_ROOT"] = str(root)
    try:
        build.execute_notebook(root, root / NOTEBOOK)
    finally:
        del os.environ["EXODUS_ROOT"]
    assert (root / NOTEBOOK).read_bytes() == (ROOT / NOTEBOOK).read_bytes()


def _start_build(root: Path) -> subprocess.Popen:
    env = {**os.environ, "EXODUS_ROOT": str(root)}
    return subprocess.Popen([sys.executable, "-m", "exodus.build"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _programs_in(groups: list[int]) -> set[str]:
    """The names of the processes now running in these process groups (from /proc)."""
    names = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        if int(fields[1].split()[2]) in groups:
            names.add(fields[0].split("(", 1)[1])
    return names


def _kill_when(process: subprocess.Popen, lock: Path, marker: str, delay: float = 0.0,
               running: str | None = None) -> str:
    """SIGKILL the build once it has printed `marker`, `delay` seconds later, and (if
    `running` names a program) once that program runs below it; return what it printed."""
    out = []
    for line in process.stdout:
        out.append(line)
        if marker in line:
            time.sleep(delay)
            deadline = time.monotonic() + 300
            while running and running not in _programs_in(
                    json.loads(lock.read_text() or "{}").get("children", [])):
                assert time.monotonic() < deadline, f"{running} never ran"
                time.sleep(0.05)
            process.kill()
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(out)
    return "".join(out)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _source_digest(root: Path) -> str:
    return tree_digest(root / "notebooks") + tree_digest(root / "data")


def _edit_site(root: Path) -> dict[Path, str]:
    """A changed stylesheet, a word added to the prose, and the site's and the repository's
    addresses in _config.yml; returns the files as they were."""
    intro, config = root / "book" / "intro.md", root / "_config.yml"
    css = root / "book" / "_static" / "exodus.css"
    originals = {path: path.read_text(encoding="utf-8") for path in (intro, config, css)}
    intro.write_text(originals[intro] + "\nZyxwordonlyhere appears once.\n", encoding="utf-8")
    config.write_text(originals[config]
                      .replace('exodus_site_url: ""', 'exodus_site_url: "https://example.org/r"')
                      .replace('exodus_repository_url: ""',
                               'exodus_repository_url: "https://github.com/owner/report"'),
                      encoding="utf-8")
    css.write_text(originals[css] + "\n/* a change */\n", encoding="utf-8")
    return originals


def _assert_edits_reached(site: Path) -> None:
    """The changed stylesheet is published and the joined stylesheet pages load holds it
    (Sphinx 7.4 keeps stale static files on incremental builds; the build must not); the
    added word is in the search index; the addresses add the sitemap, each page's og:url
    and the launch links."""
    assert "/* a change */" in (site / "_static" / "exodus.css").read_text()
    page = (site / "book" / "intro.html").read_text(encoding="utf-8")
    loaded = re.search(r'href="\.\./(_static/exodus/site-[0-9a-f]+\.css)', page).group(1)
    assert "/* a change */" in (site / loaded).read_text(encoding="utf-8")
    assert "zyxwordonlyher" in (site / "searchindex.js").read_text(encoding="utf-8")
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://example.org/r/notebooks/summary.html</loc>" in sitemap
    summary = (site / "notebooks" / "summary.html").read_text(encoding="utf-8")
    assert 'content="https://example.org/r/notebooks/summary.html"' in summary
    assert "https://mybinder.org/v2/gh/owner/report/main?urlpath=lab/tree/" \
           "notebooks/summary.ipynb" in summary
    assert "https://colab.research.google.com/github/owner/report/blob/main/" \
           "notebooks/summary.ipynb" in summary


def test_killed_builds_change_nothing_and_the_next_build_gives_the_same_bytes(built, tmp_path):
    """Edit the prose, the stylesheet and the site's addresses (`_edit_site`), then kill
    the build while Sphinx reads the book for the site and the PDF, and again while
    xelatex typesets the PDF. Each time the last good site and PDF, the record of the last
    build and the source tree stay as they were, and no child keeps running. Then undo the
    edits, lose the record of the last build, and build: the very bytes of the main build
    (a build in another folder, from files dated otherwise, after two killed ones: same
    inputs, same bytes, no local paths).

    That the edits do reach the site when a build finishes is checked on the planted build
    (tests/test_untrusted_data.py), which carries them, so that no build is spent here."""
    root = copy_project(tmp_path / "project", with_build=True)
    originals = _edit_site(root)
    html_before = tree_digest(root / "_build" / "html")
    pdf_before = (root / "_build" / "pdf" / build.PDF_NAME).read_bytes()
    state_before = (root / "_build" / "state.json").read_bytes()
    source_before = _source_digest(root)
    lock = root / "_build" / ".build.lock"

    for delay, running in [(3.0, None), (0.0, "xelatex")]:
        printed = _kill_when(_start_build(root), lock, "jupyter-book build --builder html",
                             delay, running)
        assert "published" not in printed
        children = json.loads(lock.read_text())["children"]
        assert len(children) == 2, "the lock names both Sphinx runs' process groups"
        deadline = time.monotonic() + 10
        while not all(not _group_alive(g) for g in children) and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        # Each jupyter-book dies with the build, and all that runs below it.
        assert not any(_group_alive(g) for g in children)
        assert tree_digest(root / "_build" / "html") == html_before
        assert (root / "_build" / "pdf" / build.PDF_NAME).read_bytes() == pdf_before
        # Nothing recorded as built: the next build still publishes the edits.
        assert (root / "_build" / "state.json").read_bytes() == state_before
        assert _source_digest(root) == source_before

    for path, text in originals.items():
        path.write_text(text, encoding="utf-8")
    # A clone made at another time: its files' dates are not those of the main checkout;
    # and with no record of a last build, the books are built again from the sources.
    for path in (root / "data").iterdir():
        os.utime(path, (path.stat().st_mtime + 86400 * 400,) * 2)
    (root / "_build" / "state.json").unlink()
    result = run_build(root)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "executing" not in result.stdout and "published" in result.stdout
    assert not any(_group_alive(g) for g in children)
    assert _source_digest(root) == source_before
    ours, main = root / "_build" / "html", ROOT / "_build" / "html"
    files = sorted(p.relative_to(main) for p in main.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file())
    assert Path(".buildinfo") not in files  # Sphinx's note holds the checkout's paths
    assert Path("sitemap.xml") not in files  # no site address, no sitemap
    different = [f for f in files if (main / f).read_bytes() != (ours / f).read_bytes()]
    assert different == []
    assert (root / "_build" / "pdf" / build.PDF_NAME).read_bytes() == \
        (ROOT / "_build" / "pdf" / build.PDF_NAME).read_bytes()


def test_explain_names_what_the_build_executes_and_a_failed_build_keeps_the_notebooks(
        built, tmp_path):
    """`--explain` names, with its reason, each notebook that the build then executes (those
    that read a changed data file), and only those; it changes nothing itself. The build
    executes them in a scratch copy, then Sphinx fails on two faults of the prose (a
    reference to no figure, a number pointing at no data row): the build names both,
    publishes nothing, and no executed notebook comes back, so --explain still names them."""
    root = copy_project(tmp_path, with_build=True)
    notebooks = build.toc_notebooks(root)
    readers = {nb.relative_to(root).as_posix() for nb in notebooks
               if "data/emigration_motives.csv" in json.loads(nb.read_text(encoding="utf-8"))
               ["metadata"]["exodus"]["rebuild"]["inputs"]}
    assert readers and len(readers) < len(notebooks)
    _edit(root / "data" / "emigration_motives.csv", "(not a random sample)",
          "(not a random sample; a note)")
    with open(root / "book" / "intro.md", "a", encoding="utf-8") as fh:
        fh.write("\nSee {numref}`fig-that-does-not-exist`.\n"
                 "\nThe Park had {num}`999 <htp_999>` residents.\n")
    before = _source_digest(root)
    html_before = tree_digest(root / "_build" / "html")
    explained = run_build(root, "--explain")
    assert explained.returncode == 0, explained.stderr
    assert _source_digest(root) == before
    assert _listed(explained.stdout, "execute") == readers
    assert "data/emigration_motives.csv changed" in explained.stdout
    assert len(_listed(explained.stdout, "skip   ")) == len(notebooks) - len(readers)

    result = run_build(root, "--html-only")
    assert result.returncode == 1
    assert _listed(result.stdout, "executing") == readers
    assert "the html build failed; nothing was published" in result.stderr
    assert "fig-that-does-not-exist" in result.stderr
    assert "no data row with id 'htp_999'" in result.stderr
    assert tree_digest(root / "_build" / "html") == html_before
    assert _source_digest(root) == before  # the executed notebooks did not come back
    assert _listed(run_build(root, "--explain").stdout, "execute") == readers
