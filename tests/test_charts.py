"""The chart builders' data: finite or explicitly "no path", thinned with both ends kept."""

import base64
import io
import json
import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import torch
from PIL import Image

from core.attention import attention_frame
from core.models import build_model
from core.probe import gradient_through_time
from core.sweep import weight_scale_sweep
from core.theory import eigenvalue_frame, spectral_norm, spectral_radius, theory_frame
from dashboard import export
from dashboard.charts.curves import (
    MAX_POINTS,
    TIP_POINTS,
    as_curves,
    curves_chart,
    curves_data,
    curves_table,
    gradient_chart,
    gradient_chart_data,
)
from dashboard.charts.geometry import circle, clip_to_box, eigenvalue_chart, simplify, y_domain
from dashboard.charts.images import (
    HEATMAP_CLIP,
    attention_images,
    attention_maps,
    heatmap_data,
    heatmap_image,
    heatmap_rgb,
    ramp_rgb,
    sweep_heatmap,
)
from dashboard.charts.style import (
    ATTENTION_COLORS,
    COLORS,
    DASHED,
    DOTTED,
    HEATMAP_COLORS,
    PROJECTOR,
    SCREEN,
    SOLID,
    pow10_label,
    pow10_labels,
)
from dashboard.i18n import LABEL_KEYS

LABELS = {name: name for name in LABEL_KEYS}  # each label is its own name, except:
LABELS["no_path"] = "no path"


@pytest.mark.parametrize("value,text", [(-45.24, "10^-45.2"), (352.0, "10^352.0"), (-math.inf, "0"), (0.0, "10^0.0")])
def test_pow10_label(value, text):
    assert pow10_label(value) == text


def test_gradient_data_marks_no_path_and_drops_only_infinite_theory():
    probe = gradient_through_time(seq_len=30, window=10, hidden_size=8)
    theory = theory_frame(probe["distance"], 0.0, 1.0)  # ρ = 0: the theory line is -inf past d = 0
    data = gradient_chart_data(probe, theory, LABELS)
    measured = data[data["series"] == "measured"]
    assert len(measured) == 30
    assert set(measured.loc[measured["kind"] == "no_path", "distance"]) == set(range(10, 30))
    assert (data.loc[data["series"] == "rho", "distance"] == 0).all()
    assert np.isfinite(data.loc[data["kind"] == "line", "log10"]).all()


def test_gradient_data_is_thinned_to_max_points_keeping_both_ends():
    probe = gradient_through_time(seq_len=2000, hidden_size=8)
    data = gradient_chart_data(probe, theory_frame(probe["distance"], 0.9, 0.9), LABELS, max_points=500)
    measured = data[data["series"] == "measured"]
    assert len(measured) <= 500 and {0, 1999} <= set(measured["distance"])


def test_y_domain_keeps_the_measured_curve_and_limits_theory():
    probe = gradient_through_time(seq_len=100, nonlinearity="linear", init="nonnormal", weight_scale=2.0, hidden_size=8)
    data = gradient_chart_data(probe, theory_frame(probe["distance"], 1e-8, 32.0), LABELS)
    lo, hi = y_domain(data, "measured")
    finite = data[(data["series"] == "measured") & (data["kind"] == "line")]["log10"]
    assert lo <= finite.min() and hi >= finite.max()
    assert hi - lo <= 5 * max(finite.max() - finite.min(), 2.0) + 2


def test_heatmap_cells_tile_the_plane_and_mark_no_path():
    sweep = weight_scale_sweep(seq_len=40, hidden_size=8, nonlinearity="relu", input_scale=0.0, max_distances=20)
    cells = heatmap_data(sweep, LABELS)
    assert (cells["kind"] == "no_path").all() and cells["color"].isna().all()
    sweep = weight_scale_sweep(seq_len=40, hidden_size=8, max_distances=20)
    cells = heatmap_data(sweep, LABELS)
    one_row = cells[cells["weight_scale"] == cells["weight_scale"].iloc[0]].sort_values("x")
    starts, ends = one_row["x"].to_numpy(), one_row["x2"].to_numpy()
    assert (ends[:-1] == starts[1:]).all() and (starts < ends).all()  # cells tile the row exactly
    assert cells["color"].between(-HEATMAP_CLIP, HEATMAP_CLIP).all()


