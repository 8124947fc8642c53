"""`make book`: validate the data, execute what changed, build HTML and PDF, publish atomically.

Why a build script around jupyter-book:

- jupyter-book's execution cache is keyed on notebook code only, so a changed CSV or helper
  module would not re-execute anything. Here a notebook executes again when its code, a file
  it read, a module it imported or the lock changed; the key is kept in the notebook's own
  metadata, so it travels with the repository (`exodus.rebuild`; `--explain` says why).
- A failed or killed build must never leave a half-written report where the last good one
  was, nor change the source tree. Notebooks are executed in a scratch copy of the project
  (`_build/stage/`) and the books are built from it, from scratch, in `_build/work/`; only
  when HTML *and* PDF succeed are they published to `_build/html/` (swapped in with one
  atomic rename) and `_build/pdf/` (atomic replace), and the executed notebooks written
  back. One lock (`_build/.build.lock`) admits one build at a time; children run in their
  own process group, die with the build, and are stopped by the next build if they outlive
  it.
- Same inputs, same bytes: every build of the books is a clean one, and the PDF takes its
  dates from the edition date (`SOURCE_DATE_EPOCH`; the scratch copy's files carry it too).
- The strict build is the gate: warnings are errors (`-W -n --keep-going`), a notebook that
  raises stops the build with its name, and invalid data stops it before anything runs.

Usage: python -m exodus.build [--html-only] [--force] [--explain]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import datetime
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from exodus import compress, data, paths, rebuild

PDF_NAME = "belarus-tech-exodus.pdf"
JB_STRICT = ["-W", "-n", "--keep-going"]

# Everything a build reads: what a copy of the project needs (tests and the benchmark build
# copies), and what the "up to date" hash covers. Folders have no dot in their names.
PROJECT_FILES = ["_config.yml", "_toc.yml", "CITATION.cff", "CONTRIBUTING.md", "book", "notebooks",
                 "data", "src",
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


def pin_file_dates(root: Path, epoch: int) -> None:
    """Give every file under `root` the edition date as its modification time. A file's
    date is when it was checked out, not an input: xdvipdfmx writes the attached data
    files' dates into the PDF (as /ModDate, whatever FORCE_SOURCE_DATE says), so two clones
    gave two PDFs until the build's scratch copy carried one date."""
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (epoch, epoch))


class BuildError(RuntimeError):
    """The build failed; the message says where and why. Nothing was published."""


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


IGNORED = {"__pycache__", ".ipynb_checkpoints", "_generated"}


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree_hash(root: Path, globs: list[str]) -> str:
    """A hash of the named files' paths and contents, ignoring caches, checkpoints and the
    pages a build generates from the data (`book/_generated/`, which a preview writes)."""
    digest = hashlib.sha256()
    files = set()
    for pattern in globs:
        for path in root.glob(pattern):
            if path.is_file() and not IGNORED.intersection(path.relative_to(root).parts):
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


def execute_notebook(root: Path, nb_path: Path) -> None:
    """Run one notebook top to bottom in a fresh kernel; store its outputs in place, and in
    its metadata the rebuild key of this run (see `exodus.rebuild`).

    Raises BuildError naming the notebook and the cell.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    rel = nb_path.relative_to(root)
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(rebuild.REPORT, id="exodus-rebuild-report"))
    try:
        from jupyter_client import KernelManager

        # IPC sockets: the kernel talks to the build over local files, not TCP ports.
        sockets = tempfile.mkdtemp(prefix="exodus-kernel-")
        manager = KernelManager(kernel_name="python3", transport="ipc",
                                ip=str(Path(sockets) / "kernel"))
        client = NotebookClient(nb, km=manager, timeout=600, kernel_name="python3",
                                record_timing=False,
                                extra_arguments=[f"--IPKernelApp.exec_lines={rebuild.RECORD_READS}"],
                                resources={"metadata": {"path": str(nb_path.parent)}})
        try:
            # The kernel's environment is given at its launch (not set in this process),
            # so that notebooks executing side by side share no state.
            client.execute(env={**os.environ, "PYTHONHASHSEED": "0"})
        finally:
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
            shutil.rmtree(sockets, ignore_errors=True)
    except CellExecutionError as err:
        raise BuildError(f"notebook {rel} raised an error; nothing was published.\n"
                         f"{_plain_error(nb) or _short_error(err)}") from None
    except Exception as err:  # kernel died, timeout, bad notebook
        raise BuildError(f"notebook {rel} could not be executed: {err}") from None
    report = nb.cells.pop()
    # IPython catches an exception raised while *displaying* a value (a chart whose data
    # fails its check, say) and records it as an error output without stopping the cell.
    for index, _, message in _error_outputs(nb):
        raise BuildError(f"notebook {rel}, cell {index}, raised an error while showing "
                         f"an output; nothing was published.\n{message}")
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    ran = json.loads("".join(o.get("text", "") for o in report.outputs))
    rebuild.stamp(nb, root, ran["read"], ran["imported"], nb_path)
    tmp = nb_path.with_suffix(".ipynb.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        nbformat.write(nb, fh)
    os.replace(tmp, nb_path)


def jobs() -> int:
    """How many notebooks execute at once: one per core this process may use."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else os.cpu_count() or 1)


