"""The house chart style and the renderer that makes charts work offline, in HTML and in PDF.

Why a custom renderer: Altair's stock renderers load Vega from a CDN, which breaks offline
reading and tells a third party who reads the report. Ours emits, for each chart, one bundle:

- ``text/html``: a container plus the chart's *compiled Vega* spec as inert JSON. The page
  loads the Vega runtime shipped with the book (see ``exodus.sphinx_ext``) which draws every
  container; compiling Vega-Lite to Vega here means readers download Vega only, not the
  Vega-Lite compiler or vega-embed (about 320 KB less per chart page).
- ``image/svg+xml``: the static vector drawing from vl-convert. The LaTeX build picks it
  (``nb_mime_priority_overrides``) and ``exodus.sphinx_ext`` converts it to PDF at build
  time. SVG, unlike vl-convert's PDF, is byte-identical from run to run, so notebooks store
  deterministic outputs and nbval compares every byte with no mask.
- ``text/plain``: a one-line summary, so text outputs stay readable and comparable.

Every chart must carry a ``description`` (read by screen readers); rendering one without
it raises, so an inaccessible chart cannot reach the book.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import altair as alt
import pandas as pd
import vl_convert as vlc

from exodus import text

THEME_NAME = "exodus"
RENDERER_NAME = "exodus"

# Okabe & Ito (2008), the colour-blind-safe palette; yellow last, as it is weak on white.
PALETTE = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#F0E442",  # yellow
]
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
TEXT = "#222222"
MUTED = "#595959"  # 7:1 on white: axis labels stay legible


def theme() -> dict[str, Any]:
    """The Altair theme: readable type, light grid, the palette, no chart titles.

    Captions are the titles of figures (they are numbered and cross-referenced), so the
    chart itself carries none.
    """
    return {
        "config": {
            "background": "#ffffff",
            "font": FONT,
            "padding": 8,
            "view": {"stroke": None, "continuousWidth": 560, "continuousHeight": 300},
            "range": {"category": PALETTE},
            "axis": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "titleFontWeight": "normal",
                "labelColor": MUTED,
                "titleColor": TEXT,
                "gridColor": "#e6e6e6",
                "domainColor": "#888888",
                "tickColor": "#888888",
            },
            "legend": {
                "labelFontSize": 12,
                "titleFontSize": 13,
                "titleFontWeight": "normal",
                "labelColor": TEXT,
                "titleColor": TEXT,
                "orient": "bottom",
                # One entry a line, in full: a row of entries ran off a phone's screen
                # and cut labels with "…".
                "columns": 1,
                "labelLimit": 320,
            },
            "header": {"labelFontSize": 13, "titleFontSize": 13},
            "text": {"font": FONT, "fontSize": 12, "color": TEXT},
            "line": {"strokeWidth": 2.5},
            "point": {"size": 50, "filled": True},
            "bar": {"color": PALETTE[0]},
            "title": {"fontSize": 14, "anchor": "start", "color": TEXT},
        }
    }


def chart_id(spec: dict[str, Any]) -> str:
    """A short id derived from the spec's content, so reruns give identical HTML."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode("utf-8")).hexdigest()
    return "chart-" + digest[:12]


def _json_for_html(obj: Any) -> str:
    """JSON safe to place inside <script type="application/json">: no '<', '>' or '&'."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def to_vega(spec: dict[str, Any]) -> dict[str, Any]:
    """Compile a Vega-Lite spec to Vega with vl-convert (the version pinned with Altair)."""
    return vlc.vegalite_to_vega(spec)


def chart_data(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows behind a chart: its largest inline dataset (annotation layers are smaller)."""
    candidates = list((spec.get("datasets") or {}).values())
    if isinstance(spec.get("data"), dict) and "values" in spec["data"]:
        candidates.append(spec["data"]["values"])
    rows = max(candidates, key=len, default=[])
    columns = [c for c in dict.fromkeys(k for row in rows for k in row)
               if any(row.get(c) not in (None, "") for row in rows)]
    return [{c: row.get(c) for c in columns} for row in rows]