def _pixels(image: pd.DataFrame) -> np.ndarray:
    url = image["url"].iloc[0]
    assert url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGB"))


@pytest.mark.parametrize("seq_len, max_distances", [(30, 10), (40, 40), (2000, 120)])
def test_heatmap_image_pixels_are_the_cells_colours(seq_len, max_distances):
    """Every pixel, at its centre's data coordinates, has the colour of the cell containing it."""
    sweep = weight_scale_sweep(seq_len=seq_len, hidden_size=8, nonlinearity="relu", max_distances=max_distances)
    cells = heatmap_data(sweep, LABELS)
    image = heatmap_image(cells)
    pixels = _pixels(image)
    x0, x1, y0, y1 = (float(image[k].iloc[0]) for k in ("x", "x2", "y", "y2"))
    assert (x0, x1, y0, y1) == (cells["x"].min(), cells["x2"].max(), cells["y"].min(), cells["y2"].max())
    rows, columns, _ = pixels.shape
    assert rows == cells["weight_scale"].nunique() and columns == min(round(x1 - x0), 1000)
    rng = np.random.default_rng(0)
    for r, c in zip(rng.integers(0, rows, 300), rng.integers(0, columns, 300), strict=True):
        x = x0 + (c + 0.5) * (x1 - x0) / columns
        y = y1 - (r + 0.5) * (y1 - y0) / rows  # the top row is the largest scale
        cell = cells[(cells["x"] <= x) & (x < cells["x2"]) & (cells["y"] <= y) & (y < cells["y2"])]
        assert len(cell) == 1
        np.testing.assert_array_equal(pixels[r, c], heatmap_rgb(cell["color"].to_numpy())[0])


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(v):02x}" for v in rgb)


def test_heatmap_colours_follow_the_legend_scale_and_grey_marks_no_path():
    clip, colors = HEATMAP_CLIP, HEATMAP_COLORS
    stops = np.linspace(-clip, clip, len(colors))
    hexes = [_hex(rgb) for rgb in heatmap_rgb(stops)]
    assert hexes == list(colors)  # every stop exactly its legend colour
    low, high = heatmap_rgb([-1e9, 1e9])  # beyond the clip: the end colours
    assert _hex(low) == colors[0] and _hex(high) == colors[-1]
    mid = heatmap_rgb([(stops[0] + stops[1]) / 2])[0]  # halfway: the RGB midpoint, rounded
    a, b = (np.array([int(h[k : k + 2], 16) for k in (1, 3, 5)]) for h in colors[:2])
    np.testing.assert_array_equal(mid, np.rint((a + b) / 2))
    assert _hex(heatmap_rgb([np.nan])[0]) == COLORS["no_path"]
    spec = json.loads(sweep_heatmap(heatmap_image(_cells()), 1.0, LABELS).spec)
    scale = next(layer["encoding"]["color"]["scale"] for layer in spec["layer"] if "color" in layer["encoding"])
    assert scale == {"domain": list(stops), "range": list(colors), "interpolate": "rgb"}


