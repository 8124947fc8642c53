"""Precompressed copies of the site's text files, so any static host can serve them
compressed (nginx `gzip_static`/`brotli_static`, Caddy `precompressed`, most CDNs).

Every text file of at least MIN_BYTES gets a `.gz` (gzip, level 9) and a `.br` (Brotli,
quality 11) beside it, written only when smaller. Both are deterministic: gzip's header
carries no name and no time, so a rebuild gives the same bytes.
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


def precompress(root: Path) -> int:
    """Write the .gz and .br copies under `root`; return how many files were written."""
    written = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in SUFFIXES:
            continue
        data = path.read_bytes()
        if len(data) < MIN_BYTES:
            continue
        for suffix, packed in ((".gz", gzip_bytes(data)), (".br", brotli.compress(data))):
            if len(packed) < len(data):
                path.with_name(path.name + suffix).write_bytes(packed)
                written += 1
    return written