def _csv_text(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    return out.getvalue()


HEADERS = {"id": "Row id", "source_id": "Source id", "value": "Value", "value_low": "Low end",
           "value_high": "High end", "period": "Period", "qualifier": "As reported",
           "indicator": "What is measured", "geography": "Country", "unit": "Unit"}


def _header(column: str) -> str:
    """A data table's column header for readers ("Source id", not "source_id"); the CSV
    keeps the column names re-users script against."""
    return HEADERS.get(column) or column.replace("_", " ").strip().capitalize()


_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2})T00:00:00(?:\.0+)?(?:Z|[+-]00:?00)?")
_ISO_PERIOD = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?(?:/\d{4}(?:-\d{2}(?:-\d{2})?)?)?")


def _for_reading(column: str, value: Any) -> str:
    """A data-table cell as readers read it: dates and periods in words, whole numbers with
    thousands separators and no ".0", other numbers with the decimals their source gave,
    yes or no. The CSV beside the table keeps the values as they are."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if float(value).is_integer():
            return str(int(value)) if "year" in column.lower() else f"{int(value):,}"
        return f"{value:,}"
    value = str(value)
    if value in ("True", "False"):
        return "yes" if value == "True" else "no"
    stamp = _TIMESTAMP.fullmatch(value)
    if stamp:
        return text.when(stamp.group(1))
    if column != "id" and not column.endswith("_id") and _ISO_PERIOD.fullmatch(value) \
            and not value.isdigit():
        return text.when(value)
    return value


def data_block(spec: dict[str, Any], cid: str) -> str:
    """A closed <details> with the chart's data as a table and as a downloadable CSV.

    For readers who cannot or would rather not read the chart, and for anyone who wants the
    numbers: the CSV is a data: link, so the download works offline and from disk.
    """
    rows = chart_data(spec)
    if not rows:
        return ""
    label = " ".join(str(spec.get("description", cid)).split()[:8])
    head = "".join(f"<th scope=\"col\">{html.escape(_header(str(c)))}</th>" for c in rows[0])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_for_reading(c, v))}</td>"
                         for c, v in row.items()) + "</tr>"
        for row in rows
    )
    href = "data:text/csv;charset=utf-8," + quote(_csv_text(rows))
    return (
        '<details class="exodus-chart-data"><summary>Data behind this chart: table and CSV'
        f'</summary><p><a download="{cid}.csv" href="{href}">Download the data (CSV, '
        f"{len(rows)} rows)</a></p><div class=\"exodus-table-wrap\" tabindex=\"0\" role=\"region\" "
        f"aria-label=\"Data for the chart: {html.escape(label)}\"><table>"
        f"<caption>Data behind the chart above</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div></details>"
    )


class ChartDataError(ValueError):
    """A chart would draw a missing or unreadable value (as Vega does, at zero)."""


_CHECKED_TYPES = {"quantitative", "temporal", "nominal", "ordinal"}
# Channels where a missing category would show as a "null" label or legend entry.
_CATEGORY_CHANNELS = {"x", "y", "color", "shape", "row", "column", "facet", "detail", "text"}
ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?"
                      r"([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?")


def _encoded_fields(node: Any, data: str | None,
                    found: set[tuple[str | None, str, str]]) -> set[tuple[str | None, str, str]]:
    """Every (dataset, field, type) that an encoding draws: a layer or view draws from its own
    `data` or else from the nearest enclosing one."""
    if isinstance(node, dict):
        own = node.get("data")
        if isinstance(own, dict):
            data = own.get("name", "inline" if "values" in own else data)
        encoding = node.get("encoding")
        if isinstance(encoding, dict):
            for channel, enc in encoding.items():
                if channel in {"tooltip", "href", "description"} or not isinstance(enc, dict):
                    continue
                field, kind = enc.get("field"), enc.get("type")
                if kind in {"nominal", "ordinal"} and channel not in _CATEGORY_CHANNELS:
                    continue
                if isinstance(field, str) and kind in _CHECKED_TYPES:
                    found.add((data, field, kind))
        for key, value in node.items():
            if key not in {"data", "datasets", "encoding"}:
                _encoded_fields(value, data, found)
    elif isinstance(node, list):
        for value in node:
            _encoded_fields(value, data, found)
    return found


def _unreadable(value: Any, kind: str) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    if kind in {"nominal", "ordinal"}:
        return False
    if kind == "quantitative":
        return not isinstance(value, int | float) or isinstance(value, bool)
    if isinstance(value, int | float):
        return isinstance(value, bool)  # a timestamp in milliseconds
    # What a browser's Date.parse reads the same everywhere: ISO 8601, nothing lenient
    # (pandas reads '2018---' as 1 January 2018; a browser reads it as NaN).
    return not (isinstance(value, str) and ISO_DATE.fullmatch(value)
                and not pd.isna(pd.to_datetime(value, errors="coerce")))


def check_data(spec: dict[str, Any]) -> None:
    """Refuse a chart whose drawn fields hold a null, a NaN or an unparsable date or number.

    Vega draws such a value at zero (a NaN date becomes 1970 or x = 0) and every test of
    marks still passes, so the check runs before anything is drawn. It names the chart and
    the rows (their ids where the data has them): drop or fix them before charting.
    """
    datasets = dict(spec.get("datasets") or {})
    if isinstance(spec.get("data"), dict) and "values" in spec["data"]:
        datasets["inline"] = spec["data"]["values"]
    problems = []
    drawn = _encoded_fields(spec, None, set())
    for name in sorted({d for d, _, _ in drawn if d in datasets and not datasets[d]}):
        problems.append(f"a layer draws from an empty dataset ({name}): did a filter match "
                        "nothing?")
    for name, field, kind in sorted(drawn, key=str):
        for n, row in enumerate(datasets.get(name, []), start=1):
            if field in row and _unreadable(row[field], kind):
                where = row.get("id") or f"row {n}"
                problems.append(f"{where}: {field} = {row[field]!r}")
    if problems:
        name = " ".join(str(spec.get("description", "")).split()[:10])
        shown = "; ".join(problems[:12]) + ("; ..." if len(problems) > 12 else "")
        raise ChartDataError(f"the chart '{name}...' would draw {len(problems)} missing or "
                             f"unreadable value(s) as zero: {shown}. Drop or fix these rows "
                             "before charting.")


COMPOUND = ("facet", "hconcat", "vconcat", "concat", "repeat", "spec")


def _compound(spec: dict[str, Any]) -> bool:
    """A faceted (also by a row or column encoding), concatenated or repeated chart."""
    if any(key in spec for key in COMPOUND):
        return True
    views = [spec, *spec.get("layer", [])]
    return any(channel in (view.get("encoding") or {}) for view in views
               for channel in ("row", "column", "facet"))


def responsive(spec: dict[str, Any]) -> dict[str, Any]:
    """For the page, a single or layered chart fills its column: on a 390 px phone it is
    drawn at the phone's width with its type at full size, instead of a 560 px drawing
    scaled down to unreadable labels. The PDF keeps the fixed width (the SVG is made from
    the spec as it is). Faceted and concatenated charts keep their fixed layout."""
    if _compound(spec):
        return spec
    return {**spec, "width": "container", "autosize": {"type": "fit-x", "contains": "padding"}}


_SVG_ID = re.compile(r'\b(id="|url\(#|href="#)')


def _static_svg(svg: str, cid: str) -> str:
    """The build's SVG of a chart, for the page: any ids it defines (clip paths, gradients)
    are prefixed with the chart's id, so two charts on one page cannot collide."""
    return _SVG_ID.sub(lambda m: m.group(1) + cid + "-", svg)


