"""The Depth page (#23, first section) under AppTest: controls at min, max and defaults, the link, Korean,
and a caption that reads the chart's numbers."""

import math

import numpy as np
import pytest

from core.depth import DepthConfig, derivative_bound_by_layer, gradient_by_layer
from dashboard.depth_view import PAGE_DEFAULTS, RANGES
from dashboard.i18n import catalog
from tests.apptest_helpers import assert_charts_sound, assert_draws, charts, run_app

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
    frame = gradient_by_layer(cfg)
    expected = frame["log10_grad_norm"].to_numpy()
    series = set(_lines(at)["series"])
    # the chart cuts lines at the y range it shows, never the measured one (an anchor)
    assert_draws(charts(at)[0], catalog("en")["depth.series_measured"], frame["layer"], expected)
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
    finite = probe[np.isfinite(probe["log10_grad_norm"])]
    assert_draws(charts(at)[2], en["depth.series_tied"], finite["distance"], finite["log10_grad_norm"])
    first = probe["log10_grad_norm"].iloc[-1]  # the first word: distance T − 1
    assert f"10^{first:.1f}" in at.caption[2].value and f"T = {T}" in at.caption[2].value
    assert len(_series(at, 2, en["depth.series_untied"])) > 0


def test_the_unrolled_section_speaks_korean_and_keeps_its_codes_in_the_link():
    at = _open({"lang": "ko", "unroll_phi": "linear"})
    assert at.selectbox(key="unroll_phi").value == "linear"
    assert at.query_params["unroll_phi"] == "linear"
    assert any(KO["depth.series_tied"] in set(frame.get("series", [])) for frame in charts(at)[2]["data"])
    assert "T = 100" in at.caption[2].value and "첫 단어" in at.caption[2].value


@pytest.mark.parametrize("query", [{}, {"depth_activation": "relu", "depth_init": "he", "depth_scale": "1.5"}])
def test_the_variance_line_is_drawn_for_plain_layers_and_the_caption_gives_both_factors(query):
    from core.depth import variance_prediction_by_layer

    at = _open(query)
    en = catalog("en")
    cfg = DepthConfig(
        layers=PAGE_DEFAULTS.layers,
        activation=query.get("depth_activation", PAGE_DEFAULTS.activation),
        init=query.get("depth_init", PAGE_DEFAULTS.init),
        scale=float(query.get("depth_scale", PAGE_DEFAULTS.scale)),
    )
    predicted = variance_prediction_by_layer(cfg)
    line = _series(at, 0, en["depth.series_variance"])
    shown = np.isfinite(predicted)  # the chart cuts theory lines where they leave the measured range
    assert len(line) > 0
    expected = np.interp(line["distance"], np.arange(1, cfg.layers + 1)[shown], predicted[shown])
    np.testing.assert_allclose(line["log10"], expected, atol=1e-9)
    measured = gradient_by_layer(cfg)["log10_grad_norm"].to_numpy()
    per_layer = lambda v: f"×{10 ** (v / (cfg.layers - 1)):.3g}"  # noqa: E731
    assert f"predicts {per_layer(predicted[0])}" in at.caption[0].value
    assert f"measured, {per_layer(measured[0])}" in at.caption[0].value


def test_a_residual_network_has_neither_theory_line():
    at = _open({"depth_residual": "true"})
    series = set(_lines(at)["series"])
    en = catalog("en")
    assert en["depth.series_variance"] not in series and en["depth.series_bound"] not in series
    assert en["depth.caption_no_bound"] in at.caption[0].value


@pytest.mark.parametrize("init,rho", [("nonnormal", "0.9"), ("orthogonal", "1.0"), ("gaussian", "0.99")])
def test_the_unrolled_caption_says_where_the_shared_w_differs_from_independent_ones(init, rho):
    from core.depth import shared_matrix_norms, unrolled_rnn

    at = _open({"unroll_init": init, "unroll_weight_scale": rho, "unroll_phi": "tanh"})
    tied = unrolled_rnn(100, 64, float(rho), "tanh", init, tied=True)
    untied = unrolled_rnn(100, 64, float(rho), "tanh", init, tied=False)
    gap = (tied["log10_grad_norm"] - untied["log10_grad_norm"]).to_numpy()
    i = int(np.nanargmax(np.abs(gap)))
    text = at.caption[2].value
    assert f"most {tied['distance'].iloc[i]} words back" in text and f"{abs(gap[i]):.1f} orders" in text
    assert ("lower" in text) == (gap[i] < 0)
    norm, radius = shared_matrix_norms(64, float(rho), init)
    assert ("is not normal" in text) == (init != "orthogonal")
    if init == "nonnormal":
        assert f"‖W‖₂ = {norm:.3g}" in text and "spectral radius is 0" in text
    if init == "nonnormal":
        assert abs(gap[i]) > 10  # a non-normal shared W is far from independent steps


