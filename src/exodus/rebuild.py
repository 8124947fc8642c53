"""The rebuild rule: when a notebook must be executed again, and why.

A notebook is executed again when, and only when, one of these changed since its last
execution by the build:

- its code cells (or its kernel);
- a file of the repository it read while running (data, vocabularies, CITATION.cff: every
  file the kernel opened, recorded by an audit hook, not by a list kept by hand);
- a module of the `exodus` package it imported (a change to `sphinx_ext.py`, which no
  notebook imports, re-executes nothing);
- the lock, `requirements.txt`;
- its stored outputs (someone cleared or edited them by hand).

What it read and imported, with a hash of each, is stored in the notebook's own metadata
(`metadata.exodus.rebuild`), which is committed: a fresh clone skips the chapters whose
inputs are unchanged, and a Markdown edit rebuilds the page without executing anything.
`python -m exodus.build --explain` prints these reasons for every notebook.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

LOCK = "requirements.txt"
KEY = "exodus"

# Run in the kernel before the first cell (IPython's exec_lines, outside the history, so
# execution counts are those of the cells): record every file the kernel opens.
RECORD_READS = (
    "import sys as _exodus_sys, os as _exodus_os; _exodus_reads = set(); "
    "_exodus_sys.addaudithook(lambda event, args, _seen=_exodus_reads: _seen.add("
    "_exodus_os.path.abspath(_exodus_os.fsdecode(args[0]))) if event == 'open' "
    "and isinstance(args[0], (str, bytes, _exodus_os.PathLike)) else None)"
)
# Run after the last cell, then removed from the notebook: what was read and imported.
REPORT = (
    "import json as _exodus_json\n"
    "print(_exodus_json.dumps({'read': sorted(_exodus_reads), 'imported': sorted(\n"
    "    module.__file__ for name, module in list(_exodus_sys.modules.items())\n"
    "    if (name == 'exodus' or name.startswith('exodus.'))\n"
    "    and getattr(module, '__file__', None))}))"
)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def code_digest(nb: dict) -> str:
    """Hash of the code cells and the kernel: a Markdown edit leaves it unchanged."""
    code = [_source(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name", "")
    return _sha(json.dumps([kernel, code]).encode())


def outputs_digest(nb: dict) -> str:
    """Hash of the stored outputs and execution counts of the code cells."""
    stored = [[c.get("execution_count"), c.get("outputs", [])]
              for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    return _sha(json.dumps(stored, sort_keys=True, ensure_ascii=False).encode())


def _file_hash(root: Path, rel: str) -> str | None:
    path = root / rel
    return _sha(path.read_bytes()) if path.is_file() else None


def inputs(root: Path, read: list[str], imported: list[str], notebook: Path) -> dict[str, str]:
    """Repository-relative path -> hash, for what a run read and imported, and the lock.

    `read` holds absolute paths the kernel opened; those outside the repository, in
    `_build/` or in the package (its modules count through `imported`) are left out.
    `imported` holds module files, wherever the package is installed; each is named by
    its place under `src/`.
    """
    root = root.resolve()
    names = {LOCK}
    for raw in read:
        path = Path(raw).resolve()
        if not path.is_file() or not path.is_relative_to(root) or path == notebook.resolve():
            continue
        rel = path.relative_to(root)
        if rel.parts[0] in {"_build", "src", ".venv"} or "__pycache__" in rel.parts:
            continue
        names.add(rel.as_posix())
    for raw in imported:
        parts = Path(raw).parts
        if "exodus" in parts:
            names.add("src/" + "/".join(parts[len(parts) - 1 - parts[::-1].index("exodus"):]))
    return {rel: _file_hash(root, rel) for rel in sorted(names)}


def stamp(nb: dict, root: Path, read: list[str], imported: list[str], notebook: Path) -> None:
    """Store the rebuild key of a notebook that was just executed in its metadata."""
    nb.setdefault("metadata", {})[KEY] = {"rebuild": {
        "code": code_digest(nb),
        "inputs": inputs(root, read, imported, notebook),
        "outputs": outputs_digest(nb),
    }}


def recorded(nb: dict) -> dict | None:
    return nb.get("metadata", {}).get(KEY, {}).get("rebuild")


def reasons(root: Path, nb_path: Path) -> list[str]:
    """Why `nb_path` must be executed again; an empty list means it is up to date."""
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    key = recorded(nb)
    if not key:
        return ["it has never been executed by the build (no rebuild key in its metadata)"]
    why = []
    if key.get("code") != code_digest(nb):
        why.append("its code changed")
    for rel, digest in sorted(key.get("inputs", {}).items()):
        now = _file_hash(root, rel)
        if now != digest:
            why.append(f"{rel} {'is gone' if now is None else 'changed'}")
    if key.get("outputs") != outputs_digest(nb):
        why.append("its stored outputs are not those of its last execution")
    return why


def summary(nb_path: Path) -> str:
    """'7 files read, 4 modules imported and the lock' for an up-to-date notebook."""
    key = recorded(json.loads(nb_path.read_text(encoding="utf-8"))) or {}
    names = key.get("inputs", {})
    modules = sum(1 for rel in names if rel.startswith("src/"))
    files = len(names) - modules - (LOCK in names)
    return (f"its code, the {files} files it read, the {modules} modules it imported and "
            f"the lock are as at its last execution")
