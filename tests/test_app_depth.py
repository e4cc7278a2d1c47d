"""The Depth page (#23, first section) under AppTest: controls at min, max and defaults, the link, Korean,
and a caption that reads the chart's numbers."""

import math

import numpy as np
import pytest

from core.depth import DepthConfig, derivative_bound_by_layer, gradient_by_layer
from dashboard.depth_view import PAGE_DEFAULTS, RANGES
from dashboard.i18n import catalog
from tests.apptest_helpers import assert_charts_sound, charts, run_app

PAGE = "pages/depth.py"
KO = catalog("ko")


def _lines(at):
    chart = charts(at)[0]
    return next(frame for frame in chart["data"] if "part" in frame and "log10" in frame)


def _open(query=None):
    at = run_app(query or {}, page=PAGE)
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("where", ["min", "default", "max"])
def test_every_slider_at_its_min_default_and_max(where):
    query = {}
    for name, (lo, hi, _) in RANGES.items():
        value = {"min": lo, "max": hi, "default": getattr(PAGE_DEFAULTS, name)}[where]
        query[f"depth_{name}"] = str(value)
    at = _open(query)
    assert not at.toast  # every value was taken
    assert_charts_sound(at)
    layers = int(query["depth_layers"])
    measured = _lines(at)
    assert measured["distance"].max() == layers


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("residual,norm", [(False, False), (True, True)])
def test_the_chart_draws_the_measurement_and_the_caption_says_its_numbers(activation, residual, norm):
    query = {"depth_activation": activation, "depth_layers": "40", "depth_width": "32"}
    query.update({"depth_residual": str(residual).lower(), "depth_norm": str(norm).lower()})
    at = _open(query)
    cfg = DepthConfig(layers=40, width=32, activation=activation, residual=residual, norm=norm)
    expected = gradient_by_layer(cfg)["log10_grad_norm"].to_numpy()
    lines = _lines(at)
    series = set(lines["series"])
    measured = lines[lines["series"] == catalog("en")["depth.series_measured"]].sort_values("distance")
    # the chart cuts lines at the y range it shows, never the measured one (an anchor)
    np.testing.assert_allclose(measured["log10"], expected, atol=1e-9)
    has_bound = catalog("en")["depth.series_bound"] in series
    assert has_bound == (not residual and not norm)
    caption = at.caption[0].value
    assert f"10^{expected[0]:.1f}" in caption
    assert f"×{10 ** (expected[0] / 39):.3g}" in caption
    if has_bound:
        bound = derivative_bound_by_layer(cfg)
        assert (expected <= bound + 1e-9).all()


def test_more_layers_show_more_vanishing_on_the_page():
    first = []
    for layers in (10, 40, 100):
        lines = _lines(_open({"depth_layers": str(layers)}))
        first.append(float(lines[lines["distance"] == 1]["log10"].iloc[0]))
    assert first[0] > first[1] > first[2] and first[2] < -40


def test_korean_interface_translates_the_page_and_keeps_the_codes_in_the_link():
    at = _open({"lang": "ko", "depth_activation": "sigmoid", "depth_init": "orthogonal"})
    assert at.title[0].value == KO["depth.title"]
    assert at.selectbox(key="depth_init").options[2] == KO["choice.winit_orthogonal"]
    assert at.query_params["depth_init"] == "orthogonal"
    assert "층" in at.caption[0].value
    chart = charts(at)[0]
    assert KO["depth.axis_layer"] in str(chart["spec"])


@pytest.mark.parametrize("key,value", [("depth_layers", "1000"), ("depth_layers", "abc"), ("depth_init", "kaiming")])
def test_a_bad_link_value_is_ignored_with_a_notice(key, value):
    at = _open({key: value})
    assert at.toast and key in at.toast[0].value and value not in at.toast[0].value
    assert_charts_sound(at)


def test_reset_puts_every_control_back():
    at = _open({"depth_layers": "77", "depth_activation": "relu", "depth_residual": "true"})
    at.button(key="reset_defaults").click().run()
    at.run()
    assert at.slider(key="depth_layers").value == PAGE_DEFAULTS.layers
    assert at.selectbox(key="depth_activation").value == PAGE_DEFAULTS.activation
    assert at.toggle(key="depth_residual").value is False
    assert not {"depth_layers", "depth_activation", "depth_residual"} & set(at.query_params)


def test_one_layer_says_so():
    at = _open({"depth_layers": "1"})
    assert at.caption[0].value == catalog("en")["depth.caption_one"]
    assert math.isclose(float(_lines(at)["log10"].iloc[0]), 0.0)


def _series(at, chart_index, name):
    chart = charts(at)[chart_index]
    lines = next(frame for frame in chart["data"] if "part" in frame and "log10" in frame)
    return lines[lines["series"] == name].sort_values("distance")


UNROLLED_QUERIES = [
    {},  # the defaults
    {"unroll_seq_len": "500", "unroll_weight_scale": "1.5", "unroll_phi": "relu"},  # the maxima
    {"unroll_seq_len": "2", "unroll_weight_scale": "0.5", "unroll_init": "nonnormal"},  # the minima
]


@pytest.mark.parametrize("query", UNROLLED_QUERIES)
def test_the_tied_unrolled_rnn_is_the_rnn_labs_probe_and_the_caption_says_both_first_words(query):
    from core.probe import gradient_through_time
    from dashboard.depth_view import UNROLLED_DEFAULTS, UNROLLED_WIDTH

    at = _open(query)
    en = catalog("en")
    T = int(query.get("unroll_seq_len", UNROLLED_DEFAULTS["seq_len"]))
    rho = float(query.get("unroll_weight_scale", UNROLLED_DEFAULTS["weight_scale"]))
    phi = query.get("unroll_phi", "tanh")
    init = query.get("unroll_init", "orthogonal")
    probe = gradient_through_time(
        "rnn", seq_len=T, hidden_size=UNROLLED_WIDTH, weight_scale=rho, nonlinearity=phi, init=init
    ).sort_values("distance")
    tied = _series(at, 1, en["depth.series_tied"])
    finite = np.isfinite(probe["log10_grad_norm"].to_numpy())
    np.testing.assert_allclose(tied["log10"], probe["log10_grad_norm"].to_numpy()[finite], atol=1e-9)
    first = probe["log10_grad_norm"].iloc[-1]  # the first word: distance T − 1
    assert f"10^{first:.1f}" in at.caption[1].value and f"T = {T}" in at.caption[1].value
    assert len(_series(at, 1, en["depth.series_untied"])) > 0


def test_the_unrolled_section_speaks_korean_and_keeps_its_codes_in_the_link():
    at = _open({"lang": "ko", "unroll_phi": "linear"})
    assert at.selectbox(key="unroll_phi").value == "linear"
    assert at.query_params["unroll_phi"] == "linear"
    assert any(KO["depth.series_tied"] in set(frame.get("series", [])) for frame in charts(at)[1]["data"])
    assert "T = 100" in at.caption[1].value and "첫 단어" in at.caption[1].value
