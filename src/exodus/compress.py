"""Precompressed copies of the site's text files, so any static host can serve them
compressed (nginx `gzip_static`/`brotli_static`, Caddy `precompressed`, most CDNs).

Every text file of at least MIN_BYTES gets a `.gz` (gzip, level 9) and a `.br` (Brotli,
quality 11) beside it, written only when smaller. Both are deterministic: gzip's header
carries no name and no time, so a rebuild gives the same bytes.

Brotli at quality 11 is slow (about ten seconds for the whole site on two cores), and most
files are the same from one build to the next: a file whose bytes equal those of the same
file in the previous site takes that site's copies, once they are checked to decompress to
it, instead of being compressed again. The result is byte for byte what compressing it
afresh gives.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import brotli

SUFFIXES = {".html", ".js", ".css", ".svg", ".json", ".txt", ".xml", ".csv", ".ipynb", ".bib",
            ".cff", ".md"}
MIN_BYTES = 1024


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no file name and a zero time stamp: the same input, the same bytes."""
    return gzip.compress(data, compresslevel=9, mtime=0)


def _decompress(suffix: str, packed: bytes) -> bytes:
    return gzip.decompress(packed) if suffix == ".gz" else brotli.decompress(packed)


def _previous_copies(data: bytes, old: Path) -> dict[str, bytes] | None:
    """The copies the previous site made of the same bytes, if each still decompresses to
    them; None if the file is new or changed (or a copy does not check out)."""
    if not old.is_file() or old.read_bytes() != data:
        return None
    copies = {}
    for suffix in (".gz", ".br"):
        packed = old.with_name(old.name + suffix)
        if packed.is_file():
            content = packed.read_bytes()
            try:
                if _decompress(suffix, content) != data:
                    return None
            except (OSError, EOFError, brotli.error):
                return None
            copies[suffix] = content
    return copies or None  # none kept: compress afresh (text files almost always shrink)


def precompress(root: Path, previous: Path | None = None) -> int:
    """Write the .gz and .br copies under `root`; return how many files were written.
    With `previous` (the last published site), unchanged files reuse its copies."""
    written = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in SUFFIXES:
            continue
        data = path.read_bytes()
        if len(data) < MIN_BYTES:
            continue
        copies = None
        if previous is not None:
            copies = _previous_copies(data, previous / path.relative_to(root))
        if copies is None:
            copies = {suffix: packed for suffix, packed in
                      ((".gz", gzip_bytes(data)), (".br", brotli.compress(data)))
                      if len(packed) < len(data)}
        for suffix, packed in copies.items():
            path.with_name(path.name + suffix).write_bytes(packed)
            written += 1
    return written
