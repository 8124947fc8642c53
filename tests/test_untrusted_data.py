"""Data text is untrusted input: it reaches pages as text, never as markup.

The unit tests check the one helper (exodus.safe) on each kind of payload. The build test
plants every payload in every data field that reaches a page, builds the HTML and the PDF
of a copy of the project, and checks in Chromium that no planted script runs, that the
payloads are shown as the literal text they are, and that a file from outside the project
never enters the build. The same build carries edits to the prose, the stylesheet and the
site's addresses, and shows that a finished build publishes them.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT
from myst_parser.config.main import MdParserConfig
from myst_parser.mdit_to_docutils.base import DocutilsRenderer
from myst_parser.parsers.mdit import create_md_parser
from test_build import _assert_edits_reached, _edit_site, copy_project, run_build
from test_data import messages, rows, set_cell

from exodus import data, provenance, safe

CANARY = "canary-7f3b1e-must-never-be-published"

# Every kind of payload the issue names, each setting a marker if it ever runs.
PAYLOADS = {
    "tag": '<img src=x onerror="window.__pwned=\'tag\'">',
    "script": "<script>window.__pwned='script'</script>",
    "raw_role": "{raw}`<b onmouseover=\"window.__pwned='raw_role'\">x</b>`",
    "raw_block": "\n```{raw} html\n<script>window.__pwned='raw_block'</script>\n```\n",
    "download": "{download}`secret <CANARY_PATH>`",
    "include": "\n```{include} CANARY_PATH\n```\n",
    "literalinclude": "\n```{literalinclude} CANARY_PATH\n```\n",
    "colon_fence": "\n:::{include} CANARY_PATH\n:::\n",
    "md_link": "[click](javascript:window.__pwned='md_link')",
    "autolink": "<javascript:window.__pwned='autolink'>",
    "substitution": "{{ project }}",
}


def _payload(kind: str, canary: Path) -> str:
    return PAYLOADS[kind].replace("CANARY_PATH", str(canary))


def _myst_html(markdown: str) -> str:
    """Parse MyST as the book does (markdown-it with MyST's plugins): one token a line,
    as `type:info:content`, inline children included."""
    config = MdParserConfig(enable_extensions={"colon_fence", "deflist", "linkify",
                                               "substitution"})
    parser = create_md_parser(config, DocutilsRenderer)
    return "".join(f"{t.type}:{t.info}:{t.content}\n" for t in parser.parse(markdown)
                   for t in ([t] + list(t.children or [])))


@pytest.mark.parametrize("kind", sorted(PAYLOADS))
def test_escaped_text_parses_to_plain_text_only(kind, tmp_path):
    text = _payload(kind, tmp_path / "secret.txt")
    tokens = _myst_html("Before " + safe.md(text) + " after.")
    kinds = {line.split(":", 1)[0] for line in tokens.splitlines()}
    # One paragraph of text: no role, directive (fence), html, link or substitution token.
    assert kinds <= {"paragraph_open", "inline", "text", "paragraph_close", "text_special",
                     "softbreak"}, tokens
    # The escaped text reads back as exactly the original characters, on one line.
    inline = "".join(line.split(":", 2)[2] for line in tokens.splitlines()
                     if line.startswith(("text:", "text_special:")))
    assert inline == "Before " + " ".join(text.split()) + " after."


def test_code_span_in_a_table_cell_cannot_be_closed_early_or_split():
    tokens = _myst_html("| id |\n| --- |\n| " + safe.code("a ` {raw}`<b>` | b") + " |\n")
    assert "code_inline::a ` {raw}`<b>` | b" in tokens
    assert tokens.count("td_open") == 1


@pytest.mark.parametrize("target", [
    "javascript:alert(1)", "data:text/html,<script>1</script>", "file:///etc/passwd",
    "/etc/passwd", "notes.md", "https:", "ftp://example.org/"])
def test_url_refuses_every_scheme_but_http(target):
    with pytest.raises(ValueError, match="not an http"):
        safe.url(target)


def test_url_cannot_break_out_of_its_link():
    target = safe.url('https://example.org/a)"><script>x</script>(`{b}`\\')
    assert not set(target) & set('()<>"\'`{}\\ ')
    assert target.startswith("https://example.org/a%29%22%3E%3Cscript%3E")
    config = MdParserConfig()
    inline = create_md_parser(config, DocutilsRenderer).parse(
        safe.link("title](javascript:x)", "https://example.org/a)[x](y)"))[1].children
    links = [t for t in inline if t.type == "link_open"]
    assert [t.attrs["href"] for t in links] == ["https://example.org/a%29%5Bx%5D%28y%29"]
    assert [t.content for t in inline if t.type == "text"] == ["title](javascript:x)"]


def _problems_after_appending(tmp_path, line: int, column: str, text: str) -> list[str]:
    """The validation's messages for a copy of data/ with `text` appended to one cell of
    sources.csv (`line` counts the header as line 1, as the messages do)."""
    shutil.copytree(ROOT / "data", tmp_path / "data")
    path = tmp_path / "data" / "sources.csv"
    table = rows(path)
    set_cell(path, line, column, table[line - 1][table[0].index(column)] + text)
    return messages(tmp_path / "data")


def test_control_characters_are_refused_with_file_row_and_column(tmp_path):
    found = _problems_after_appending(tmp_path, 4, "publisher", "\x1b[31m")
    assert any(m.startswith("data/sources.csv, line 4 (row 3), column 'publisher': contains "
                            "the control character U+001B") for m in found), found


def test_a_url_that_breaks_out_of_a_link_fails_validation(tmp_path):
    found = _problems_after_appending(tmp_path, 3, "url", ')"><script>alert(1)</script>')
    assert any(m.startswith("data/sources.csv, line 3 (row 2), column 'url': ")
               and "does not have the expected form" in m for m in found), found


def test_an_id_reused_in_another_file_is_refused_by_validation_and_by_provenance(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    htp = (tmp_path / "data" / "hi_tech_park.csv").read_text(encoding="utf-8")
    victim = htp.splitlines()[1].split(",")[0]
    path = tmp_path / "data" / "ict_sector.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    forged_id = lines[1].split(",")[0]
    lines[1] = lines[1].replace(forged_id, victim, 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = [str(p) for p in data.problems(tmp_path / "data")]
    assert f"data/ict_sector.csv, line 2 (row 1), column 'id': id '{victim}' is already " \
           "used in data/hi_tech_park.csv, line 2; ids must be unique in the whole package" \
           in found, found
    with pytest.raises(provenance.DuplicateId, match=victim):
        provenance.describe(victim, tmp_path / "data")


def test_a_dataset_path_that_is_not_a_plain_name_is_refused(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    path = tmp_path / "data" / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"][1]["path"] = "x}{\\input{/etc/passwd}}.csv"
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    found = [str(p) for p in data.problems(tmp_path / "data")]
    assert any("must be a plain lower-case file name" in m for m in found), found


# ------------------------------------------------------------------ the whole build


def _rewrite_csv(path: Path, edit) -> None:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    fields = list(rows[0])
    edit(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A copy of the project with every payload in every field that reaches a page, and
    with the prose, the stylesheet and the site's addresses edited (`_edit_site`), built.

    The edits are those the killed-builds test (tests/test_build.py) makes and then undoes
    without a finished build in between: this build is the one that shows they reach the
    site, so that the suite spends one build on both."""
    if not (ROOT / "_build" / "html" / "index.html").is_file():
        pytest.fail("no published build: run `make test` or `make book` first")
    base = tmp_path_factory.mktemp("planted")
    canary = base / "outside-the-project.txt"
    canary.write_text(CANARY + "\n", encoding="utf-8")
    root = copy_project(base / "project", with_build=True)

    kinds = sorted(PAYLOADS)

    # Fields have length limits, so the payloads rotate over rows: each kind lands in each
    # field of some row, and every row named below carries one.
    def sources(rows):
        for i, row in enumerate(rows[:len(kinds)]):
            for field in ("publisher", "title", "method_note", "author"):
                row[field] = f"{row[field]} {_payload(kinds[i], canary)}"
            row["url"] += ")[x](javascript:window.__pwned=1)"

    def claims(rows):
        for kind, row in zip(kinds, rows, strict=False):
            row["verdict"] = "contradicted"
            row["claim_excerpt"] = _payload(kind, canary)
            row["explanation"] = _payload(kind, canary)

    def exports(rows):
        chosen = [row for row in rows if row["indicator"] == "exports"]
        for kind, row in zip(kinds * 3, chosen, strict=False):
            row["quote"] = _payload(kind, canary)

    _rewrite_csv(root / "data" / "sources.csv", sources)
    _rewrite_csv(root / "data" / "seed_claims.csv", claims)
    _rewrite_csv(root / "data" / "hi_tech_park.csv", exports)
    descriptor_path = root / "data" / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    # The kinds rotate over the descriptor's texts too (all of them in every text made
    # the planted data page 379 kB, not 137, and its PDF 177 pages, not 144): each kind
    # lands in each kind of text (a title, a description, a field's description, a unit).
    planted = {"title": [], "description": [], "field": [], "unit": []}
    for r, resource in enumerate(descriptor["resources"]):
        for text, kind in [("title", kinds[r % len(kinds)]),
                           ("description", kinds[(r + 1) % len(kinds)])]:
            resource[text] = resource.get(text, "") + " " + _payload(kind, canary)
            planted[text].append(kind)
        for f, field in enumerate(resource["schema"]["fields"]):
            kind = kinds[(r + f) % len(kinds)]
            field["description"] = field.get("description", "") + " " + _payload(kind, canary)
            planted["field"].append(kind)
    # Fewer fields have a unit than there are kinds: the kinds are dealt out over them.
    units = [field for resource in descriptor["resources"]
             for field in resource["schema"]["fields"] if "unit" in field]
    for u, field in enumerate(units):
        dealt = kinds[u::len(units)] or [kinds[u % len(kinds)]]
        field["unit"] += " " + " ".join(_payload(kind, canary) for kind in dealt)
        planted["unit"] += dealt
    assert all(set(found) == set(kinds) for found in planted.values()), planted
    descriptor_path.write_text(json.dumps(descriptor, indent=1), encoding="utf-8")
    _edit_site(root)
    result = run_build(root)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return root


def test_no_planted_file_or_text_enters_the_build(planted):
    for path in (planted / "_build").rglob("*"):
        if path.is_file() and path.suffix != ".pdf":
            assert CANARY.encode() not in path.read_bytes(), path
    pdf = planted / "_build" / "pdf" / "belarus-tech-exodus.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert CANARY not in text
    # The payloads are in the PDF as the text they are.
    assert "<script>window.__pwned=" in text and "{literalinclude}" in text


def test_edits_to_the_prose_the_stylesheet_and_the_addresses_reach_the_site(planted):
    _assert_edits_reached(planted / "_build" / "html")


def test_planted_payloads_are_shown_as_text_and_never_run(planted, browser):
    import functools
    import http.server
    import threading

    from conftest import QuietHandler
    from test_site import PAGES

    site = planted / "_build" / "html"
    handler = functools.partial(QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        context = browser.new_context()
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        shown = {}
        for name in PAGES:
            page.goto(f"{base}/{name}", wait_until="load")
            # Hover and focus every provenance number and link, so handlers would fire.
            for handle in page.query_selector_all(".exodus-num, a[href^='javascript']")[:10]:
                page.mouse.move(0, 0)  # close the note an earlier hover opened over this one
                handle.focus()
                handle.hover()
            assert page.evaluate("window.__pwned") is None, (name, page.evaluate(
                "window.__pwned"))
            assert page.query_selector_all("a[href^='javascript:']") == [], name
            assert page.query_selector_all("img[src='x']") == [], name
            shown[name] = page.inner_text("body")
        context.close()
    finally:
        httpd.shutdown()
    assert dialogs == []
    literal = "<img src=x onerror="  # Sphinx's smart quotes curl the quotes that follow
    for name in ["book/_generated/sources.html", "book/_generated/data.html",
                 "notebooks/fact_check.html"]:
        assert literal in shown[name], name
        assert "{raw} html" in shown[name] and "{download}" in shown[name], name


# ------------------------------------------------------------------ no local paths

# A path that starts a word (so "example.org/home/" in a URL is not one).
LOCAL_PATH = re.compile(r"(?<![\w.\-])(?:/work/|/home/|/root/|/tmp/|/Users/)"
                        r"|[A-Z]:\\Users\\|_build/stage")


def _local_paths(text: str) -> list[str]:
    found = LOCAL_PATH.findall(text)
    if str(ROOT) in text:
        found.append(str(ROOT))
    return found


def test_no_local_path_in_the_data_the_notebooks_the_site_or_the_pdf(site):
    """A path of the machine that built or wrote the report says who and where they are;
    none may reach a reader (data notes, notebook outputs, pages, the PDF and its files)."""
    checked = 0
    for folder in [ROOT / "data", ROOT / "notebooks", site]:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in {".csv", ".json", ".ipynb", ".html", ".js",
                                                  ".txt", ".xml", ".css"}:
                found = _local_paths(path.read_text(encoding="utf-8", errors="replace"))
                assert found == [], (path, found)
                checked += 1
    assert checked > 50
    pdf = ROOT / "_build" / "pdf" / "belarus-tech-exodus.pdf"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert _local_paths(text) == []
    assert _local_paths(pdf.read_bytes().decode("latin-1")) == []


def test_the_local_path_check_finds_a_planted_path():
    assert _local_paths("see /work/shared/seed/x.txt") == ["/work/"]
    assert _local_paths(f"at {ROOT}/data") != []
    assert _local_paths("file:///home/me/notes.txt") == ["/home/"]
    assert _local_paths(r"C:\Users\me\data.csv") == ["C:\\Users\\"]
    assert _local_paths("https://example.org/home/page") == []
