"""Writes environment.yml (for conda and Binder) from requirements.txt, the one list of pins.

Run after changing the pins: `python tools/make_environment.py`. A test fails when the two
disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def render() -> str:
    pins = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    lines = [
        "# Generated from requirements.txt by tools/make_environment.py; do not edit.",
        "name: belarus-tech-exodus",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
        *[f"      - {pin}" for pin in pins],
        "      - -e .",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    target = ROOT / "environment.yml"
    if "--check" in sys.argv:
        sys.exit(0 if target.read_text() == render() else 1)
    target.write_text(render())
    print("wrote environment.yml")
