"""The chart theme and the offline renderer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
import vl_convert as vlc

from exodus import charts, ext_assets, sphinx_ext

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
    assert ext_assets.VENDORED_VEGA_VERSION == vlc.get_vega_version()
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


def test_data_table_headers_are_for_readers_and_the_csv_keeps_the_column_names():
    from urllib.parse import unquote

    frame = pd.DataFrame({"source_id": ["a_1"], "share_of_gdp": [2.5]})
    chart = alt.Chart(frame).mark_bar().encode(x="source_id:N", y="share_of_gdp:Q").properties(
        description="Bar chart of one share.")
    block = charts.data_block(chart.to_dict(), "chart-x")
    heads = re.findall(r'<th scope="col">([^<]*)</th>', block)
    assert heads == ["Source id", "Share of gdp"]
    csv_text = unquote(re.search(r'href="data:text/csv;charset=utf-8,([^"]*)"', block).group(1))
    assert csv_text.splitlines()[0] == "source_id,share_of_gdp"


def test_data_tables_show_values_as_readers_read_them_and_the_csv_as_they_are():
    from urllib.parse import unquote

    frame = pd.DataFrame({"id": ["rel_1", "rel_2"], "year": [2019, 2021],
                          "period": ["2022-03", "2021/2024"], "value": [19898.0, 86.95],
                          "low": [-980.0, None], "derived": [False, True],
                          "date": pd.to_datetime(["2022-03-31", "2024-12-31"])})
    chart = alt.Chart(frame).mark_bar().encode(x="date:T", y="value:Q").properties(
        description="Bar chart of two values.")
    block = charts.data_block(chart.to_dict(), "chart-x")
    cells = [re.findall(r"<td>([^<]*)</td>", row)
             for row in re.findall(r"<tr>(.*?)</tr>", block)[1:]]
    assert cells == [
        ["rel_1", "2019", "March 2022", "19,898", "-980", "no", "31 March 2022"],
        ["rel_2", "2021", "2021 to 2024", "86.95", "", "yes", "31 December 2024"]]
    csv_text = unquote(re.search(r'href="data:text/csv;charset=utf-8,([^"]*)"', block).group(1))
    assert csv_text.splitlines()[1] == "rel_1,2019,2022-03,19898.0,-980.0,False,2022-03-31T00:00:00"


def test_data_block_escapes_markup():
    frame = pd.DataFrame({"label": ["<script>alert(1)</script>"], "value": [1]})
    chart = alt.Chart(frame).mark_bar().encode(x="label:N", y="value:Q").properties(
        description="Bar chart with a hostile label.")
    block = charts.data_block(chart.to_dict(), "chart-x")
    assert "<script>" not in block and "&lt;script&gt;" in block


# ------------------------------------------------- a chart's data is checked before drawing


def _spec(frame: pd.DataFrame, **encoding) -> dict:
    return (alt.Chart(frame).mark_point().encode(**encoding)
            .properties(description="a test chart").to_dict())


@pytest.mark.parametrize("value", [None, float("nan"), "2018---", "July 2018", "0NaN"])
def test_a_missing_or_unparsable_date_is_refused_naming_the_row(value):
    frame = pd.DataFrame({"id": ["ok_1", "bad_1"], "date": ["2018-07", value],
                          "value": [1.0, 2.0]})
    with pytest.raises(charts.ChartDataError, match=r"bad_1: date = ") as err:
        charts.renderer(_spec(frame, x="date:T", y="value:Q"))
    assert "ok_1" not in str(err.value) and "a test chart" in str(err.value)


def test_a_missing_number_is_refused_but_iso_dates_and_numbers_pass():
    frame = pd.DataFrame({"id": ["a", "b"], "date": ["2018", "2020-12-31T00:00:00"],
                          "value": [1.0, None]})
    with pytest.raises(charts.ChartDataError, match=r"b: value = None"):
        charts.check_data(_spec(frame, x="date:T", y="value:Q"))
    charts.check_data(_spec(frame.dropna(), x="date:T", y="value:Q"))


def test_a_field_only_in_the_tooltip_or_only_in_another_layer_is_not_drawn():
    frame = pd.DataFrame({"id": ["a", "b"], "value": [1.0, 2.0], "low": [0.5, None],
                          "note": [None, "x"]})
    points = alt.Chart(frame).mark_point().encode(
        x="value:Q", tooltip=[alt.Tooltip("low:Q"), alt.Tooltip("note:N")])
    bars = alt.Chart(frame.dropna(subset=["low"])).mark_rule().encode(x="low:Q", x2="value:Q")
    charts.check_data(alt.layer(points, bars).properties(description="d").to_dict())
    drawn = alt.Chart(frame).mark_rule().encode(x="low:Q", x2="value:Q")
    with pytest.raises(charts.ChartDataError, match="b: low = None"):
        charts.check_data(alt.layer(points, drawn).properties(description="d").to_dict())


@pytest.mark.parametrize("show", ["chart", "from myst_nb import glue\nglue('fig', chart, "
                                           "display=False)"], ids=["shown", "glued"])
def test_an_error_while_showing_an_output_fails_the_build(tmp_path, show):
    """IPython records an exception raised by a display hook as an output and carries on;
    the build must stop on it rather than publish a chapter without its chart."""
    import nbformat

    from exodus import build

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import altair as alt\nimport pandas as pd\nfrom exodus import charts\n"
        "charts.enable()\n"
        "frame = pd.DataFrame({'id': ['bad_1'], 'date': ['2018---'], 'value': [1]})\n"
        "chart = alt.Chart(frame).mark_point().encode(x='date:T', y='value:Q')"
        ".properties(description='a broken chart')\n" + show)])
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(build.BuildError) as err:
        build.execute_notebook(tmp_path, path)
    message = str(err.value)
    assert "broken.ipynb" in message and "nothing was published" in message
    assert "ChartDataError: the chart 'a broken chart...' would draw 1 missing" in message
    assert "bad_1: date = '2018---'" in message and "Traceback" not in message


def test_a_layer_with_no_rows_is_refused():
    """An events layer whose filter matched nothing (old ids, say) drew nothing, silently."""
    frame = pd.DataFrame({"id": ["a"], "date": ["2020-08-09"], "value": [1.0]})
    empty = frame.iloc[0:0]
    layered = alt.layer(alt.Chart(frame).mark_point().encode(x="date:T", y="value:Q"),
                        alt.Chart(empty).mark_rule().encode(x="date:T"))
    with pytest.raises(charts.ChartDataError, match="empty dataset"):
        charts.check_data(layered.properties(description="d").to_dict())


def test_codes_in_a_charts_data_become_the_labels_readers_see():
    frame = pd.DataFrame({"id": ["a", "b"], "value": [1.0, 2.0],
                          "source_kind": ["belarusian_state", "exiled_media"],
                          "qualifier": ["more_than", "exact"], "geography": ["PL", "LT"],
                          "note": ["belarusian_state", "x"]})
    spec = charts.readable(_spec(frame, x="value:Q", color="source_kind:N"))
    rows = next(iter(spec["datasets"].values()))
    assert [r["source_kind"] for r in rows] == ["Belarusian state", "Exiled media"]
    assert [r["qualifier"] for r in rows] == ["more than", "exactly"]
    assert [r["geography"] for r in rows] == ["Poland", "Lithuania"]
    assert rows[0]["note"] == "belarusian_state"  # free text is not a code
    assert rows[0]["id"] == "a" and rows[0]["value"] == 1.0


def test_key_events_are_drawn_as_lines_with_their_short_labels_and_others_as_lines_only():
    events = pd.DataFrame({"date": pd.to_datetime(["2020-08-09", "2021-06-04", "2022-02-24"]),
                           "event": ["Election", "Airspace ban", "Invasion"],
                           "marker": ["2020 election", None, "Invasion of Ukraine"]})
    spec = charts.events_layer(events).to_dict()
    rules, connectors, labels = spec["layer"]
    data = spec["datasets"]
    assert len(data[rules["data"]["name"]]) == 3
    drawn = data[labels["data"]["name"]]
    assert [row["marker"] for row in drawn] == ["2020 election", "Invasion of Ukraine"]
    # Above the plot (y < 0 px), one row per label at least a line of 11 px type apart, so
    # close events cannot overprint each other or the data.
    rows = [row["label_y"] for row in drawn]
    assert all(y < 0 for y in rows) and rows[1] - rows[0] >= 11
    assert connectors["encoding"]["y2"] == {"value": 0}
    assert data[connectors["data"]["name"]] == drawn
    keyed = charts.key_events(events, start=pd.Timestamp("2021-01-01"))
    assert keyed["marker"].tolist() == ["Invasion of Ukraine"]


@pytest.mark.parametrize("width", [300, 560])
def test_an_event_label_near_the_right_edge_is_drawn_left_of_its_line(width):
    """Drawn by Vega at a phone's and a desktop's width: every label lies inside the chart,
    the late one ending at its line, the early one starting at its line."""
    events = pd.DataFrame({"date": pd.to_datetime(["2020-08-09", "2022-02-24"]),
                           "event": ["Election", "Invasion"],
                           "marker": ["2020 election", "Invasion of Ukraine"]})
    line = alt.Chart(pd.DataFrame({"date": pd.to_datetime(["2019-01-01", "2022-06-30"]),
                                   "v": [1, 2]})).mark_line().encode(x="date:T", y="v:Q")
    chart = alt.layer(charts.events_layer(events), line).properties(width=width, height=120)
    svg = vlc.vegalite_to_svg(chart.to_dict())
    drawn = {m.group(3): (m.group(1), float(m.group(2))) for m in re.finditer(
        r'<text[^>]*text-anchor="(\w+)" transform="translate\(([\d.]+),-?[\d.]+\)"[^>]*>'
        r"(2020 election|Invasion of Ukraine)</text>", svg)}
    assert drawn["2020 election"][0] == "start"
    anchor, x = drawn["Invasion of Ukraine"]
    assert anchor == "end"
    # Its right end is left of the line (dx = -4), and it starts inside the plot.
    assert x < width and x - 6.5 * len("Invasion of Ukraine") > 0


def test_bars_below_zero_take_the_warm_colour():
    frame = pd.DataFrame({"period": ["2022", "2023"], "value": [12509.0, -980.0]})
    chart = alt.Chart(frame).mark_bar().encode(x="period:N", y="value:Q",
                                               color=charts.by_sign())
    svg = vlc.vegalite_to_svg(chart.to_dict())
    fills = re.findall(r'aria-label="period: (\d{4}); value: [^"]*"[^>]*fill="(#[0-9A-Fa-f]+)"',
                       svg)
    assert dict(fills) == {"2022": charts.PALETTE[0], "2023": charts.PALETTE[3]}


def test_series_named_on_the_chart_take_their_lines_colour_and_no_legend():
    frame = pd.DataFrame({"year": [2010, 2021, 2014, 2023], "value": [200.0, 3000.0, 600.0, 1800.0],
                          "series": ["National", "National", "Park", "Park"]})
    named = pd.DataFrame({"year": [2010, 2023], "value": [200.0, 1800.0],
                          "series": ["National", "Park"], "label": ["All", "Park residents"],
                          "align": ["left", "right"]})
    lines = alt.Chart(frame).mark_line().encode(x="year:Q", y="value:Q",
                                                color=alt.Color("series:N", legend=None))
    svg = vlc.vegalite_to_svg(alt.layer(
        lines, charts.direct_labels(named, "year:Q", "value:Q")).properties(width=300).to_dict())
    strokes = re.findall(r'aria-label="[^"]*series: (National|Park)[^"]*"[^>]*stroke="(#\w+)"',
                         svg)
    labels = {m.group(3): (m.group(1), m.group(2)) for m in re.finditer(
        r'<text[^>]*text-anchor="(\w+)"[^>]*fill="(#\w+)"[^>]*>(All|Park residents)</text>', svg)}
    colour = dict(strokes)
    assert labels == {"All": ("start", colour["National"]),
                      "Park residents": ("end", colour["Park"])}
    assert colour["National"] != colour["Park"]
    assert "role-legend" not in svg
