"""`make book`: validate the data, execute what changed, build HTML and PDF, publish atomically.

Why a build script around jupyter-book:

- jupyter-book's execution cache is keyed on notebook code only, so a changed CSV or helper
  module would not re-execute anything. Here each notebook's cache key covers its code, the
  data files it actually read (the data loader logs them), the helper package and the pins.
- A failed build must never leave a half-written report where the last good one was. The
  books are built in `_build/work/`; only when HTML *and* PDF succeed are they published to
  `_build/html/` (swapped in with one atomic rename) and `_build/pdf/` (atomic replace).
- The strict build is the gate: warnings are errors (`-W -n --keep-going`), a notebook that
  raises stops the build with its name, and invalid data stops it before anything runs.

Usage: python -m exodus.build [--html-only] [--force]
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from exodus import bib, catalogue, data, paths

PDF_NAME = "belarus-tech-exodus.pdf"
JB_STRICT = ["-W", "-n", "--keep-going"]

# Everything a build reads: what a copy of the project needs (tests and the benchmark build
# copies), and what the "up to date" hash covers. Folders have no dot in their names.
PROJECT_FILES = ["_config.yml", "_toc.yml", "CITATION.cff", "book", "notebooks", "data", "src",
                 "requirements.txt", "pyproject.toml"]
SOURCE_GLOBS = [name if "." in name else f"{name}/**/*" for name in PROJECT_FILES]


def copy_project(source: Path, target: Path) -> Path:
    """Copy the files a build needs (not `_build/`, not generated pages) to `target`."""
    for name in PROJECT_FILES:
        src, dst = source / name, target / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "_generated"))
        else:
            shutil.copyfile(src, dst)
    return target


class BuildError(RuntimeError):
    """The build failed; the message says where and why. Nothing was published."""


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_hash(root: Path, globs: list[str]) -> str:
    """A hash of the named files' paths and contents (ignoring caches and checkpoints)."""
    digest = hashlib.sha256()
    files = set()
    for pattern in globs:
        for path in root.glob(pattern):
            if path.is_file() and "__pycache__" not in path.parts and \
                    ".ipynb_checkpoints" not in path.parts:
                files.add(path)
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(sha256_file(path).encode() + b"\0")
    return digest.hexdigest()


def toc_notebooks(root: Path) -> list[Path]:
    """Notebooks named in _toc.yml, in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found: list[Path] = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if isinstance(node.get(key), str):
                    candidate = root / (node[key] + ".ipynb")
                    if candidate.is_file():
                        found.append(candidate)
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return found


# ---------------------------------------------------------------- notebook execution


def _code_digest(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    code = [c.get("source", "") for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    code = ["".join(s) if isinstance(s, list) else s for s in code]
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name", "")
    return hashlib.sha256(json.dumps([kernel, code]).encode()).hexdigest()


def _cache_key(root: Path, nb_path: Path, deps: list[str]) -> str:
    digest = hashlib.sha256()
    digest.update(_code_digest(nb_path).encode())
    digest.update(tree_hash(root, ["src/exodus/**/*.py", "requirements.txt"]).encode())
    for rel in sorted(deps):
        dep = root / rel
        digest.update(rel.encode() + (sha256_file(dep).encode() if dep.is_file() else b"gone"))
    return digest.hexdigest()


def execute_notebook(root: Path, nb_path: Path) -> list[str]:
    """Run one notebook top to bottom in a fresh kernel; store its outputs in place.

    Returns the data files it read. Raises BuildError naming the notebook and the cell.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    rel = nb_path.relative_to(root)
    nb = nbformat.read(nb_path, as_version=4)
    with tempfile.NamedTemporaryFile("w+", suffix=".deps", delete=False) as deps_file:
        deps_log = Path(deps_file.name)
    env_before = {k: os.environ.get(k) for k in ("EXODUS_DEPS_LOG", "PYTHONHASHSEED")}
    os.environ["EXODUS_DEPS_LOG"] = str(deps_log)
    os.environ["PYTHONHASHSEED"] = "0"
    try:
        from jupyter_client import KernelManager

        # IPC sockets: the kernel talks to the build over local files, not TCP ports.
        sockets = tempfile.mkdtemp(prefix="exodus-kernel-")
        manager = KernelManager(kernel_name="python3", transport="ipc",
                                ip=str(Path(sockets) / "kernel"))
        client = NotebookClient(nb, km=manager, timeout=600, kernel_name="python3",
                                record_timing=False,
                                resources={"metadata": {"path": str(nb_path.parent)}})
        try:
            client.execute()
        finally:
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
            shutil.rmtree(sockets, ignore_errors=True)
    except CellExecutionError as err:
        raise BuildError(f"notebook {rel} raised an error; nothing was published.\n"
                         f"{_short_error(err)}") from None
    except Exception as err:  # kernel died, timeout, bad notebook
        raise BuildError(f"notebook {rel} could not be executed: {err}") from None
    finally:
        for key, value in env_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        read = deps_log.read_text(encoding="utf-8").split() if deps_log.exists() else []
        deps_log.unlink(missing_ok=True)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    tmp = nb_path.with_suffix(".ipynb.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        nbformat.write(nb, fh)
    os.replace(tmp, nb_path)
    deps = sorted({str(Path(p).resolve().relative_to(root)) for p in read
                   if Path(p).resolve().is_relative_to(root)})
    return deps


def _short_error(err) -> str:
    text = str(err)
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(lines[-25:])


def execute_changed(root: Path, state: dict, force: bool = False) -> list[Path]:
    cache = state.setdefault("notebooks", {})
    executed = []
    for nb_path in toc_notebooks(root):
        rel = str(nb_path.relative_to(root))
        entry = cache.get(rel, {})
        deps = entry.get("deps", [])
        fresh = (not force and entry.get("key") == _cache_key(root, nb_path, deps)
                 and entry.get("nb_sha") == sha256_file(nb_path))
        if fresh:
            continue
        log(f"executing {rel}")
        started = time.perf_counter()
        deps = execute_notebook(root, nb_path)
        cache[rel] = {"key": _cache_key(root, nb_path, deps), "deps": deps,
                      "nb_sha": sha256_file(nb_path)}
        log(f"executed {rel} in {time.perf_counter() - started:.1f} s (read: "
            f"{', '.join(deps) or 'no data files'})")
        executed.append(nb_path)
    return executed


# ---------------------------------------------------------------- building and publishing


# Files whose change must rewrite every page: static assets (pages carry their checksums)
# and the extension that decides which assets a page loads.
ASSET_GLOBS = ["book/_static/**/*", "src/exodus/static/**/*", "src/exodus/sphinx_ext.py"]


def jupyter_book(root: Path, work: Path, builder: str, rewrite_all: bool = False) -> None:
    exe = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(exe), "build", str(root), "--path-output", str(work), "--builder", builder,
           *JB_STRICT, *(["--all"] if rewrite_all else [])]
    log(f"jupyter-book build --builder {builder} (strict)")
    result = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise BuildError(f"the {builder} build failed; nothing was published.\n{tail}")