@pytest.mark.parametrize("seq_len, max_pixels", [(18, 480), (100, 480), (700, 480), (700, 97)])
def test_attention_images_pixels_are_the_cells_colours(seq_len, max_pixels):
    """A panel a head; every pixel, at its centre's position, has the colour of the pooled cell
    containing it, on the legend's scale (weight 0 to 1)."""
    weights = torch.softmax(4 * torch.randn(1, 3, seq_len, seq_len, generator=torch.Generator().manual_seed(1)), -1)
    frame = attention_frame([weights, weights.flip(-1)], 48)
    layer = frame[frame["layer"] == 2]
    images = attention_images(layer, max_pixels)
    assert list(images["head"]) == [1, 2, 3]
    rng = np.random.default_rng(0)
    for row in images.itertuples():
        cells = layer[layer["head"] == row.head]
        assert (row.x, row.x2, row.y, row.y2) == (0, seq_len, 0, seq_len)
        pixels = _pixels(images[images["head"] == row.head])
        side = min(seq_len, max_pixels)
        assert pixels.shape == (side, side, 3)
        for r, c in zip(rng.integers(0, side, 200), rng.integers(0, side, 200), strict=True):
            query, key = (r + 0.5) * seq_len / side, (c + 0.5) * seq_len / side  # row 0: query 0, at the top
            cell = cells[(cells["query"] <= query) & (query < cells["query_end"])]
            cell = cell[(cell["key"] <= key) & (key < cell["key_end"])]
            assert len(cell) == 1
            expected, _ = ramp_rgb(cell["weight"].to_numpy(), 0.0, 1.0, ATTENTION_COLORS)
            np.testing.assert_array_equal(pixels[r, c], np.rint(expected[0]))


def test_attention_maps_colours_follow_the_legend_and_each_head_has_its_panel():
    colors = ATTENTION_COLORS
    stops = np.linspace(0, 1, len(colors))
    rgb, _ = ramp_rgb(np.concatenate([stops, [-1.0, 2.0]]), 0.0, 1.0, colors)
    assert [_hex(np.rint(v)) for v in rgb] == [*colors, colors[0], colors[-1]]
    weights = torch.softmax(torch.randn(1, 8, 10, 10, generator=torch.Generator().manual_seed(0)), -1)
    images = attention_images(attention_frame([weights], 48))
    labels = {"axis_key": "key", "axis_query": "query", "axis_weight": "weight", "head": "head"}
    figure = attention_maps(images, labels)
    spec = json.loads(figure.spec)
    assert [panel["title"] for panel in spec["concat"]] == [f"head {h}" for h in range(1, 9)]
    for h, panel in enumerate(spec["concat"], start=1):
        image = panel["layer"][0]
        assert (image.get("data") or panel["data"])["name"] == f"head-{h}"
        assert figure.data[f"head-{h}"]["url"].iloc[0] == images["url"].iloc[h - 1]
        assert (image["encoding"]["y"]["axis"] is not None) == (h in (1, 5))  # the y axis on the left only
    scales = [
        layer["encoding"]["color"]["scale"]
        for p in spec["concat"]
        for layer in p["layer"]
        if "color" in layer["encoding"]
    ]
    assert scales == [{"domain": list(stops), "range": list(colors), "interpolate": "rgb"}]  # one legend


def test_a_figure_sends_its_tables_as_arrow_serialised_once():
    """The bytes st.vega_lite_chart sends are the Figure's tables, made once, and exactly what
    Streamlit itself would send for them, whether a builder made pandas or pyarrow tables; `data`
    gives the same tables as pandas."""
    from streamlit import dataframe_util

    probe = gradient_through_time(seq_len=40, hidden_size=8, window=10)  # with a "no path" band
    curves = gradient_chart(gradient_chart_data(probe, theory_frame(probe["distance"], 0.9, 1.0), LABELS), LABELS)
    net = build_model("rnn", hidden_size=8, weight_scale=1.3, init="gaussian", seed=1)
    eigen = eigenvalue_chart(eigenvalue_frame(net.W), spectral_radius(net.W), spectral_norm(net.W), LABELS)
    heat = sweep_heatmap(heatmap_image(_cells()), 1.0, LABELS)  # pandas tables
    assert any(isinstance(t, pa.Table) for t in curves.tables.values())
    assert any(isinstance(t, pd.DataFrame) for t in heat.tables.values())
    for fig in (curves, eigen, heat):
        assert set(fig.arrow) == set(fig.data) == set(fig.tables) and fig.vega_lite()["datasets"] == fig.arrow
        for name, table in fig.tables.items():
            assert fig.arrow[name] == dataframe_util.convert_anything_to_arrow_bytes(table)
            decoded = pa.ipc.open_stream(fig.arrow[name]).read_all().to_pandas()
            pd.testing.assert_frame_equal(decoded, fig.data[name], check_dtype=False)
        assert fig.vega_lite()["datasets"] is not fig.arrow  # each draw gets its own dict
    assert len(curves.data["no_path"]) and len(curves.data["lines"])
    assert curves.data is curves.data  # converted once