def test_a_linear_nonnormal_shared_w_says_its_exact_zeros():
    at = _open({"unroll_init": "nonnormal", "unroll_phi": "linear"})
    assert "exactly 0 at 98 of the 100 positions" in at.caption[2].value  # W² = 0: only distances 0 and 1 remain


def _image(at, chart_index):
    import base64
    import io

    from PIL import Image

    frame = next(f for f in charts(at)[chart_index]["data"] if "url" in f)
    data = frame["url"].iloc[0].split(",", 1)[1]
    return frame, np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))


STACK_QUERIES = {
    "default": {},
    "min": {"stack_layers": "1", "stack_seq_len": "2", "stack_weight_scale": "0.5", "stack_init": "nonnormal"},
    "max": {"stack_layers": "8", "stack_seq_len": "500", "stack_weight_scale": "1.5", "stack_phi": "relu"},
}


@pytest.mark.parametrize("where", list(STACK_QUERIES))
def test_the_stacked_map_is_the_cores_grid_and_its_caption_reads_the_corners(where):
    from core.stacked import stacked_gradients
    from dashboard.charts.images import heatmap_rgb
    from dashboard.stack_view import STACK_DEFAULTS, STACK_WIDTH

    query = STACK_QUERIES[where]
    at = _open(query)
    c = {**STACK_DEFAULTS}
    c.update({k.removeprefix("stack_"): v for k, v in query.items()})
    L, T, rho = int(c["layers"]), int(c["seq_len"]), float(c["weight_scale"])
    phi, init = c.get("phi", "tanh"), c["init"]
    frame = stacked_gradients(L, T, STACK_WIDTH, rho, phi, init)
    grid = frame.pivot(index="layer", columns="distance", values="log10_grad_norm").to_numpy()
    corners, pixels = _image(at, 3)
    assert pixels.shape == (L + 1, T, 3)  # a pixel row per layer, a column per step
    clip = max(1.0, float(np.ceil(np.abs(grid[np.isfinite(grid)]).max())))
    expected = heatmap_rgb(np.where(np.isneginf(grid), np.nan, np.clip(grid, -clip, clip))[::-1], clip)
    assert np.abs(pixels.astype(int) - expected.astype(int)).max() <= 1  # the top row is the last layer
    assert corners["x2"].iloc[0] == T - 0.5 and corners["y2"].iloc[0] == L + 0.5
    text = at.caption[3].value
    assert f"**10^{grid[0, 0]:.1f}** at the last word" in text and f"**10^{grid[0, -1]:.1f}** at the first" in text
    one = stacked_gradients(1, T, STACK_WIDTH, rho, phi, init)
    first_one = one[(one["layer"] == 0)]["log10_grad_norm"].iloc[0]
    assert f"gives the first word 10^{first_one:.1f}" in text
    if L > 1:
        gap = grid[0, -1] - first_one
        assert f"{abs(gap):.1f} orders of magnitude {'less' if gap < 0 else 'more'}" in text


def test_the_stacked_one_layer_input_row_is_the_rnn_lab_probe():
    from core.probe import gradient_through_time

    at = _open({"stack_layers": "1", "stack_seq_len": "300", "stack_weight_scale": "0.95"})
    probe = gradient_through_time("rnn", seq_len=300, hidden_size=64, weight_scale=0.95)
    assert f"10^{probe['log10_grad_norm'].iloc[0]:.1f}" in at.caption[3].value


TRANSFORMER_QUERIES = [{}, {"tdepth_layers": "1", "tdepth_seed": "0"}, {"tdepth_layers": "24", "tdepth_seed": "9999"}]


@pytest.mark.parametrize("query", TRANSFORMER_QUERIES)
def test_the_transformer_depth_chart_draws_both_norms_and_the_caption_gives_their_ratios(query):
    from core.transformer_depth import transformer_gradient_by_layer

    at = _open(query)
    en = catalog("en")
    L, seed = int(query.get("tdepth_layers", 24)), int(query.get("tdepth_seed", 0))
    text = at.caption[4].value
    for norm, name in (("post", "depth.series_post"), ("pre", "depth.series_pre")):
        frame = transformer_gradient_by_layer(L, norm, seed=seed)
        want = frame["log10_grad_norm"].to_numpy()
        assert_draws(charts(at)[4], en[name], frame["layer"], want)
        assert f"**{10 ** (want[0] - want[-1]):.2g}** of its top" in text
    assert f"Over {L} layers" in text


def test_the_new_sections_speak_korean_keep_their_codes_and_reset():
    at = _open({"lang": "ko", "stack_phi": "linear", "stack_layers": "6", "tdepth_layers": "12"})
    assert at.selectbox(key="stack_phi").value == "linear" and at.query_params["stack_phi"] == "linear"
    assert "층이 6 개" in at.caption[3].value and "12 개 층" in at.caption[4].value
    assert any(KO["depth.series_pre"] in set(f.get("series", [])) for f in charts(at)[4]["data"])
    assert KO["depth.stack_axis_layer"] in str(charts(at)[3]["spec"])
    at.button(key="reset_defaults").click().run()
    at.run()
    assert at.slider(key="stack_layers").value == 4 and at.slider(key="tdepth_layers").value == 24
    assert not {"stack_phi", "stack_layers", "tdepth_layers"} & set(at.query_params)


