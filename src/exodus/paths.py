"""Where things live in the repository, found from this file, never from the working directory.

Notebooks run with their own folder as the working directory and tests run from anywhere;
resolving every path from the package location keeps all of them pointing at one tree.
The environment variable EXODUS_ROOT overrides it, so a test can build a temporary copy.
"""

from __future__ import annotations

import os
from pathlib import Path


def root() -> Path:
    """The repository root: EXODUS_ROOT if set, else the folder that holds `_config.yml`."""
    env = os.environ.get("EXODUS_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "_config.yml").is_file():
            return parent
    raise FileNotFoundError(
        "cannot find the repository root (no _config.yml above "
        f"{here}); set EXODUS_ROOT to the repository folder"
    )


def data_dir() -> Path:
    return root() / "data"


def build_dir() -> Path:
    return root() / "_build"
