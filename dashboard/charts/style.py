"""Presentation shared by every chart: colours, dashes, the Vega-Lite config, and 10^x labels.

One colour per model in every chart and every language (MODEL_COLORS), the theory lines' colours
(COLORS), the colour ramps of the maps, and the config that sets font sizes for the screen or a
projector.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np

# ColorBrewer RdBu (11 classes), blue for vanishing (log10 < 0) through white to red for exploding
HEATMAP_COLORS = (
    "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7",
    "#fddbc7", "#f4a582", "#d6604d", "#b2182b", "#67001f",
)  # fmt: skip


# ColorBrewer Blues (9 classes): attention weight 0 (white) to 1 (dark blue)
ATTENTION_COLORS = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")


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


def vega_config(big: bool) -> alt.Config:
    """Font sizes and legend placement, passed at construction: each configure_*() call would
    deep-copy the whole chart, data included (a third of the build time).

    aria=False: Vega-Lite otherwise gives every mark item an ARIA description built by several
    format() calls, evaluated on every redraw through Streamlit's CSP-safe expression interpreter
    (about a fifth of a chart's redraw, measured), and a canvas, which is what the page draws on,
    never shows it.  Exported files get it back (export.export_spec)."""
    size = 18 if big else 12
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
}