def html_bundle(spec: dict[str, Any], svg: str | None = None) -> str:
    """The HTML for one chart: a labelled container holding the chart as a static SVG (the
    PDF's drawing, there at first paint and without scripts) and its Vega spec as inert
    JSON, which charts.js draws over it, at the column's width, once Vega has loaded."""
    description = spec.get("description")
    if not description or not str(description).strip():
        raise ValueError(
            "chart has no description: add .properties(description='...') so screen "
            "readers can announce what the chart shows"
        )
    cid = chart_id(spec)
    layout = "fixed" if _compound(spec) else "fluid"
    vega_spec = to_vega(responsive(spec))
    static = _static_svg(svg if svg is not None else svg_bundle(spec), cid)
    return (
        f'<div class="exodus-chart" id="{cid}" data-layout="{layout}">'
        f'<div class="exodus-chart-view" role="img" aria-label="{html.escape(str(description))}">'
        f'<div class="exodus-chart-static">{static}</div></div>'
        f'<script type="application/json" class="exodus-chart-spec">{_json_for_html(vega_spec)}'
        "</script></div>" + data_block(spec, cid)
    )


def svg_bundle(spec: dict[str, Any]) -> str:
    """Static SVG of the chart (for the PDF build, and any reader without JavaScript)."""
    return vlc.vegalite_to_svg(spec)


