"""Presentation shared by every chart: the Style (sizes for a screen or a projector), colours, dashes,
the Vega-Lite config, and 10^x labels.

One colour per model in every chart and every language (MODEL_COLORS), the theory lines' colours
(COLORS), the colour ramps of the maps, and the config that sets font sizes for the screen or a
projector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import altair as alt
import numpy as np

# ColorBrewer RdBu (11 classes), blue for vanishing (log10 < 0) through white to red for exploding
HEATMAP_COLORS = (
    "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
    "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
)  # fmt: skip


# ColorBrewer Blues (9 classes): attention weight 0 (white) to 1 (dark blue)
ATTENTION_COLORS = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")


# one colour per layer kind of Table 1 in every language (a scale over translated names would sort them anew):
# the attention pair in reds, the recurrent and convolutional layers in blues
KIND_COLORS = {
    "recurrent": "#83c9ff",
    "self-attention": "#ff2b2b",
    "restricted self-attention": "#ffabab",
    "convolutional": "#0068c9",
    "linear recurrence (scan)": "#0891b2",  # not in the paper: the LRU's layer (RNNs came back)
}

COLORS = {"measured": "#1f5fbf", "rho": "#e07b00", "bound": "#6b7280", "no_path": "#9ca3af"}


def pow10_label(log10_value: float, zero_label: str = "0") -> str:
    """10^-45.2 style text for a log10 value; `zero_label` for -inf (an exactly zero gradient)."""
    return pow10_labels([log10_value], zero_label)[0]


def pow10_labels(log10_values, zero_label: str = "0") -> list[str]:
    """pow10_label of every value: one pass, without a numpy call per value; "—" for NaN and +inf."""
    return [
        f"10^{v:.1f}" if math.isfinite(v) else (zero_label if v == -math.inf else "—")
        for v in np.asarray(log10_values, dtype=float).tolist()
    ]


@dataclass(frozen=True)
class Style:
    """How charts are drawn: sizes for a screen (SCREEN) or for a projector (PROJECTOR, presenter
    mode).  Passed whole to every builder, which reads the sizes it needs; hashable, so it is part
    of a cached chart's key."""

    font_size: int = 12  # axis and legend labels; titles one to three points larger
    note_font_size: int = 11  # text marks beside points (the timeline's notes, the map's ρ = 1 label)
    line_width: float = 2.5  # a chart's main curves
    secondary_line_width: float = 2  # other curves, and the range bars over seeds
    rule_width: float = 1.5  # marker lines (the current ρ on the map)
    ring_width: float = 1.5  # the eigenvalue chart's circles
    dot_size: int = 36  # the eigenvalue dots (area in px²)
    marker_size: int = 160  # the timeline's points (area in px²)
    legend_length: int = 160  # a colour legend's gradient
    chart_height: int = 360  # a curves chart
    map_height: int = 320  # the weight-scale map and the clipping chart
    square_side: int = 320  # the eigenvalue chart (square, so the unit circle stays round)
    row_height: int = 32  # the timeline, per paper


SCREEN = Style()
PROJECTOR = Style(
    font_size=18,
    note_font_size=15,
    line_width=4,
    secondary_line_width=3,
    rule_width=2.5,
    ring_width=2,
    dot_size=60,
    marker_size=260,
    legend_length=200,
    chart_height=350,  # 1280 × 720: the chart, a three-line verdict above it and the controls beside it (tested)
    map_height=360,
    square_side=380,
    row_height=40,
)


def vega_config(style: Style) -> alt.Config:
    """Font sizes and legend placement, passed at construction: each configure_*() call would
    deep-copy the whole chart, data included (a third of the build time).

    aria=False: Vega-Lite otherwise gives every mark item an ARIA description built by several
    format() calls, evaluated on every redraw through Streamlit's CSP-safe expression interpreter
    (about a fifth of a chart's redraw, measured), and a canvas, which is what the page draws on,
    never shows it.  Exported files get it back (export.export_spec)."""
    size = style.font_size
    return alt.Config(
        aria=False,
        axis=alt.AxisConfig(labelFontSize=size, titleFontSize=size + 1),
        legend=alt.LegendConfig(labelFontSize=size, titleFontSize=size, orient="bottom", labelLimit=400),
        title=alt.TitleConfig(fontSize=size + 3),
    )


SOLID, DASHED, DOTTED = [1, 0], [8, 5], [2, 3]


FREE = alt.Scale(nice=False, zero=False)  # an axis spanning exactly the data (see clip_to_box)


# One colour per model, the same on every page and in every language.
MODEL_COLORS = {
    "rnn": "#1f5fbf",
    "lstm": "#e07b00",
    "gru": "#dc2626",
    "birnn": "#059669",
    "transformer": "#7c3aed",
    "truncated": "#7c3aed",  # the truncated RNN (Remedies), never on a chart with the Transformer
    "restricted": "#db2777",  # the restricted-attention Transformer (Head to head)
    "lru": "#0891b2",
    "mingru": "#65a30d",
}