_RENAME_EXCHANGE = 2


def atomic_swap_dir(new: Path, target: Path) -> None:
    """Put directory `new` in place of `target` with one atomic rename where Linux allows.

    renameat2(RENAME_EXCHANGE) swaps the two names in one step: a reader sees the old site
    or the new one, never a mix or nothing. Elsewhere: two renames, a window of microseconds.
    """
    if not target.exists():
        os.replace(new, target)
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        at_fdcwd = -100
        if renameat2(at_fdcwd, str(new).encode(), at_fdcwd, str(target).encode(),
                     _RENAME_EXCHANGE) == 0:
            shutil.rmtree(new)  # `new` now holds the previous site
            return
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old)


def publish(build: Path, work: Path, html: bool, pdf: bool) -> None:
    if html:
        staged = build / ".html.new"
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(work / "_build" / "html", staged)
        atomic_swap_dir(staged, build / "html")
        log(f"published {build / 'html'}")
    if pdf:
        out = build / "pdf"
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / (PDF_NAME + ".tmp")
        shutil.copyfile(work / "_build" / "latex" / "book.pdf", tmp)
        os.replace(tmp, out / PDF_NAME)
        log(f"published {out / PDF_NAME}")


def build(html_only: bool = False, force: bool = False) -> int:
    root = paths.root()
    build_dir = root / "_build"
    build_dir.mkdir(exist_ok=True)
    with open(build_dir / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state_path = build_dir / "state.json"
        state = json.loads(state_path.read_text()) if state_path.is_file() else {}

        found = data.problems(root / "data")
        if found:
            raise BuildError("the data package is invalid; the book was not built and nothing "
                             "was published.\n" + str(data.DataError(found)))

        bib.write(root)
        catalogue.write(root)
        execute_changed(root, state, force=force)
        state_path.write_text(json.dumps(state, indent=1, sort_keys=True))

        want = "html" if html_only else "html+pdf"
        inputs = tree_hash(root, SOURCE_GLOBS)
        outputs_exist = (build_dir / "html" / "index.html").is_file() and (
            html_only or (build_dir / "pdf" / PDF_NAME).is_file())
        if not force and outputs_exist and state.get("published", {}).get(want) == inputs:
            log("up to date: nothing changed since the last published build")
            return 0

        work = build_dir / "work"
        assets = tree_hash(root, ASSET_GLOBS)
        rewrite_all = state.get("assets") != assets
        jupyter_book(root, work, "html", rewrite_all=rewrite_all)
        if not html_only:
            jupyter_book(root, work, "pdflatex", rewrite_all=rewrite_all)
        publish(build_dir, work, html=True, pdf=not html_only)
        state["assets"] = assets
        published = state.setdefault("published", {})
        published.clear()
        published["html"] = inputs
        if not html_only:
            published["html+pdf"] = inputs
        state_path.write_text(json.dumps(state, indent=1, sort_keys=True))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html-only", action="store_true", help="skip the PDF")
    parser.add_argument("--force", action="store_true", help="execute and build everything")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        code = build(html_only=args.html_only, force=args.force)
    except BuildError as err:
        print(f"[build] FAILED: {err}", file=sys.stderr, flush=True)
        return 1
    log(f"done in {time.perf_counter() - started:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