@cache
def _short_labels(data_dir: str) -> dict[str, dict[str, str]]:
    """Coded column -> {code: short label} (the label where a vocabulary has no short one):
    legends and axes have little room."""
    from exodus import vocab

    labels = {}
    for column, name in vocab.coded_columns(Path(data_dir)).items():
        rows = vocab.table(name, Path(data_dir))
        field = "short_label" if "short_label" in next(iter(rows.values())) else "label"
        labels[column] = vocab.labels(name, field, Path(data_dir))
    return labels


def readable(spec: dict[str, Any]) -> dict[str, Any]:
    """The chart's data as readers should see it: every code in a coded column (a source
    kind, a qualifier, an indicator, a country...) replaced by its (short) label from the
    vocabularies, so no legend, axis or tooltip shows `belarusian_state` or `more_than`."""
    from exodus import paths

    labels = _short_labels(str(paths.data_dir()))

    def relabel(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: labels[k].get(v, v) if k in labels and isinstance(v, str) else v
                 for k, v in row.items()} for row in rows]

    out = dict(spec)
    if "datasets" in out:
        out["datasets"] = {name: relabel(rows) for name, rows in out["datasets"].items()}
    if isinstance(out.get("data"), dict) and "values" in out["data"]:
        out["data"] = {**out["data"], "values": relabel(out["data"]["values"])}
    return out


def renderer(spec: dict[str, Any], **_: Any) -> dict[str, Any]:
    """The Altair renderer: one mimebundle usable by the HTML and the PDF builds."""
    spec = readable(spec)
    check_data(spec)
    cid = chart_id(spec)
    svg = svg_bundle(spec)
    return {
        "text/html": html_bundle(spec, svg),
        "image/svg+xml": svg,
        "text/plain": f"<chart {cid}: {spec.get('description', '')}>",
    }


def _frame_html(frame) -> str:
    """Tables without pandas' row index: its header cell is empty (an accessibility fault)
    and the numbers 0, 1, 2 mean nothing to a reader."""
    return frame.to_html(index=False, border=0, classes="dataframe", na_rep="")


def enable() -> None:
    """Register and switch on the house theme and renderer, and show DataFrames as plain
    tables without their index (call once per notebook)."""
    alt.theme.register(THEME_NAME, enable=True)(theme)
    alt.renderers.register(RENDERER_NAME, renderer)
    alt.renderers.enable(RENDERER_NAME)
    # Data is embedded in each spec (charts are small); no data files are written beside it.
    alt.data_transformers.disable_max_rows()
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with the kernel
        return
    shell = get_ipython()
    if shell is not None:
        import pandas as pd

        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, _frame_html)


WIDTH = 560  # a single chart's width in the PDF and at first paint (the page then fits it)


def direct_labels(rows, x: str, y: str, label: str = "label", color: str = "series"):
    """Series named where they are drawn, instead of in a legend: one label per row of
    `rows`, set just below its point, starting at it (`align` "left") or ending at it
    ("right"), in its series' colour."""
    return alt.Chart(rows).mark_text(
        align=alt.ExprRef("datum.align"), baseline="top", dy=8, fontSize=12,
        fontWeight="bold").encode(x=x, y=y, text=f"{label}:N",
                                  color=alt.Color(f"{color}:N", legend=None))


def by_sign(field: str = "value"):
    """Bars coloured by sign: below zero in the palette's warm colour, else its blue."""
    return alt.condition(f"datum.{field} < 0", alt.value(PALETTE[3]), alt.value(PALETTE[0]))


