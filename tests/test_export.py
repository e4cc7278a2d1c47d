"""Chart export: every chart on every page offers PNG, SVG and CSV, and each file is what it claims.

The page tests capture the very callables the download buttons hold (by wrapping
`st.download_button` while AppTest runs the page) and call them, as a click would.
"""

import io
import re
import xml.etree.ElementTree as ET

import altair as alt
import numpy as np
import pandas as pd
import pytest
import streamlit
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import load_schema

from dashboard import export
from dashboard.charts.curves import curves_chart, curves_data
from dashboard.charts.style import SOLID
from dashboard.figure import Figure
from dashboard.i18n import LABEL_KEYS, catalog
from tests.apptest_helpers import charts as page_charts
from tests.apptest_helpers import run_app

KO = catalog("ko")
PAGES = {
    "home": (None, {}),
    "rnn": ("pages/vanishing_exploding.py", {"seq_len": "2000", "weight_scale": "1.5"}),
    "remedies": ("pages/remedies.py", {"seq_len": "300"}),
    "training": ("pages/training.py", {"train_model": "lstm", "train_seq_len": "8", "train_steps": "20"}),
    "attention": ("pages/attention.py", {}),
    "head_to_head": ("pages/head_to_head.py", {}),
    "depth": ("pages/depth.py", {"depth_layers": "100", "depth_activation": "relu"}),
    "real_transformer": ("pages/real_transformer.py", {"real_text": "genesis"}),
    "real_text": ("pages/real_text.py", {"text_span": "300"}),
    "retrieval": ("pages/retrieval.py", {"copy_gap": "64"}),
    "stability": ("pages/stability.py", {"stab_lr": "0.003"}),
    "comeback": ("pages/comeback.py", {"cb_seq_len": "500"}),
}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_MAGIC)
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _capture(monkeypatch) -> list[dict]:
    """Record every download button's arguments, then draw it as usual."""
    seen, real = [], streamlit.download_button

    def recording(label, data, **kwargs):
        seen.append({"label": label, "data": data, **kwargs})
        return real(label, data, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording)
    return seen


def _check_file(button: dict) -> None:
    """Call the button's callable as a click would, and check the file against its type."""
    content = button["data"]()
    name = button["file_name"]
    if name.endswith(".png"):
        width, height = _png_size(content)
        assert width >= 200 and height >= 100, (name, width, height)
        assert button["mime"] == "image/png"
    elif name.endswith(".svg"):
        root = ET.fromstring(content)
        assert root.tag.endswith("svg") and float(root.get("width")) >= 100, name
        assert button["mime"] == "image/svg+xml"
    else:
        assert name.endswith(".csv") and button["mime"] == "text/csv"
        table = pd.read_csv(io.StringIO(content))
        assert len(table) > 0 and len(table.columns) > 1, name
        numbers = table.select_dtypes("number")
        finite = np.isfinite(numbers) | np.isneginf(numbers)  # -inf: an exactly-zero gradient
        assert (finite | numbers.isna()).all().all(), name


def _capture_charts(monkeypatch) -> list:
    """Record every chart drawn through dashboard.export.vega_spec."""
    drawn, real = [], export.vega_spec

    def recording(chart):
        drawn.append(chart)
        return real(chart)

    monkeypatch.setattr(export, "vega_spec", recording)
    return drawn


def validated(chart) -> dict:
    """The chart's full spec (a Figure's template with its tables inlined), checked against the
    Vega-Lite schema: raises on any invalid spec."""
    if isinstance(chart, Figure):
        spec = chart.inline()
        validate_jsonschema(spec, load_schema())
        return spec
    return chart.to_dict(validate=True)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_chart_validates_against_the_vega_lite_schema(page, monkeypatch):
    """The pages skip Altair's validation on each rerun (for speed): the tests do it instead."""
    unpatched = export.vega_spec
    drawn = _capture_charts(monkeypatch)
    path, query = PAGES[page]
    at = run_app(query, page=path)
    if page == "training":
        at.button(key="train_button").click().run()
    assert not at.exception
    assert len(drawn) >= len(page_charts(at)) > 0
    for chart in drawn:
        spec = validated(chart)
        sent = unpatched(chart)
        assert sent.keys() - {"datasets", "usermeta"} == spec.keys() - {"datasets", "usermeta"}
        assert sent["usermeta"] == {"embedOptions": {"renderer": "canvas"}}
        # no per-item ARIA descriptions on the canvas (a redraw cost); the exported file keeps them
        assert sent["config"]["aria"] is False and "aria" not in export.export_spec(chart)["config"]
        if isinstance(chart, Figure):  # every table a layer names is sent, and nothing else
            named = set(re.findall(r'"data": \{"name": "([^"]+)"', chart.spec))
            assert named == set(sent["datasets"]) == set(chart.data)