def _cells() -> pd.DataFrame:
    return heatmap_data(weight_scale_sweep(seq_len=30, hidden_size=8, max_distances=10), LABELS)


def test_chart_builders_return_a_template_and_its_tables():
    probe = gradient_through_time(seq_len=20, hidden_size=8)
    fig = gradient_chart(gradient_chart_data(probe, theory_frame(probe["distance"], 0.9, 0.9), LABELS), LABELS)
    spec = json.loads(fig.spec)
    assert (
        spec["layer"]
        and "datasets" not in spec
        and set(fig.data) == {"_styles", "lines", "_tips", "no_path", "_extent"}
    )
    eig = eigenvalue_chart(pd.DataFrame({"re": [0.9], "im": [0.0], "abs": [0.9]}), 0.9, 0.9, LABELS)
    spec = json.loads(eig.spec)
    assert spec["autosize"]["type"] == "pad" and spec["width"] == spec["height"]


def _named_curves(names_styles: dict, zero_from: int | None = None) -> pd.DataFrame:
    curves = {}
    for i, name in enumerate(names_styles):
        log10 = -0.05 * (i + 1) * np.arange(40, dtype=float)
        if zero_from is not None and i == 1:
            log10[zero_from:] = -np.inf  # exactly zero beyond: the "no path" ticks
        curves[name] = pd.DataFrame({"distance": np.arange(40), "log10": log10})
    return curves_data(curves, LABELS)


def test_renaming_a_series_changes_the_tables_not_the_spec_and_each_keeps_its_style():
    """A window K or a gate bias is part of a series' name: the spec must not carry the names
    (else each move of that slider compiles the chart anew), yet every series must be drawn in its
    own colour and dash, in the legend order given, whatever the names' alphabetical order."""
    figures, svgs = [], []
    for k in (5, 50):
        styles = {  # not in alphabetical order; two share a colour, two share a dash
            f"zeta, K = {k}": ("#dc2626", DASHED),
            "Alpha": ("#1f5fbf", SOLID),
            "mid": ("#dc2626", DOTTED),
            "beta": ("#059669", SOLID),
        }
        fig = curves_chart(_named_curves(styles, zero_from=30), LABELS, styles, list(styles))
        figures.append(fig)
        svgs.append((styles, export.to_svg(fig)))
    assert figures[0].spec == figures[1].spec and not figures[0].data["lines"].equals(figures[1].data["lines"])
    for styles, svg in svgs:
        for name, (color, dash) in styles.items():
            drawn = re.search(rf'<path aria-label="[^"]*{re.escape(name)}[^"]*"[^>]*role="graphics-symbol"[^>]*>', svg)
            assert drawn and f'stroke="{color}"' in drawn.group(0), name
            assert 'stroke-dasharray="' + ",".join(f"{v:g}" for v in dash) + '"' in drawn.group(0), name
        legend = svg[svg.index("role-legend") :]
        labels = [m for m in re.findall(r"<text[^>]*>([^<]+)</text>", legend) if m in styles]
        assert labels == list(styles)  # the given order, and the bare names
    with pytest.raises(ValueError, match="without a style"):
        curves_chart(_named_curves({"a": 0, "b": 0}), LABELS, {"a": ("#000000", SOLID)}, ["a"])


