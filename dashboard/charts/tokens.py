"""Charts over a text's word pieces: one head's map of a real Transformer, every head at once, the heads' reach by
layer, and the text's word pieces coloured by a score.  Tokens are data (Vega text marks), never HTML."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..figure import Figure, finite, template
from .images import pixel_cells, png_url, ramp_rgb, ramp_scale
from .style import ATTENTION_COLORS, COLORS, Style, vega_config

LABELLED_TOKENS = 64  # a head's map names its word pieces on the axes up to this many; beyond, positions
MOSAIC_SIDE = 40  # pixels a side of each head in the model view
MOSAIC_GAP = 4  # white pixels between heads
LOG_FLOOR = -3  # a long text's map colours log10 of the weight from here (10^-3 and below: white) to 0
ZERO_WIDTH = "\u200b"  # appended to a repeated token, so that each axis label is its own category


def unique_labels(tokens) -> list[str]:
    """The tokens as distinct category names: a repeated token gets zero-width spaces (invisible)."""
    seen: dict[str, int] = {}
    out = []
    for tok in tokens:
        count = seen.get(tok, 0)
        seen[tok] = count + 1
        out.append(tok + ZERO_WIDTH * count)
    return out


def head_map_chart(weights: np.ndarray, tokens, labels: dict, style: Style) -> Figure:
    """One head's weights, query i (rows) to key j (columns): cells named by word piece up to
    LABELLED_TOKENS word pieces, one image with position axes beyond."""
    n = len(tokens)
    scale = ramp_scale(0.0, 1.0, ATTENTION_COLORS)
    legend = alt.Legend(orient="right", gradientLength=style.legend_length, format=".2~f")
    color = alt.Color("weight:Q", title=labels["axis_weight"], scale=scale, legend=legend)
    if n <= LABELLED_TOKENS:
        names = unique_labels(tokens)
        axis = {"labelOverlap": False, "labelFontSize": style.font_size if n <= 32 else 10, "labelLimit": 120}
        cells = map_cells(weights, names)
        step = max(16, style.font_size + 4)  # every word piece named, a row each (and the x axis's labels below)
        height = int(max(360, step * n + 110))
        chart = (
            alt.Chart(cells)
            .mark_rect()
            .encode(
                x=alt.X("key:O", sort=names, title=labels["axis_key_token"], axis=alt.Axis(labelAngle=-60, **axis)),
                y=alt.Y("query:O", sort=names, title=labels["axis_query_token"], axis=alt.Axis(**axis)),
                color=color,
                tooltip=["query:N", "key:N", alt.Tooltip("weight:Q", format=".3f")],
            )
            .properties(width=height, height=height)
        )
        return Figure.from_altair(chart.configure(**_config(style)))
    # a long text's weights are mostly near 1/T: a log scale from 10^-3 to 1 keeps the structure visible
    x = alt.X("x:Q", title=labels["axis_key"], scale=alt.Scale(nice=False, zero=False))
    y = alt.Y("y:Q", title=labels["axis_query"], scale=alt.Scale(nice=False, zero=False, reverse=True))
    logs = np.log10(np.maximum(np.asarray(weights, dtype=np.float64), 10.0**LOG_FLOOR))
    drawn = map_image(logs, LOG_FLOOR, 0.0, x, y)
    corner = pd.DataFrame({"x": [0.0, 0.0], "y": [0.0, 0.0], "log10_weight": [LOG_FLOOR, 0.0]})
    log_scale = ramp_scale(LOG_FLOOR, 0.0, ATTENTION_COLORS)
    log_legend = alt.Legend(orient="right", gradientLength=style.legend_length, values=list(range(LOG_FLOOR, 1)))
    log_color = alt.Color("log10_weight:Q", title=labels["axis_log_weight"], scale=log_scale, legend=log_legend)
    key = alt.Chart(corner).mark_point(opacity=0).encode(x=x, y=y, color=log_color)
    return Figure.from_altair(alt.layer(drawn, key, width=480, height=480).configure(**_config(style)))


def map_cells(weights: np.ndarray, names: list) -> pd.DataFrame:
    """One row a cell of a square map: query and key names and positions, and the weight (rows: queries)."""
    n = len(names)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return pd.DataFrame(
        {
            "query": np.array(names, dtype=object)[i.ravel()],
            "key": np.array(names, dtype=object)[j.ravel()],
            "query_position": i.ravel(),
            "key_position": j.ravel(),
            "weight": np.asarray(weights, dtype=np.float64).ravel(),
        }
    )


def map_image(values: np.ndarray, low: float, high: float, x: alt.X, y: alt.Y) -> alt.Chart:
    """A square map (rows: queries) as one PNG image on position axes x and y, coloured from low to high,
    at most 480 pixels a side."""
    n = len(values)
    index = pixel_cells(np.arange(n + 1) - 0.5, min(n, 480))
    rgb, _ = ramp_rgb(np.asarray(values, dtype=np.float64)[np.ix_(index, index)], low, high, ATTENTION_COLORS)
    image = pd.DataFrame({"x": [-0.5], "x2": [n - 0.5], "y": [-0.5], "y2": [n - 0.5]})
    image["url"] = png_url(np.rint(rgb).astype(np.uint8))
    return (
        alt.Chart(image)
        .mark_image(aspect=False, smooth=False)
        .encode(x=x, x2=alt.X2("x2"), y=y, y2=alt.Y2("y2"), url=alt.Url("url:N"))
    )


def _config(style: Style) -> dict:
    return vega_config(style).to_dict()


def mosaic(pooled: np.ndarray, side: int = MOSAIC_SIDE, gap: int = MOSAIC_GAP) -> np.ndarray:
    """Every head's (pooled) map as one RGB image: layers down, heads across, `gap` white pixels apart;
    each head on its own scale, from 0 to its largest cell."""
    layers, heads, n, _ = pooled.shape
    index = pixel_cells(np.arange(n + 1) - 0.5, side)
    cells = np.asarray(pooled, dtype=np.float64)[:, :, index][:, :, :, index]
    peak = cells.max(axis=(2, 3), keepdims=True)
    rgb, _ = ramp_rgb(cells / np.where(peak > 0, peak, 1.0), 0.0, 1.0, ATTENTION_COLORS)
    out = np.full((layers * (side + gap) - gap, heads * (side + gap) - gap, 3), 255.0)
    for layer in range(layers):
        for head in range(heads):
            top, left = layer * (side + gap), head * (side + gap)
            out[top : top + side, left : left + side] = rgb[layer, head]
    return np.rint(out).astype(np.uint8)


def model_view_chart(pooled: np.ndarray, chosen: tuple[int, int], labels: dict, style: Style) -> Figure:
    """Every head at once (layer l down, head h across, from 1), the chosen one outlined."""
    layers, heads = pooled.shape[:2]
    image = pd.DataFrame({"x": [0.5], "x2": [heads + 0.5], "y": [0.5], "y2": [layers + 0.5]})
    image["url"] = png_url(mosaic(pooled))
    x = alt.X("x:Q", title=labels["head"], scale=alt.Scale(domain=[0.5, heads + 0.5], nice=False))
    x = x.axis(values=list(range(1, heads + 1)), tickSize=0, domain=False, grid=False)
    y = alt.Y("y:Q", title=labels["layer"], scale=alt.Scale(domain=[0.5, layers + 0.5], nice=False, reverse=True))
    y = y.axis(values=list(range(1, layers + 1)), tickSize=0, domain=False, grid=False)
    drawn = (
        alt.Chart(image)
        .mark_image(aspect=False, smooth=False)
        .encode(x=x, x2=alt.X2("x2"), y=y, y2=alt.Y2("y2"), url=alt.Url("url:N"))
    )
    layer, head = chosen
    box = pd.DataFrame({"x": [head - 0.5], "x2": [head + 0.5], "y": [layer - 0.5], "y2": [layer + 0.5]})
    outline = (
        alt.Chart(box)
        .mark_rect(fill=None, stroke=COLORS["rho"], strokeWidth=style.rule_width + 1)
        .encode(x="x:Q", x2="x2", y="y:Q", y2="y2")
    )
    width = heads * (MOSAIC_SIDE + MOSAIC_GAP) + 10
    height = layers * (MOSAIC_SIDE + MOSAIC_GAP) + 10
    return Figure.from_altair(alt.layer(drawn, outline, width=width, height=height).configure(**_config(style)))


def head_stats_chart(stats: pd.DataFrame, chosen: tuple[int, int], labels: dict, style: Style) -> Figure:
    """Each head's mean attention distance and entropy against its layer (a point a head, the layer's
    mean as a line), the chosen head marked."""
    panels = []
    for field, title in (("mean_distance", labels["axis_mean_distance"]), ("entropy_bits", labels["axis_entropy"])):
        layers = int(stats["layer"].max())
        scale = alt.Scale(domain=[0.5, layers + 0.5], nice=False)
        x = alt.X("layer:Q", title=labels["layer"], scale=scale, axis=alt.Axis(values=list(range(1, layers + 1))))
        y = alt.Y(f"{field}:Q", title=title)
        tip = ["layer:Q", "head:Q", alt.Tooltip(f"{field}:Q", format=".2f")]
        points = (
            alt.Chart(stats)
            .mark_circle(size=style.dot_size * 1.5, opacity=0.7, color=COLORS["measured"])
            .encode(x=x, y=y, tooltip=tip)
        )
        means = stats.groupby("layer", as_index=False)[field].mean()
        line = alt.Chart(means).mark_line(color=COLORS["bound"], strokeDash=[4, 3]).encode(x=x, y=y)
        pick = stats[(stats["layer"] == chosen[0]) & (stats["head"] == chosen[1])]
        marked = (
            alt.Chart(pick)
            .mark_point(size=style.dot_size * 6, color=COLORS["rho"], strokeWidth=2.5)
            .encode(x=x, y=y, tooltip=tip)
        )
        panels.append(alt.layer(line, points, marked, width=300, height=style.map_height - 60))
    return Figure.from_altair(alt.hconcat(*panels).configure(**_config(style)))


def token_layout(tokens, width: int = 96, joined: bool = False) -> pd.DataFrame:
    """Word pieces laid out as text, left to right, wrapping at `width` characters: x (start, in
    characters), x2 (end), line.  A piece that continues a word (##...) is shown without its ## and
    joined to the piece before; other pieces are a space apart.  `joined`: the tokens are characters,
    each right after the one before, a newline starting a new line (shown as ↵)."""
    rows, x, line = [], 0.0, 0
    for tok in tokens:
        if joined:
            rows.append({"shown": "↵" if tok == "\n" else tok, "x": x, "x2": x + 1, "line": line})
            x, line = (0.0, line + 1) if tok == "\n" or x + 1 >= width else (x + 1, line)
            continue
        glued = tok.startswith("##")
        shown = tok[2:] if glued else tok
        size = max(len(shown), 1)
        start = x if glued or x == 0 else x + 1
        if start and start + size > width:
            start, line = 0.0, line + 1
        rows.append({"shown": shown, "x": start, "x2": start + size, "line": line})
        x = start + size
    return pd.DataFrame(rows)


def token_chart(scores: pd.DataFrame, style: Style, width: int = 96, joined: bool = False) -> Figure:
    """The text's word pieces (or characters, `joined`: see token_layout), one panel a score (columns of
    `scores`: token, then one per panel, each 0..1 of its own maximum), each on a box coloured by its score.
    A template: a new score on the same text (Retrieval's gap, a new layer) swaps the panels' tables only."""
    layout = token_layout(scores["token"], width, joined)
    lines = int(layout["line"].max()) + 1 if len(layout) else 1
    if len(layout):  # typed as the browser reads them (`finite`: no per-row parse)
        layout = layout.astype({"x": np.float64, "x2": np.float64, "line": np.int32})
    titles = tuple(c for c in scores.columns if c != "token")
    spec = _token_template(titles, width, lines, joined, style)
    tables = {
        f"tokens-{k}": layout.assign(score=scores[name].to_numpy(), token=scores["token"].to_numpy())
        for k, name in enumerate(titles)
    }
    return Figure(spec, tables)


@template
def _token_template(titles: tuple, width: int, lines: int, joined: bool, style: Style) -> alt.VConcatChart:
    """token_chart's spec: panel k draws table "tokens-k" under titles[k]."""
    char = style.font_size * 0.6  # pixels a character (the chart's monospace font)
    x = alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, width], nice=False))
    y = alt.Y("line:O", axis=None)
    panels = []
    for k, name in enumerate(titles):
        data = finite(f"tokens-{k}")
        boxes = (
            alt.Chart(data)
            .mark_bar(height=style.font_size + 6, cornerRadius=0 if joined else 2)
            .encode(
                x=x,
                x2="x2:Q",
                y=y,
                color=alt.Color("score:Q", title=name, scale=ramp_scale(0.0, 1.0, ATTENTION_COLORS), legend=None),
                tooltip=["token:N", alt.Tooltip("score:Q", format=".3f")],
            )
        )
        text = (
            alt.Chart(data)
            .mark_text(align="left", dx=0, font="monospace", fontSize=style.font_size)
            .encode(
                x=x,
                y=y,
                text="shown:N",
                color=alt.condition("datum.score > 0.6", alt.value("white"), alt.value("#111827")),
            )
        )
        size = {"width": round(width * char), "height": lines * (style.font_size + 10)}
        panels.append(alt.layer(boxes, text, **size).properties(title=name))
    return alt.vconcat(*panels).resolve_scale(color="independent").configure(**_config(style))