@pytest.mark.parametrize(
    "key,value", [("stack_layers", "9"), ("stack_seq_len", "x"), ("stack_init", "kaiming"), ("tdepth_layers", "25")]
)
def test_a_bad_link_value_in_the_new_sections_is_ignored_with_a_notice(key, value):
    at = _open({key: value})
    assert at.toast and key in at.toast[0].value
    assert_charts_sound(at)


@pytest.mark.parametrize("prefix,phi", [("stack", "stack_phi"), ("unroll", "unroll_phi")])
def test_a_state_past_float64_says_so_instead_of_a_traceback(prefix, phi):
    """ReLU with the non-normal W at ρ = 1.5 over 500 steps: the forward state passes 10^308."""
    query = {phi: "relu", f"{prefix}_weight_scale": "1.5", f"{prefix}_seq_len": "500", f"{prefix}_init": "nonnormal"}
    if prefix == "stack":
        query["stack_layers"] = "8"
    at = _open(query)
    assert [w.value for w in at.warning] == [catalog("en")["common.overflow"]]
    assert_charts_sound(at)
    assert len(charts(at)) == 4  # the other charts still draw


@pytest.mark.parametrize(
    "query",
    [
        {},  # the defaults: sigmoid, xavier, 30 layers: widths 8 to 512
        {"depth_activation": "relu", "depth_init": "he", "depth_layers": "12"},
        {"depth_layers": "100", "depth_scale": "1.5"},  # the work cap leaves widths above 256 out
        {"depth_residual": "true", "depth_norm": "true", "depth_layers": "20"},  # no variance argument
    ],
)
def test_the_first_layers_gradient_against_width_is_measured_at_every_width(query):
    """The width chart's points are core's gradient_by_layer at layer 1 and the variance prediction there, at
    each width the work cap allows, the page's other settings as set; the caption says both ends and whether
    the measurement comes closer to the prediction at the wider end, from those numbers."""
    from core.depth import variance_prediction_by_layer
    from dashboard.depth_view import WIDTH_WORK, WIDTHS

    at = _open(query)
    en = catalog("en")
    cfg = DepthConfig(
        layers=int(query.get("depth_layers", PAGE_DEFAULTS.layers)),
        activation=query.get("depth_activation", PAGE_DEFAULTS.activation),
        init=query.get("depth_init", PAGE_DEFAULTS.init),
        scale=float(query.get("depth_scale", PAGE_DEFAULTS.scale)),
        residual=query.get("depth_residual") == "true",
        norm=query.get("depth_norm") == "true",
    )
    widths = [w for w in WIDTHS if cfg.layers * w * w <= WIDTH_WORK]
    measured = [float(gradient_by_layer(_at_width(cfg, w))["log10_grad_norm"].iloc[0]) for w in widths]
    predicted = [float(variance_prediction_by_layer(_at_width(cfg, w))[0]) for w in widths]
    line = _series(at, 1, en["depth.series_first_layer"])
    np.testing.assert_array_equal(line["distance"], widths)
    np.testing.assert_allclose(line["log10"], measured, atol=1e-9)
    text = at.caption[1].value
    assert f"{widths[0]} and 10^{measured[-1]:.1f} at width {widths[-1]}" in text
    plain = not cfg.residual and not cfg.norm
    assert (len(_series(at, 1, en["depth.series_variance"])) > 0) == plain
    if plain:
        gaps = np.abs(np.subtract(measured, predicted))
        assert f"{gaps[0]:.2f} orders of magnitude" in text and f"{gaps[-1]:.2f} at width {widths[-1]}" in text
        assert ("closer at the wider end." in text) == (gaps[-1] < gaps[0])
    assert (f"Widths above {widths[-1]} are left out" in text) == (widths[-1] < WIDTHS[-1])


def _at_width(cfg, width):
    from dataclasses import replace

    return replace(cfg, width=width)


def test_the_width_chart_reads_in_korean_and_ignores_the_pages_width():
    from dashboard.depth_view import widths_within

    at = _open({"lang": "ko", "depth_width": "256"})
    assert KO["depth.axis_width"] in str(charts(at)[1]["spec"]) and "너비 8" in at.caption[1].value
    same = _open({"depth_width": "8", "depth_layers": "10"})
    got = _series(same, 1, catalog("en")["depth.series_first_layer"])["distance"]
    np.testing.assert_array_equal(got, widths_within(10))
    assert list(widths_within(10)) == [8, 16, 32, 64, 128, 256, 512]  # a shallow network reaches 512
