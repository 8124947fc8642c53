"""The chart theme and the offline renderer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from exodus import charts, sphinx_ext

STATIC = Path(sphinx_ext.__file__).with_name("static") / "exodus"


@pytest.fixture(autouse=True)
def house_style():
    charts.enable()


def small_chart(description="Line chart of a test series rising from 1 to 3."):
    frame = pd.DataFrame({"year": [2019, 2020, 2021], "value": [1.0, 2.5, 3.0]})
    chart = alt.Chart(frame).mark_line().encode(
        x=alt.X("year:O", title="Year"), y=alt.Y("value:Q", title="Value (units)"))
    return chart.properties(description=description) if description else chart


def test_bundle_has_html_pdf_and_text():
    bundle = small_chart()._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert set(bundle) == {"text/html", "image/svg+xml", "text/plain"}
    assert bundle["image/svg+xml"].startswith("<svg")


def test_html_carries_compiled_vega_spec_with_the_data_and_no_script_code():
    html = charts.html_bundle(small_chart().to_dict())
    spec_text = re.search(r'<script type="application/json" class="exodus-chart-spec">(.*)'
                          r"</script>", html).group(1)
    spec = json.loads(spec_text)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega/")  # Vega, not VL
    assert [row["value"] for row in spec["data"][0]["values"]] == [1.0, 2.5, 3.0]
    assert "<script>" not in html and "vegaEmbed" not in html and "cdn" not in html


def test_html_escapes_markup_inside_the_spec():
    frame = pd.DataFrame({"label": ["</script><b>x</b>"], "value": [1]})
    chart = alt.Chart(frame).mark_bar().encode(x="label:N", y="value:Q").properties(
        description="Bar chart with a hostile label.")
    html = charts.html_bundle(chart.to_dict())
    assert "</script><b>" not in html
    assert html.count("</script>") == 1


def test_same_spec_gives_same_html():
    spec = small_chart().to_dict()
    assert charts.html_bundle(spec) == charts.html_bundle(spec)
    other = small_chart("Another description.").to_dict()
    assert charts.chart_id(spec) != charts.chart_id(other)


def test_chart_without_description_is_refused():
    with pytest.raises(ValueError, match="chart has no description"):
        charts.html_bundle(small_chart(description=None).to_dict())


def test_theme_uses_colour_blind_safe_palette_and_no_chart_title():
    config = charts.theme()["config"]
    assert config["range"]["category"][:3] == ["#0072B2", "#E69F00", "#009E73"]
    spec = small_chart().to_dict()
    assert "title" not in spec


def test_svg_is_byte_identical_between_runs():
    """Notebooks store the SVG and nbval compares it unmasked: it must not vary."""
    frame = pd.DataFrame({"year": [2019, 2020, 2021], "value": [1.0, 2.5, 3.0],
                          "kind": ["a", "b", "c"], "q": ["x", "y", "x"]})
    spec = alt.Chart(frame).mark_point(filled=True).encode(
        x="year:O", y="value:Q", color="kind:N", shape="q:N").properties(
        description="Points with two legends.").to_dict()
    outputs = {charts.svg_bundle(spec) for _ in range(8)}
    assert len(outputs) == 1
    assert outputs.pop().startswith("<svg")


def test_vendored_vega_matches_the_vega_that_draws_the_pdf():
    head = (STATIC / "vega.min.js").read_text(encoding="utf-8")[:5000]
    assert sphinx_ext.VENDORED_VEGA_VERSION == vlc.get_vega_version()
    assert f'"{vlc.get_vega_version()}"' in head or vlc.get_vega_version() in \
        (STATIC / "vega.min.js").read_text(encoding="utf-8")
    assert "BSD" in (STATIC / "LICENSE-vega.txt").read_text(encoding="utf-8") or \
        "Redistribution" in (STATIC / "LICENSE-vega.txt").read_text(encoding="utf-8")


def test_every_chart_carries_its_data_as_table_and_csv():
    from urllib.parse import unquote

    html = charts.html_bundle(small_chart().to_dict())
    assert '<details class="exodus-chart-data">' in html
    assert html.count("<tr>") == 4  # header and three rows
    csv_text = unquote(re.search(r'href="data:text/csv;charset=utf-8,([^"]*)"', html).group(1))
    assert csv_text.splitlines() == ["year,value", "2019,1.0", "2020,2.5", "2021,3.0"]


def test_data_block_escapes_markup():
    frame = pd.DataFrame({"label": ["<script>alert(1)</script>"], "value": [1]})
    chart = alt.Chart(frame).mark_bar().encode(x="label:N", y="value:Q").properties(
        description="Bar chart with a hostile label.")
    block = charts.data_block(chart.to_dict(), "chart-x")
    assert "<script>" not in block and "&lt;script&gt;" in block