def _spec_for(rho, seq_len, nonlinearity="tanh"):
    probe = gradient_through_time(seq_len=seq_len, hidden_size=8, weight_scale=rho, nonlinearity=nonlinearity)
    theory = theory_frame(probe["distance"], rho, rho)
    return gradient_chart(gradient_chart_data(probe, theory, LABELS), LABELS)


def test_moving_a_slider_changes_the_tables_and_never_the_spec():
    """Streamlit redraws a chart in place only when its spec is unchanged but for the data."""
    figures = [_spec_for(rho, T, nl) for rho in (0.3, 1.0, 1.7) for T in (5, 300) for nl in ("tanh", "linear")]
    assert len({f.spec for f in figures}) == 1
    assert len({f.data["_extent"]["log10"].iloc[0] for f in figures}) > 3
    eigs = [
        eigenvalue_chart(pd.DataFrame({"re": [r], "im": [0.0], "abs": [r]}), r, n, LABELS)
        for r, n in ((0.1, 0.1), (1.9, 1.9), (0.0, 16.0))
    ]
    assert len({e.spec for e in eigs}) == 1
    images = [heatmap_image(heatmap_data(weight_scale_sweep(seq_len=T, hidden_size=8), LABELS)) for T in (5, 300)]
    assert len({sweep_heatmap(im, r, LABELS).spec for r in (0.05, 1.0, 2.0) for im in images}) == 1


def test_the_comeback_charts_keep_their_spec_when_a_ring_is_renamed():
    """RNNs came back: the rings' names carry their radii, so they are data (a key, "rank name"), not the spec's
    legend domain; the eigenvalues and the five curves are tables too."""
    from dashboard import comeback_view as view
    from dashboard.charts.style import SCREEN

    settings = [view.ComebackControls(seq_len=T, seed=s, r_min=a, r_max=b) for T, s, a, b in
                ((50, 0, 0.4, 0.99), (400, 3, 0.1, 0.5), (50, 3, 0.9, 0.9995))]  # fmt: skip
    eigen = [view.eigen_section(c, SCREEN).figure for c in settings]
    assert len({f.spec for f in eigen}) == 1 and len({tuple(f.data["rings"]["key"].unique()) for f in eigen}) == 3
    assert len({view.gradient_section(c, SCREEN).figure.spec for c in settings}) == 1


def test_every_drawn_point_lies_inside_the_axes_given_by_the_extent():
    """The y range is the measured curve's; steeper theory lines are cut exactly at its edge."""
    fig = _spec_for(1.9, 400)  # tanh saturates, so the measured curve falls while 1.9^d climbs
    lo, hi = fig.data["_extent"]["log10"]
    lines = fig.data["lines"]
    assert lines["log10"].between(lo, hi).all() and fig.data["no_path"].empty
    rho = lines[lines["series"] == "rho"]
    assert rho["log10"].max() == hi and rho["distance"].max() < 399  # ρ^d is cut where it leaves the axes
    d = rho["distance"].max()
    assert hi == pytest.approx(rho["log10"].min() + d * math.log10(1.9))  # exactly on the line: not bent
    measured = lines[lines["series"] == "measured"]  # the anchor is never cut: one line from first to last
    assert measured["part"].nunique() == 1 and (measured["distance"].min(), measured["distance"].max()) == (0, 399)


def _half_pixel(fig) -> float:
    lo, hi = fig.data["_extent"]["log10"]
    return 0.5 * (hi - lo) / json.loads(fig.spec)["height"]


