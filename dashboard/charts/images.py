"""Maps drawn as images: the weight-scale map and the attention maps, each one PNG (a pixel per
cell, coloured on its legend's scale, tested pixel by pixel) instead of thousands of rectangles."""

from __future__ import annotations

import base64
import io

import altair as alt
import numpy as np
import pandas as pd
from PIL import Image

from ..figure import Figure, template
from .style import ATTENTION_COLORS, COLORS, FREE, HEATMAP_COLORS, SCREEN, Style, pow10_labels, vega_config

HEATMAP_CLIP = 20.0  # colour scale saturates at 10^±20


MAP_PIXELS = 480  # an attention map's image is at most this many pixels a side


def heatmap_data(sweep: pd.DataFrame, labels: dict, clip: float = HEATMAP_CLIP) -> pd.DataFrame:
    """Cells with edges (x, x2, y, y2), the clipped colour value, a value text, and kind: the
    map's numbers, as its CSV gives them (the chart draws them as one image, heatmap_image)."""
    data = sweep.copy()
    dists = np.sort(data["distance"].unique())
    edges = np.concatenate([[dists[0] - 0.5], (dists[1:] + dists[:-1]) / 2, [dists[-1] + 0.5]])
    index = np.searchsorted(dists, data["distance"])
    data["x"], data["x2"] = edges[index], edges[index + 1]
    scales = np.sort(data["weight_scale"].unique())
    half = (scales[1] - scales[0]) / 2 if len(scales) > 1 else 0.025
    data["y"], data["y2"] = data["weight_scale"] - half, data["weight_scale"] + half
    data["color"] = data["log10_grad_norm"].clip(-clip, clip)
    data["kind"] = np.where(np.isneginf(data["log10_grad_norm"]), "no_path", "value")
    data["value"] = pow10_labels(data["log10_grad_norm"], labels["no_path"])
    data.loc[data["kind"] == "no_path", "color"] = np.nan
    return data.drop(columns=["log10_grad_norm"])


def _rgb(hex_colors) -> np.ndarray:
    return np.array([[int(h[k : k + 2], 16) for k in (1, 3, 5)] for h in hex_colors], dtype=np.float64)


def ramp_rgb(values, low: float, high: float, colors) -> tuple[np.ndarray, np.ndarray]:
    """Colours (…, 3) as floats, and where the values are NaN: piecewise-linear RGB between
    `colors` at evenly spaced stops from `low` to `high` (values beyond them take the end colours),
    exactly what a Vega-Lite scale with those stops and interpolate "rgb" draws."""
    values = np.asarray(values, dtype=np.float64)
    stops, rgb = np.linspace(low, high, len(colors)), _rgb(colors)
    flat = np.clip(values.ravel(), low, high)
    out = np.stack([np.interp(flat, stops, rgb[:, k]) for k in range(3)], axis=-1)
    return out.reshape(values.shape + (3,)), np.isnan(values)


def ramp_scale(low: float, high: float, colors) -> alt.Scale:
    """The Vega-Lite colour scale (a legend's) that ramp_rgb colours pixels by."""
    stops = [float(v) for v in np.linspace(low, high, len(colors))]
    return alt.Scale(domain=stops, range=list(colors), interpolate="rgb")


def heatmap_rgb(values, clip: float = HEATMAP_CLIP) -> np.ndarray:
    """Colours (…, 3) uint8 of log10 values: ramp_rgb between HEATMAP_COLORS from -clip to clip,
    the legend's scale; NaN (no path) is COLORS["no_path"]."""
    values = np.asarray(values, dtype=np.float64)
    rgb, missing = ramp_rgb(values, -clip, clip, HEATMAP_COLORS)
    rgb[missing] = _rgb([COLORS["no_path"]])[0]
    return np.rint(rgb).astype(np.uint8)


def png_url(pixels: np.ndarray) -> str:
    """An (rows, columns, 3) uint8 image as a PNG data: URL (drawn by a Vega image mark)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def pixel_cells(edges: np.ndarray, pixels: int) -> np.ndarray:
    """For `pixels` evenly spaced pixels spanning edges[0]..edges[-1]: the cell (between two
    consecutive edges) that each pixel's centre falls in."""
    lo, hi = float(edges[0]), float(edges[-1])
    centres = lo + (np.arange(pixels) + 0.5) * (hi - lo) / pixels
    return np.clip(np.searchsorted(edges, centres, side="right") - 1, 0, len(edges) - 2)


