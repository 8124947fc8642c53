"""`make validate`: validate the whole data package and print what is wrong, or that all is well."""

from __future__ import annotations

import sys

from exodus import data, paths


def main() -> int:
    found = data.problems()
    if found:
        print(f"data package INVALID: {len(found)} problem(s)", file=sys.stderr)
        for p in found:
            print(f"  {p}", file=sys.stderr)
        return 1
    import json

    descriptor = json.loads((paths.data_dir() / data.DESCRIPTOR).read_text(encoding="utf-8"))
    for r in descriptor["resources"]:
        with open(paths.data_dir() / r["path"], encoding="utf-8") as fh:
            rows = sum(1 for _ in fh) - 1
        print(f"  ok  data/{r['path']}: {rows} rows")
    print("data package valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