@pytest.mark.parametrize("rho,seq_len,nonlinearity", [(1.9, 400, "tanh"), (0.97, 600, "tanh"), (0.8, 300, "linear")])
def test_a_line_is_drawn_through_its_own_points_within_half_a_pixel_of_every_other(rho, seq_len, nonlinearity):
    """Each line is drawn through some of its measured points, and every point left out lies within half a
    pixel of it at its own x: the picture is the same, with fewer points for the browser to redraw."""
    probe = gradient_through_time(seq_len=seq_len, hidden_size=8, weight_scale=rho, nonlinearity=nonlinearity)
    fig = _spec_for(rho, seq_len, nonlinearity)
    lines, tol = fig.data["lines"], _half_pixel(fig)
    drawn = lines[lines["series"] == "measured"].sort_values("distance")
    source = probe.set_index("distance")["log10_grad_norm"]
    assert (source.loc[drawn["distance"]].to_numpy() == drawn["log10"].to_numpy()).all()  # its own points
    along = np.interp(source.index, drawn["distance"], drawn["log10"])
    assert np.abs(along - source.to_numpy()).max() <= tol * (1 + 1e-9)
    assert len(drawn) < seq_len  # and fewer of them
    if nonlinearity == "linear":  # ρ^d is a straight line: its two ends draw it
        assert len(drawn) == 2