def heatmap_image(cells: pd.DataFrame, clip: float = HEATMAP_CLIP, max_columns: int = 1000) -> pd.DataFrame:
    """The map as one PNG (a data: URL) with its corners (x, x2, y, y2): a pixel per weight scale
    and per unit of distance (at most `max_columns` evenly spaced columns), each pixel the colour
    of the cell it falls in.  One image is one item for Vega to redraw, where thousands of cell
    rectangles were (measured in benchmarks/app_speed.py)."""
    x0, x1 = cells["x"].min(), cells["x2"].max()
    columns = int(min(max(round(x1 - x0), 1), max_columns))
    edges = np.sort(cells["x"].unique())
    col_of = pixel_cells(np.append(edges, x1), columns)
    scales = np.sort(cells["weight_scale"].unique())
    grid = cells.pivot_table(index="weight_scale", columns="x", values="color", aggfunc="first", dropna=False)
    grid = grid.reindex(index=scales, columns=edges)
    url = png_url(heatmap_rgb(grid.to_numpy()[::-1][:, col_of], clip))  # top row: the largest scale
    return pd.DataFrame({"x": [x0], "x2": [x1], "y": [cells["y"].min()], "y2": [cells["y2"].max()], "url": [url]})


@template
def _heatmap_template(labels: dict, clip: float, style: Style) -> alt.LayerChart:
    x = alt.X("x:Q", title=labels["axis_distance"], scale=FREE)
    y = alt.Y("y:Q", title=labels["axis_scale"], scale=alt.Scale(domain=[0, 2.05], nice=False))
    image = (
        alt.Chart(alt.NamedData("image"))
        .mark_image(aspect=False, smooth=False)  # smooth=False: crisp cells, no blur between them
        .encode(x=x, x2=alt.X2("x2"), y=y, y2=alt.Y2("y2"), url=alt.Url("url:N"))
    )
    scale = ramp_scale(-clip, clip, HEATMAP_COLORS)
    legend = alt.Legend(
        orient="right", gradientLength=style.legend_length, values=[-clip, -clip / 2, 0, clip / 2, clip]
    )
    key = (
        alt.Chart(alt.NamedData("_legend"))
        .mark_point(opacity=0)
        .encode(color=alt.Color("color:Q", title="log10", scale=scale, legend=legend), y=alt.Y("rho:Q"))
    )
    rule = (
        alt.Chart(alt.NamedData("marker"))
        .mark_rule(color="black", strokeWidth=style.rule_width)
        .encode(y=alt.Y("rho:Q"), tooltip=[alt.Tooltip("rho:Q", title=labels["current_scale"], format=".2f")])
    )
    one = alt.Chart(alt.Data(values=[{"rho": 1.0, "label": "ρ = 1"}]))
    boundary = one.mark_rule(color="#374151", strokeDash=[5, 4], strokeWidth=1.5).encode(y=alt.Y("rho:Q"))
    boundary_label = one.mark_text(align="left", dx=4, dy=-7, fontSize=style.note_font_size, color="#374151").encode(
        y=alt.Y("rho:Q"), x=alt.XValue(0), text=alt.Text("label:N")
    )
    return alt.layer(image, key, boundary, boundary_label, rule, height=style.map_height, config=vega_config(style))


def sweep_heatmap(
    image: pd.DataFrame, current_scale: float, labels: dict, clip: float = HEATMAP_CLIP, style: Style = SCREEN
) -> Figure:
    """Weight scale × distance, coloured by log10 gradient (`image`: heatmap_image of the cells);
    a rule at the current ρ."""
    keys = ("axis_distance", "axis_scale", "current_scale")
    spec = _heatmap_template({k: labels[k] for k in keys}, clip, style)
    legend = pd.DataFrame({"color": [-clip, clip], "rho": [1.0, 1.0]})
    return Figure(spec, {"image": image, "_legend": legend, "marker": pd.DataFrame({"rho": [current_scale]})})