@pytest.mark.parametrize("page", list(PAGES))
def test_every_chart_has_working_png_svg_and_csv_downloads(page, monkeypatch):
    seen = _capture(monkeypatch)
    path, query = PAGES[page]
    at = run_app(query, page=path)
    if page == "training":  # a finished job adds its three curves
        at.button(key="train_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    drawn = page_charts(at)
    buttons = [b for b in seen if b["key"].startswith("export-")]
    buttons = list({b["key"]: b for b in buttons}.values())  # the last run's (the training page reruns)
    assert len(buttons) == 3 * len(drawn) > 0
    assert [b.label for b in at.get("download_button")] == ["PNG", "SVG", "CSV"] * len(drawn)
    names = [b["file_name"] for b in buttons]
    assert len(set(names)) == len(names)  # unique file names on a page
    assert all(b["on_click"] == "ignore" and callable(b["data"]) for b in buttons)  # nothing computed until clicked
    for button in buttons:
        _check_file(button)


def test_the_rnn_pages_csv_holds_every_word_with_both_theory_lines(monkeypatch):
    seen = _capture(monkeypatch)
    at = run_app({"seq_len": "2000", "weight_scale": "0.5", "nonlinearity": "linear"}, page=PAGES["rnn"][0])
    assert not at.exception
    name = "gradient-lab-gradient_nonlinearity-linear_seq_len-2000_weight_scale-0.5.csv"  # the settings, in order
    csv = next(b for b in seen if b["file_name"] == name)["data"]()
    table = pd.read_csv(io.StringIO(csv)).sort_values("distance")
    assert table["distance"].tolist() == list(range(2000))  # not thinned to the 800 points drawn
    # ρ^d in log10, exactly the closed form (orthogonal W: ρ = ‖W‖₂ = 0.5)
    np.testing.assert_allclose(table["rho_line"] - table["rho_line"].iloc[0], table["distance"] * np.log10(0.5))


def test_a_download_gives_the_chart_of_the_latest_move_in_the_pages_language_and_names_its_settings(monkeypatch):
    """A slider move redraws the chart's download row: its files are of the chart drawn now, named by
    its settings.  Streamlit calls a button's callable outside any script run (no session state
    there): the CSV's labels must still be in the language the chart was drawn in."""
    seen = _capture(monkeypatch)
    at = run_app({"lang": "ko", "seq_len": "300", "forget_bias": "3.0"}, page="pages/remedies.py")
    at.session_state["remedy"] = "all"  # the section with every model, as the selector picks it
    at.run()
    assert not at.exception

    def latest_csv():
        return [b for b in seen if b["file_name"].startswith("gradient-lab-all-remedies") and b["mime"] == "text/csv"][
            -1
        ]

    button = latest_csv()
    assert button["file_name"] == "gradient-lab-all-remedies_seq_len-300_forget_bias-3.csv"
    table = pd.read_csv(io.StringIO(button["data"]()))  # called here, after the run, as a click would
    assert KO["rem.series_birnn"] in set(table["series"])
    assert KO["rem.series_lstm"].format(b=3.0) in set(table["series"])
    assert table["distance"].max() == 299
    at.slider(key="forget_bias").set_value(5.0).run()  # the row is drawn again, for the new chart
    button = latest_csv()
    assert button["file_name"] == "gradient-lab-all-remedies_seq_len-300_forget_bias-5.csv"
    table = pd.read_csv(io.StringIO(button["data"]()))
    assert KO["rem.series_lstm"].format(b=5.0) in set(table["series"])


def test_an_image_is_headed_by_its_title_and_every_setting_of_the_page(monkeypatch):
    seen = _capture(monkeypatch)
    at = run_app({"lang": "ko", "seq_len": "300", "weight_scale": "1.1"}, page=PAGES["rnn"][0])
    assert not at.exception
    svg = next(b for b in seen if b["file_name"] == "gradient-lab-gradient_seq_len-300_weight_scale-1.1.svg")["data"]()
    assert KO["rnn.main_chart"] in svg  # the chart's heading on the page
    for setting in ("seq_len=300", "weight_scale=1.1", "hidden_size=64", "seed=0", "init=orthogonal"):
        assert setting in svg  # every setting, the defaults too, as the link writes it
    assert 'font-family="Noto Sans CJK KR"' in svg and "serif" not in svg.replace("sans-serif", "")


def test_file_names_say_the_settings_that_differ_and_nothing_unsafe():
    defaults = {"seq_len": 100, "weight_scale": 0.9, "init": "orthogonal", "att_text": "The cat", "att_pe": True}
    same = dict(defaults)
    assert export.file_stem("gradient", same, defaults) == "gradient-lab-gradient"
    changed = {**defaults, "seq_len": 300, "weight_scale": 1.25, "att_text": "../../etc/passwd <b>", "att_pe": False}
    assert (
        export.file_stem("gradient", changed, defaults)
        == "gradient-lab-gradient_seq_len-300_weight_scale-1.25_att_pe-false"
    )
    many = {f"setting_{k}": k for k in range(100)}  # no defaults known: every one is said, up to the cap
    stem = export.file_stem("x", many, {})
    assert len(stem) <= export.FILE_STEM and stem.startswith("gradient-lab-x_setting_0-0_setting_1-1")
    assert export.setting_text(0.9) == "0.9" and export.setting_text(True) == "true"
    assert export.setting_text("a" * 100) == '"' + "a" * export.SETTING_TEXT + '…"'


def test_korean_text_reaches_the_images():
    labels = {name: KO[key] for name, key in LABEL_KEYS.items()}
    curve = pd.DataFrame({"distance": np.arange(50), "log10": -0.1 * np.arange(50)})
    data = curves_data({labels["measured"]: curve}, labels)
    chart = curves_chart(data, labels, {labels["measured"]: ("#000000", SOLID)}, labels["measured"])
    svg = export.to_svg(chart)
    assert labels["axis_distance"] in svg and labels["measured"] in svg
    width, _ = _png_size(export.to_png(chart))
    assert width >= 2 * export.EXPORT_WIDTH  # PNG_SCALE = 2


def test_spec_sizes_page_wide_charts_and_keeps_fixed_ones():
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    wide = alt.Chart(frame).mark_line().encode(x="x", y="y")
    assert export.export_spec(wide)["width"] == export.EXPORT_WIDTH
    assert export.export_spec(wide.properties(width=300))["width"] == 300
    facet = wide.properties(width=200).facet(column="x:N")
    assert "width" not in export.export_spec(facet) and export.export_spec(facet)["spec"]["width"] == 200
    assert _png_size(export.to_png(alt.hconcat(wide.properties(width=150), wide.properties(width=150))))[0] > 600


def test_csv_round_trips_exact_floats_and_zero_gradients():
    frame = pd.DataFrame({"distance": [0, 1, 2], "log10": [0.1 + 0.2, -1e-300, -np.inf], "series": ["a", "a", "a"]})
    back = pd.read_csv(io.StringIO(export.to_csv(frame)))
    pd.testing.assert_frame_equal(back, frame)


def test_chart_table_finds_layers_and_facets_and_prefers_given_data():
    one = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    two = pd.DataFrame({"x": [5], "y": [6]})
    line = alt.Chart(one).mark_line().encode(x="x", y="y")
    dot = alt.Chart(two).mark_point().encode(x="x", y="y")
    assert export.chart_table(line) is one
    assert export.chart_table(line.facet(column="x:N")) is one
    stacked = export.chart_table(alt.layer(line, dot))
    assert stacked["part"].tolist() == [0, 0, 1] and stacked["y"].tolist() == [3, 4, 6]
    assert export.chart_table(alt.layer(line, line)) is one  # a shared frame once
    assert export.table_of(line, two) is two and export.table_of(line, lambda: two) is two


def test_rendering_never_fetches_from_the_network():
    remote = alt.Chart(alt.UrlData("http://127.0.0.1:9/data.csv")).mark_point().encode(x="a:Q")
    with pytest.raises(Exception, match="(?i)not allowed|denied|access"):
        export.to_png(remote)