@pytest.mark.parametrize("seed", range(20))
def test_simplify_keeps_the_ends_and_leaves_out_only_points_within_the_tolerance(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    x = np.cumsum(rng.uniform(0.01, 1.0, n))
    y = rng.normal(0, 1, n).cumsum() * rng.uniform(0.01, 1.0)
    tol = float(rng.uniform(0.01, 2.0))
    keep = simplify(x, y, tol)
    assert keep[0] == 0 and keep[-1] == n - 1 and (np.diff(keep) > 0).all()
    assert np.abs(np.interp(x, x[keep], y[keep]) - y).max() <= tol
    assert len(simplify(x, 3 * x - 1, 1e-9)) == min(n, 2)  # a straight line: its ends
    spike = y.copy()
    spike[n // 2] += 10 * tol + 10  # a point far off the rest is always drawn
    assert n // 2 in simplify(x, spike, tol)


def test_hovering_reads_measured_points_a_hundred_a_series_at_most():
    """Each redraw evaluates every hover point's tooltip, so a series has at most TIP_POINTS of them, evenly
    spread from its first point to its last: measured points on the axes, never where a line is cut."""
    from dashboard import comeback_view as view
    from dashboard.charts.style import SCREEN

    c = view.ComebackControls()
    tables, line, *_ = view.probes(c)
    n = view.names()
    curves = {n["lru"]: tables["lru"], n["line"]: line} | {n[k]: tables[k] for k in ("mingru", "rnn", "lstm")}
    given = dict(tuple(curves_data(as_curves(curves), LABELS).groupby("series")))
    fig = view.gradient_section(c, SCREEN).figure
    tips, (lo, hi) = fig.data["_tips"], fig.data["_extent"]["log10"]
    assert set(tips["series"]) == set(given)
    for name, g in tips.groupby("series", observed=True):
        source = given[name].set_index("distance")["log10"]
        source = source[source.between(lo, hi)]
        assert len(g) == min(TIP_POINTS, len(source)) and (source.loc[g["distance"]].to_numpy() == g["log10"]).all()
        assert g["distance"].iloc[0] == source.index.min() and g["distance"].iloc[-1] == source.index.max()
    short = _spec_for(0.9, 30).data  # a short curve: every point of every series
    assert len(short["_tips"]) == len(gradient_chart_data(*_probe_and_theory(0.9, 30), LABELS))


def _probe_and_theory(rho, seq_len):
    probe = gradient_through_time(seq_len=seq_len, hidden_size=8, weight_scale=rho, nonlinearity="tanh")
    return probe, theory_frame(probe["distance"], rho, rho)


@pytest.mark.parametrize("seed", range(20))
def test_clip_to_box_keeps_what_is_inside_and_cuts_exactly_at_the_edges(seed):
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.uniform(0.1, 1.0, 60))
    y = rng.normal(0, 3, 60).cumsum()
    box = (x[5], x[50], y[20] - 2.0, y[20] + 2.5)  # y[20] is inside: something is always drawn
    cx, cy, run = clip_to_box(x, y, box)
    assert ((cx >= box[0] - 1e-12) & (cx <= box[1] + 1e-12) & (cy >= box[2] - 1e-12) & (cy <= box[3] + 1e-12)).all()
    inside = (x >= box[0]) & (x <= box[1]) & (y >= box[2]) & (y <= box[3])
    for px, py in zip(x[inside], y[inside], strict=True):  # every original point inside is kept
        assert np.any((cx == px) & (cy == py))
    for px, py in zip(cx, cy, strict=True):  # every output point lies on the original polyline
        k = np.searchsorted(x, px) - 1 if px > x[0] else 0
        k = min(max(k, 0), len(x) - 2)
        assert py == pytest.approx(y[k] + (px - x[k]) * (y[k + 1] - y[k]) / (x[k + 1] - x[k]), abs=1e-9)
    assert (np.diff(run) >= 0).all() and (np.diff(cx)[np.diff(run) == 0] > 0).all()
    # a run breaks exactly where the polyline leaves the box (brute force: sample every segment)
    t = np.linspace(0, 1, 2001)
    seen = []
    for k in range(len(x) - 1):
        px, py = x[k] + t * (x[k + 1] - x[k]), y[k] + t * (y[k + 1] - y[k])
        seen.append(((px >= box[0]) & (px <= box[1]) & (py >= box[2]) & (py <= box[3])).sum() > 1)
    starts = [k for k in range(len(seen)) if seen[k] and not (k and seen[k - 1] and inside[k])]
    assert len(set(run.tolist())) == len(starts) > 0


def test_clip_to_box_handles_circles_and_degenerate_input():
    angle = np.linspace(0, 2 * np.pi, 181)
    x, y, run = clip_to_box(2.5 * np.cos(angle), 2.5 * np.sin(angle), (-2, 2, -2, 2))
    assert len(set(run.tolist())) == 4  # the four arcs near the corners; the ones past x, y = ±2 cut off
    on_edge = np.isclose(np.abs(x), 2) | np.isclose(np.abs(y), 2)
    assert on_edge.sum() == 8 and np.allclose(np.hypot(x, y)[on_edge], 2.5, rtol=1e-3)  # chords: within 0.1%
    assert [len(a) for a in clip_to_box([], [], (0, 1, 0, 1))] == [0, 0, 0]
    assert [a.tolist() for a in clip_to_box([0.5], [0.5], (0, 1, 0, 1))] == [[0.5], [0.5], [0]]
    assert len(clip_to_box([5.0, 6.0], [5.0, 6.0], (0, 1, 0, 1))[0]) == 0


def test_circle_polygon_stays_within_a_fifth_of_a_pixel_of_the_circle():
    points = np.column_stack(circle(2.0))
    assert np.allclose(np.hypot(*points.T), 2.0) and np.allclose(points[0], points[-1])  # closed, on the circle
    mids = (points[1:] + points[:-1]) / 2  # the farthest a side gets from the circle
    sag = 1 - np.hypot(*mids.T).min() / 2.0
    largest_px = (PROJECTOR.square_side / 2) / 1.15  # the projector chart's half side over the smallest extent/ρ ratio
    assert sag < 0.001 and sag * largest_px < 0.2


def test_pow10_labels_is_pow10_label_of_each_value():
    values = [-45.24, 352.0, -math.inf, math.inf, math.nan, 0.0, -0.04]
    assert pow10_labels(values, "none") == [pow10_label(v, "none") for v in values]


def test_a_curves_csv_keeps_every_point_with_its_text_and_a_chart_build_goes_without():
    probe = gradient_through_time(seq_len=2000, hidden_size=4, window=50)  # longer than MAX_POINTS, with no-path
    table = curves_table({"rnn": probe}, LABELS)
    assert len(table) == 2000 and table["distance"].tolist() == sorted(probe["distance"])
    assert table["value"].tolist() == pow10_labels(table["log10"], LABELS["no_path"])
    assert (table["value"][table["kind"] == "no_path"] == LABELS["no_path"]).all()
    drawn = curves_data(as_curves({"rnn": probe}), LABELS)
    assert len(drawn) <= MAX_POINTS and "value" not in drawn


def test_no_path_ticks_sit_in_their_own_strip_below_every_curve():
    """#20: at T = 2000 on Remedies the ticks were a thick band over the RNN line, which runs along the
    bottom; now every tick lies below every drawn line point, and inside the axes."""
    from core.probe import gradient_through_time

    T = 2000
    curves = {"rnn": gradient_through_time("rnn", T), "window": gradient_through_time("rnn", T, window=20)}
    styles = {"rnn": ("#000", SOLID), "window": ("#111", DASHED)}
    data = curves_data(as_curves(curves), LABELS)
    fig = curves_chart(data, LABELS, styles, ["rnn", "window"])
    lo, hi = fig.data["_extent"]["log10"]
    ticks, lines = fig.data["no_path"], fig.data["lines"]
    assert len(ticks) and (ticks["distance"] >= 20).all() and set(ticks["series"]) == {"window"}
    assert ticks["y"].max() < lines["log10"].min() and ticks["y"].min() > lo
    assert lines["log10"].between(lo, hi).all()


def _named_tables(spec) -> dict:
    """Every table a spec names, with the format it reads the table in."""
    found = {}
    if isinstance(spec, dict):
        data = spec.get("data")
        if isinstance(data, dict) and "name" in data:
            found[data["name"]] = data.get("format", {})
        for value in spec.values():
            found.update(_named_tables(value))
    elif isinstance(spec, list):
        for value in spec:
            found.update(_named_tables(value))
    return found


def test_the_move_paths_larger_tables_are_read_as_typed_without_a_per_row_parse():
    """Vega-Lite parses each row's numbers (an expression per field and row in Streamlit's interpreter, on every
    redraw) unless a table's format says parse: null; the tables a slider move swaps in are typed Arrow columns
    (float64, int32: numbers in the browser as they are), so they are read as they are."""
    from dashboard.charts.comeback import planes_chart
    from dashboard.charts.tokens import token_chart

    probe = gradient_through_time(seq_len=20, hidden_size=8)
    curves = gradient_chart(gradient_chart_data(probe, theory_frame(probe["distance"], 0.9, 0.9), LABELS), LABELS)
    eig = eigenvalue_chart(pd.DataFrame({"re": [0.9], "im": [0.0], "abs": [0.9]}), 0.9, 0.9, LABELS)
    points = pd.DataFrame({"re": [0.5], "im": [0.5], "modulus": [0.71], "model": ["LRU"]})
    planes = planes_chart(points, {"unit": 1.0, "ring": 0.9}, {"LRU": "#000000"}, {**LABELS, "model": "model"}, SCREEN)
    tokens = token_chart(pd.DataFrame({"token": list("ab\nc"), "score": [0.1, 0.9, 0.5, 0.2]}), SCREEN, joined=True)
    expected = [
        (curves, {"lines", "_tips", "_extent"}),
        (eig, {"eigenvalues", "rings", "_extent"}),
        (planes, {"eigenvalues", "rings"}),
        (tokens, {"tokens-0"}),
    ]
    for figure, names in expected:
        formats = _named_tables(json.loads(figure.spec))
        assert names <= set(formats) and all(formats[name].get("parse", "auto") is None for name in names)
        for name in names:  # no int64 column, which the browser would read as a BigInt
            table = pa.Table.from_pandas(figure.data[name], preserve_index=False)
            assert not any(pa.types.is_int64(field.type) for field in table.schema), name