def attention_images(frame: pd.DataFrame, max_pixels: int = MAP_PIXELS) -> pd.DataFrame:
    """One PNG a head (core.attention.attention_frame's cells of one layer) with its corners:
    head, x, x2 (keys), y, y2 (queries), url.  A pixel per position, at most `max_pixels` evenly
    spaced ones a side, each the colour of the cell its centre falls in (ATTENTION_COLORS, weight
    0 to 1).  One image is one item for Vega to redraw where a head's cells were up to 48 × 48
    rectangles (measured in benchmarks/app_speed.py)."""
    rows = []
    for head, cells in frame.groupby("head", sort=True):
        # the pooling is square (core.attention._pool): the queries' cell edges are the keys'
        edges = np.unique(np.concatenate([cells["key"].to_numpy(), cells["key_end"].to_numpy()]))
        n = len(edges) - 1
        grid = np.full((n, n), np.nan)
        grid[np.searchsorted(edges, cells["query"]), np.searchsorted(edges, cells["key"])] = cells["weight"]
        index = pixel_cells(edges, int(min(edges[-1] - edges[0], max_pixels)))
        rgb, _ = ramp_rgb(grid[np.ix_(index, index)], 0.0, 1.0, ATTENTION_COLORS)
        lo, hi, url = float(edges[0]), float(edges[-1]), png_url(np.rint(rgb).astype(np.uint8))
        rows.append({"head": int(head), "x": lo, "x2": hi, "y": lo, "y2": hi, "url": url})
    return pd.DataFrame(rows)


@template
def _maps_template(labels: dict, heads: int, side: int, style: Style) -> alt.ConcatChart:
    """A panel a head, four to a row, each one image (see attention_images, table "head-<h>");
    the y axis on the first column only, and the weight's legend once, beside them."""
    scale = ramp_scale(0.0, 1.0, ATTENTION_COLORS)
    legend = alt.Legend(orient="right", gradientLength=side, values=[0, 0.25, 0.5, 0.75, 1], format=".2~f")
    x = alt.X("x:Q", title=labels["axis_key"], scale=alt.Scale(nice=False, zero=False))
    panels = []
    for head in range(1, heads + 1):
        axis = alt.Axis(title=labels["axis_query"]) if head % 4 == 1 else None
        y = alt.Y("y:Q", scale=alt.Scale(nice=False, zero=False, reverse=True), axis=axis)
        image = (
            alt.Chart(alt.NamedData(f"head-{head}"))
            .mark_image(aspect=False, smooth=False)  # crisp cells
            .encode(x=x, x2=alt.X2("x2"), y=y, y2=alt.Y2("y2"), url=alt.Url("url:N"))
        )
        layers = [image]
        if head == 1:  # the legend, from a helper table of two invisible points at the map's corner
            color = alt.Color("weight:Q", title=labels["axis_weight"], scale=scale, legend=legend)
            layers.append(alt.Chart(alt.NamedData("_legend")).mark_point(opacity=0).encode(x=x, y=y, color=color))
        panels.append(alt.layer(*layers, width=side, height=side, title=f"{labels['head']} {head}"))
    return alt.concat(*panels, columns=4, config=vega_config(style))


def attention_maps(images: pd.DataFrame, labels: dict, style: Style = SCREEN) -> Figure:
    """One layer's attention maps, a panel a head (`images`: attention_images)."""
    heads = len(images)
    spec = _maps_template(labels, heads, 190 if heads > 2 else 300, style)  # four 190-px panels fit the page
    data = {f"head-{head}": images[images["head"] == head].reset_index(drop=True) for head in images["head"]}
    corner = float(images["x"].iloc[0])
    data["_legend"] = pd.DataFrame({"x": [corner, corner], "y": [corner, corner], "weight": [0.0, 1.0]})
    return Figure(spec, data)