def execute_notebooks(root: Path, why: dict[Path, list[str]]) -> None:
    """Execute the notebooks of `why` (in reading order, each with why it must execute),
    each in its own kernel, `jobs()` at a time. Each one's result depends on its inputs
    alone, so the order they finish in changes nothing. If any fails, the first in reading
    order is the one reported, whatever finished first."""
    notebooks = list(why)
    from concurrent.futures import ThreadPoolExecutor

    def run(nb_path: Path) -> BuildError | None:
        rel = nb_path.relative_to(root)
        log(f"executing {rel}: {'; '.join(why[nb_path])}")
        started = time.perf_counter()
        try:
            execute_notebook(root, nb_path)
        except BuildError as err:
            return err
        log(f"executed {rel} in {time.perf_counter() - started:.1f} s")
        return None

    with ThreadPoolExecutor(max_workers=min(jobs(), len(notebooks) or 1)) as pool:
        failures = list(pool.map(run, notebooks))
    for failure in failures:
        if failure is not None:
            raise failure


# Errors that say everything in their message (file, row, column; chart and rows): the
# reader of the build log needs no traceback for them.
PLAIN_ERRORS = {"DataError", "ChartDataError", "DuplicateId"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _error_outputs(nb):
    """(cell index, exception name, 'Name: message') of every error output, in order."""
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                ename = out.get("ename")
                yield index, ename, f"{ename}: " + ANSI.sub("", str(out.get("evalue")))


def _plain_error(nb) -> str | None:
    """The message of the first error output that says everything itself, if any (an
    exception in a display hook reaches nbclient without its name)."""
    return next((message for _, ename, message in _error_outputs(nb)
                 if ename in PLAIN_ERRORS), None)


def _short_error(err) -> str:
    if getattr(err, "ename", "") in PLAIN_ERRORS:
        return f"{err.ename}: " + ANSI.sub("", str(err.evalue))
    text = str(err)
    lines = [line for line in text.splitlines() if line.strip()]
    return "\n".join(lines[-25:])


# ---------------------------------------------------------------- building and publishing


# The edition date (`today` in _config.yml) stands for "now" in every output: TeX and
# xdvipdfmx take the PDF's dates and /ID from SOURCE_DATE_EPOCH, and FORCE_SOURCE_DATE makes
# the file dates that attachfile2 embeds for the attached data files the same date too.
def source_date_epoch(root: Path) -> int:
    today = data.edition_date(root / "data")
    return int(datetime.datetime.strptime(today, "%Y-%m-%d")
               .replace(tzinfo=datetime.UTC).timestamp())


@contextlib.contextmanager
def _env(**values: str):
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    """In a child: be killed when the build dies, however it dies (even by SIGKILL)."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the build died before prctl took effect
        os._exit(1)


class BuildLock:
    """One build at a time, and recovery from one that was killed.

    The lock is an flock on `_build/.build.lock`, which the kernel releases when the holder
    dies, so a stale lock never blocks. The file records the holder's PID and the process
    group of its current child (jupyter-book, with Sphinx and LaTeX below it). The next build
    reads it: if the recorded build is gone, any of its children still running are killed
    before anything else starts, so two builds never write into the same folders.
    """

    def __init__(self, build_dir: Path):
        self.path = build_dir / ".build.lock"
        self.handle = None

    def __enter__(self) -> BuildLock:
        self.handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"another build is running ({self._recorded().get('pid', '?')}); waiting for it")
            fcntl.flock(self.handle, fcntl.LOCK_EX)
        previous = self._recorded()
        for group in previous.get("children", []):
            try:
                os.killpg(group, signal.SIGKILL)
                log(f"stopped process group {group} left by a build that did not finish")
            except (ProcessLookupError, PermissionError):
                pass
        self.record([])
        return self

    def _recorded(self) -> dict:
        self.handle.seek(0)
        try:
            return json.loads(self.handle.read() or "{}")
        except json.JSONDecodeError:
            return {}

    def record(self, children: list[int]) -> None:
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(json.dumps({"pid": os.getpid(), "children": children}))
        self.handle.flush()

    def __exit__(self, *exc) -> None:
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.close()


def run_children(cmds: list[list[str]], cwd: Path, env: dict[str, str],
                 lock: BuildLock) -> list[subprocess.CompletedProcess]:
    """Run children side by side, each in its own process group, tied to the build: they
    die with the build, and `lock` records their groups for the next build while they run."""
    from concurrent.futures import ThreadPoolExecutor

    children = []
    pool = ThreadPoolExecutor(max_workers=len(cmds))  # one reader of each child's pipes
    try:
        for cmd in cmds:
            children.append(subprocess.Popen(
                cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, start_new_session=True, preexec_fn=_die_with_parent))
            lock.record([child.pid for child in children])
        outputs = [f.result() for f in [pool.submit(c.communicate) for c in children]]
    finally:
        # Also on an interrupt or SIGTERM: take each whole group (latexmk, xelatex) down;
        # then the readers see their pipes close.
        for child in children:
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            child.wait()
        pool.shutdown()
        lock.record([])
    return [subprocess.CompletedProcess(cmd, child.returncode, out, err)
            for cmd, child, (out, err) in zip(cmds, children, outputs, strict=True)]


# Each builder's own output folder under the work folder: the two run side by side, and
# Sphinx must not share its doctrees between them.
BUILDERS = {"html": "html", "pdflatex": "latex"}


def built(work: Path, builder: str) -> Path:
    """Where `builder` leaves its output (`_build/html`, or `_build/latex` with the PDF)."""
    return work / builder / "_build" / BUILDERS[builder]


def jupyter_books(root: Path, work: Path, builders: list[str], lock: BuildLock) -> None:
    """Fresh, strict builds of `root` into `work` (which the caller has emptied), one per
    builder, side by side: the HTML and the PDF read the same sources and write apart.

    Always from scratch: an incremental Sphinx build keeps words of removed text in the
    search index and links assets differently, so a clean build is the only one whose bytes
    depend on the inputs alone.
    """
    from exodus import bib, catalogue

    # The pages generated from the data, written once here: each builder then finds them
    # up to date and leaves them be (`_write_generated_pages` writes only what changed).
    bib.write(root)
    catalogue.write(root)
    exe = Path(sys.executable).with_name("jupyter-book")
    cmds = [[str(exe), "build", str(root), "--path-output", str(work / builder),
             "--builder", builder, *JB_STRICT] for builder in builders]
    log(" and ".join(f"jupyter-book build --builder {b}" for b in builders) + " (strict)")
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(source_date_epoch(root)),
           "FORCE_SOURCE_DATE": "1", "PYTHONHASHSEED": "0"}
    for builder, result in zip(builders, run_children(cmds, root, env, lock), strict=True):
        if result.returncode != 0:
            # Sphinx writes its warnings (the cause) to stderr and its progress to stdout.
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


def publish(build: Path, work: Path, html: bool, pdf: bool, fresh: bool = False) -> None:
    """Put the built site and PDF in place. The site's unchanged files reuse the compressed
    copies of the site they replace, unless `fresh` (--force) compresses everything."""
    if html:
        staged = build / ".html.new"
        shutil.rmtree(staged, ignore_errors=True)
        shutil.copytree(built(work, "html"), staged)
        # Sphinx's note for incremental builds hashes its configuration, which holds the
        # absolute paths of the checkout and the virtual environment: a site built in
        # another folder would differ by this one file, which no reader needs (every build
        # here is from scratch).
        (staged / ".buildinfo").unlink(missing_ok=True)
        previous = build / "html"
        compress.precompress(staged, None if fresh or not previous.is_dir() else previous)
        atomic_swap_dir(staged, build / "html")
        log(f"published {build / 'html'}")
    if pdf:
        out = build / "pdf"
        out.mkdir(parents=True, exist_ok=True)
        _copy_atomic(built(work, "pdflatex") / "book.pdf", out / PDF_NAME)
        log(f"published {out / PDF_NAME}")


def _write_back(stage: Path, root: Path, rel: str) -> None:
    """Put an executed notebook from the scratch copy into the source tree, atomically."""
    new, old = stage / rel, root / rel
    if not old.is_file() or old.read_bytes() != new.read_bytes():
        _copy_atomic(new, old)


def _copy_atomic(src: Path, dst: Path) -> None:
    """Copy `src` to `dst` so that a reader sees the old file or the new one, never part."""
    tmp = dst.with_name(dst.name + ".tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def build(html_only: bool = False, force: bool = False) -> int:
    """Validate, execute what changed, build and publish; see the module's docstring.

    Everything is done in scratch space under `_build/`: the project is copied to
    `_build/stage`, changed notebooks are executed there, and the books are built from it
    into a fresh `_build/work`. Only when every step has succeeded are the site and the
    PDF published and the executed notebooks written back to `notebooks/`. A build that
    fails or is killed therefore leaves the source tree and the last good report as they
    were, and leaves nothing behind that the next build trusts.
    """
    root = paths.root()
    build_dir = root / "_build"
    build_dir.mkdir(exist_ok=True)
    with BuildLock(build_dir) as lock:
        state_path = build_dir / "state.json"
        state = _read_state(state_path)

        found = data.problems(root / "data")
        if found:
            raise BuildError("the data package is invalid; the book was not built and nothing "
                             "was published.\n" + str(data.DataError(found)))

        why = _reasons(root, force)
        stale = [nb for nb, reasons in why.items() if reasons]
        want = "html" if html_only else "html+pdf"
        outputs_exist = (build_dir / "html" / "index.html").is_file() and (
            html_only or (build_dir / "pdf" / PDF_NAME).is_file())
        if (not force and not stale and outputs_exist
                and state.get("published", {}).get(want) == tree_hash(root, SOURCE_GLOBS)):
            log("up to date: nothing changed since the last published build")
            return 0

        stage, work = build_dir / "stage", build_dir / "work"
        for scratch in (stage, work):
            shutil.rmtree(scratch, ignore_errors=True)
        copy_project(root, stage)
        pin_file_dates(stage, source_date_epoch(root))
        # The kernels validate the scratch copy's data, which the build has just validated
        # here: they find the result kept in the checkout's cache (`data._kept`).
        with _env(EXODUS_ROOT=str(stage), EXODUS_CACHE=str(data.cache_dir(root / "data"))):
            executed = [str(nb.relative_to(root)) for nb in stale]
            execute_notebooks(stage, {stage / rel: why[root / rel] for rel in executed})
            jupyter_books(stage, work, ["html"] if html_only else ["html", "pdflatex"], lock)

        publish(build_dir, work, html=True, pdf=not html_only, fresh=force)
        for rel in executed:
            _write_back(stage, root, rel)
        published = state.setdefault("published", {})
        published.clear()
        published["html"] = tree_hash(root, SOURCE_GLOBS)
        if not html_only:
            published["html+pdf"] = published["html"]
        for stale_key in ("assets", "notebooks"):  # kept by older builds
            state.pop(stale_key, None)
        _write_atomic(state_path, json.dumps(state, indent=1, sort_keys=True))
        shutil.rmtree(stage, ignore_errors=True)
    return 0


def _reasons(root: Path, force: bool) -> dict[Path, list[str]]:
    """Each notebook of the book, in reading order, with why it must execute (none: fresh)."""
    return {nb: ["--force"] if force else rebuild.reasons(root, nb) for nb in toc_notebooks(root)}


def _read_state(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def explain(force: bool = False) -> int:
    """Print, for each notebook, whether a build would execute it and why; change nothing."""
    root = paths.root()
    why = _reasons(root, force)
    for nb_path, reasons in why.items():
        rel = nb_path.relative_to(root).as_posix()
        if reasons:
            print(f"execute {rel}: " + "; ".join(reasons))
        else:
            print(f"skip    {rel}: {rebuild.summary(nb_path)}")
    published = _read_state(root / "_build" / "state.json").get("published", {}).get("html+pdf")
    if any(why.values()):
        books = "rebuilt, with the notebooks that execute"
    elif published == tree_hash(root, SOURCE_GLOBS):
        books = "up to date: a build does nothing"
    else:
        books = "rebuilt from the stored outputs: files changed since the last published build"
    print(f"books   {books}")
    return 0


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html-only", action="store_true", help="skip the PDF")
    parser.add_argument("--force", action="store_true", help="execute and build everything")
    parser.add_argument("--explain", action="store_true",
                        help="print which notebooks a build would execute, and why; build nothing")
    args = parser.parse_args(argv)
    if args.explain:
        return explain(force=args.force)
    started = time.perf_counter()
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so children are stopped too.
    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = build(html_only=args.html_only, force=args.force)
    except BuildError as err:
        print(f"[build] FAILED: {err}", file=sys.stderr, flush=True)
        return 1
    log(f"done in {time.perf_counter() - started:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
