"""Compose data/datapackage.json from the Table Schemas in schema/ (run after editing one).

schema/package.json lists the resources in order; schema/<name>.json is one resource.
A field may be {"block": NAME} (the fields of schema/blocks.json[NAME], optionally "only"
some of them); a field's "vocabulary": RESOURCE becomes a foreign key to that resource's key;
"{prefix}" in a pattern is the resource's "id_prefix"; "@ID_PATTERN" and "@URL_PATTERN" are
the patterns of exodus.safe. `--check` exits 1 if the committed descriptor is stale.
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from exodus import safe  # noqa: E402  (one pattern for data and pages)

SCHEMA, TARGET = ROOT / "schema", ROOT / "data" / "datapackage.json"
TOKENS = {"@ID_PATTERN": safe.ID_PATTERN, "@URL_PATTERN": safe.URL_PATTERN}
BLOCKS = json.loads((SCHEMA / "blocks.json").read_text(encoding="utf-8"))
load = lambda name: json.loads((SCHEMA / f"{name}.json").read_text(encoding="utf-8"))  # noqa: E731


def fields(items, prefix):
    for item in items:
        if "block" in item:
            only = item.get("only")
            yield from fields([f for f in BLOCKS[item["block"]] if not only or
                               f.get("name") in only or "block" in f], prefix)
            continue
        text = json.dumps(item).replace("{prefix}", prefix or "")
        yield json.loads(text, object_hook=lambda d: {
            k: TOKENS.get(v, v) if isinstance(v, str) else v for k, v in d.items()})


def resource(name):
    spec = load(name)
    schema = {"fields": list(fields(spec.pop("fields"), spec.pop("id_prefix", None)))}
    keys = [{"fields": [f["name"]], "reference": {"resource": f["vocabulary"],
             "fields": load(f["vocabulary"])["primaryKey"]}}
            for f in schema["fields"] if "vocabulary" in f]
    [f.pop("vocabulary", None) for f in schema["fields"]]
    schema.update({k: v for k, v in {"primaryKey": spec.pop("primaryKey", None),
                                     "foreignKeys": keys}.items() if v})
    return {**spec, "path": f"{name}.csv", "schema": schema, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8"}


def render() -> str:
    package = load("package")
    package["resources"] = [resource(name) for name in package["resources"]]
    return json.dumps(package, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if "--check" in sys.argv:
        sys.exit(0 if TARGET.read_text(encoding="utf-8") == render() else 1)
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