def layer_time_image(log10: np.ndarray, clip: float, max_columns: int = 1000) -> pd.DataFrame:
    """A layers × time map (rows: layer 0 = the input up to L; columns: distance 0 .. T − 1) as one PNG
    with its corners: a pixel row per layer (the top one the last layer), a pixel column per step (at
    most `max_columns` evenly spaced), coloured as heatmap_rgb from -clip to clip; exact zeros grey."""
    rows, T = log10.shape
    columns = int(min(T, max_columns))
    index = pixel_cells(np.arange(T + 1) - 0.5, columns)
    values = np.where(np.isneginf(log10), np.nan, np.clip(log10, -clip, clip))
    url = png_url(heatmap_rgb(values[::-1][:, index], clip))
    return pd.DataFrame({"x": [-0.5], "x2": [T - 0.5], "y": [-0.5], "y2": [rows - 0.5], "url": [url]})


@template
def _layer_time_template(labels: dict, clip: float, rows: int, style: Style) -> alt.LayerChart:
    x = alt.X("x:Q", title=labels["axis_distance"], scale=alt.Scale(nice=False, zero=False))
    axis = alt.Axis(values=list(range(rows)), format="d", title=labels["axis_layer"])
    y = alt.Y("y:Q", scale=alt.Scale(domain=[-0.5, rows - 0.5], nice=False, zero=False), axis=axis)
    image = (
        alt.Chart(alt.NamedData("image"))
        .mark_image(aspect=False, smooth=False)  # crisp cells
        .encode(x=x, x2=alt.X2("x2"), y=y, y2=alt.Y2("y2"), url=alt.Url("url:N"))
    )
    ticks = [-clip, -clip / 2, 0, clip / 2, clip]
    legend = alt.Legend(orient="right", gradientLength=style.legend_length, values=ticks)
    key = (
        alt.Chart(alt.NamedData("_legend"))
        .mark_point(opacity=0)
        .encode(color=alt.Color("color:Q", title="log10", scale=ramp_scale(-clip, clip, HEATMAP_COLORS), legend=legend))
    )
    return alt.layer(image, key, height=style.map_height, config=vega_config(style))


def layer_time_map(log10: np.ndarray, labels: dict, style: Style = SCREEN) -> Figure:
    """log10 ‖∂ℓ/∂h⁽ᵏ⁾_t‖ over layer k (rows, 0 = the input) and distance (columns), one image; the colour
    scale is symmetric about 0 and reaches the largest |value| shown, in whole decades (at least 1)."""
    finite = log10[np.isfinite(log10)]
    clip = float(max(1.0, np.ceil(np.abs(finite).max()))) if finite.size else 1.0
    spec = _layer_time_template({k: labels[k] for k in ("axis_distance", "axis_layer")}, clip, log10.shape[0], style)
    return Figure(spec, {"image": layer_time_image(log10, clip), "_legend": pd.DataFrame({"color": [-clip, clip]})})


def positional_chart(pe: pd.DataFrame, sim: pd.DataFrame, size: int, labels: dict, style: Style = SCREEN):
    """The sinusoidal encoding (position × dimension, core.attention.positional_frames) beside the cosine
    similarity of every pair of positions' encodings."""
    left = (
        alt.Chart(pe)
        .mark_rect()
        .encode(
            x=alt.X("dimension:O", title=labels["axis_dimension"], axis=alt.Axis(labels=size <= 32)),
            y=alt.Y("position:Q", title=labels["axis_position"], scale=alt.Scale(reverse=True, nice=False)),
            y2=alt.Y2("position_end"),
            color=alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1]), title="PE"),
        )
        .properties(width=300, height=300)
    )
    right = (
        alt.Chart(sim)
        .mark_rect()
        .encode(
            x=alt.X("i:Q", title=labels["axis_position"], scale=alt.Scale(nice=False)),
            x2=alt.X2("i_end"),
            y=alt.Y("j:Q", title=labels["axis_position"], scale=alt.Scale(nice=False, reverse=True)),
            y2=alt.Y2("j_end"),
            color=alt.Color("similarity:Q", scale=alt.Scale(scheme="viridis"), title=labels["similarity"]),
        )
        .properties(width=300, height=300)
    )
    return alt.hconcat(left, right).resolve_scale(color="independent").configure(**vega_config(style).to_dict())