def row_tooltip(value_title: str, *before: tuple[str, str], when: tuple[str, str] | None = (
        "period:N", "Period"), fmt: str = ",", qualifier: bool = False,
        definition: bool = True, by: str | None = "publisher:N",
        quote: bool = False) -> list:
    """The standard tooltip of a chart of sourced rows: the fields `before` (field, title),
    the period, the value (`fmt`: "," keeps the decimals the source gave and separates
    thousands), how the source qualified it, what is counted, who reported it and, with
    `quote`, the source's own words."""
    tips = [alt.Tooltip(field, title=title) for field, title in before]
    if when:
        tips.append(alt.Tooltip(when[0], title=when[1]))
    tips.append(alt.Tooltip("value:Q", title=value_title, format=fmt))
    if qualifier:
        tips.append(alt.Tooltip("qualifier:N", title="As reported"))
    if definition:
        tips.append(alt.Tooltip("definition:N", title="What is counted"))
    if by:
        tips.append(alt.Tooltip(by, title="Reported by" if by == "publisher:N" else "Source id"))
    if quote:
        tips.append(alt.Tooltip("quote:N", title="Words of the source"))
    return tips


def over_time(frame, events, y_title: str, tooltip: list, x_title: str = "Date",
              height: int = 300, description: str = ""):
    """A sourced series on a time axis (`date`, `value`), its points joined, with the key
    `events` (see `key_events`) drawn under it: the house's time chart."""
    line = alt.Chart(frame).mark_line(point=True).encode(
        x=alt.X("date:T", title=x_title), y=alt.Y("value:Q", title=y_title), tooltip=tooltip)
    return alt.layer(events_layer(events), line).properties(
        width=WIDTH, height=height, description=description)


def _marked(events):
    """The events with a `marker`, their short label for charts."""
    return events[events["marker"].notna() & (events["marker"].astype(str) != "")]


def key_events(events, start=None, end=None):
    """The events drawn on time charts: those with a `marker` (their short label) in
    data/events.csv, between `start` and `end` when given (so no line stretches the axis).
    `events` needs a Timestamp column `date`."""
    keyed = _marked(events)
    if start is not None:
        keyed = keyed[keyed["date"] >= start]
    if end is not None:
        keyed = keyed[keyed["date"] <= end]
    return keyed


LABEL_LINE = 13  # px between the rows of event labels above a time chart
EVENT_RULE = {"color": "#999999", "strokeDash": [4, 3], "strokeWidth": 1.2}


def events_layer(events):
    """Dashed vertical rules for dated events, each with its short label above the chart
    where the event has a `marker`, and the full event in the tooltip.

    `events` is a frame with `date` (Timestamp) and `event` columns (and `marker`), already
    filtered to the events that help the reader of this chart (`key_events` picks the
    report's key events). Layer it under a time chart whose x field is also temporal.
    """
    rules = (
        alt.Chart(events)
        .mark_rule(**EVENT_RULE)
        .encode(
            x=alt.X("date:T"),
            tooltip=[alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                     alt.Tooltip("event:N", title="Event")],
        )
    )
    labelled = _marked(events) if "marker" in events else events.iloc[:0]
    if labelled.empty:
        return rules
    # The labels stand above the plot, one line per event (the earliest on top), each joined
    # to its line by a short rule: close events cannot overprint one another, and no label
    # covers the data.
    n = len(labelled)
    labelled = labelled.sort_values("date").assign(
        label_y=[-2 - LABEL_LINE * (n - i) for i in range(n)])
    connectors = (
        alt.Chart(labelled)
        .mark_rule(**EVENT_RULE)
        .encode(x=alt.X("date:T"), y=alt.Y("label_y:Q", scale=None), y2=alt.value(0))
    )
    # A label sits right of its line if it fits before the chart's right edge, else left of
    # it (a label near the end of the time axis is not cut off on a narrow phone).
    fits = "scale('x', datum.date) + 4 + 6.5 * length(datum.marker) <= width"
    labels = (
        alt.Chart(labelled)
        .mark_text(align=alt.ExprRef(f"{fits} ? 'left' : 'right'"),
                   dx=alt.ExprRef(f"{fits} ? 4 : -4"),
                   baseline="top", fontSize=11, color="#555555")
        .encode(x=alt.X("date:T"), y=alt.Y("label_y:Q", scale=None), text="marker:N")
    )
    return alt.layer(rules, connectors, labels)


def long_labels(limit: int = 230):
    """An axis for long category labels ("Residence-permit holders (December 2022)"): each
    label breaks before its bracket onto a second line, and none is cut below `limit`
    pixels, so that on a phone a bar's name is read whole. Give the bars a step of about
    30 px for the two lines."""
    return alt.Axis(labelExpr="split(replace(datum.label, ' (', '\\n('), '\\n')",
                    labelLimit=limit, labelLineHeight=14)
