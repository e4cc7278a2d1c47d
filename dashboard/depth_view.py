"""The Depth page: the gradient at every layer of a deep feed-forward network (core/depth.py)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.depth import ACTIVATIONS, DERIVATIVE_BOUND, INITS, DepthConfig, derivative_bound_by_layer, gradient_by_layer

from .bytecache import byte_cache
from .charts import COLORS, DOTTED, SOLID, Style, curves_chart, curves_data, pow10_label
from .controls import choice_ui, coded_labels
from .defaults import bound
from .figure import Section, memo
from .frame import row
from .i18n import chart_labels, t

RANGES = {  # (min, max, step): the page's cap on one visitor's work (L·H² ≤ 6.6·10⁶)
    "layers": (1, 100, 1),
    "width": (8, 256, 8),
    "scale": (0.1, 3.0, 0.05),
    "seed": (0, 9999, 1),
}
PAGE_DEFAULTS = DepthConfig(layers=30, activation="sigmoid")  # vanishing at once; the core's own defaults differ


def controls_ui() -> DepthConfig:
    """Depth, width, activation, initialisation × scale, residual, LayerNorm and seed, bound to the URL."""
    d = PAGE_DEFAULTS
    values = {}
    cols = row(2)
    values["activation"] = choice_ui(
        cols[0], t("depth.activation"), coded_labels("activation", ACTIVATIONS[:3]), d.activation, "depth_activation"
    )
    values["init"] = choice_ui(
        cols[1], t("depth.init"), coded_labels("winit", INITS), d.init, "depth_init", t("depth.init_help")
    )
    cols = row(4)
    for column, name in zip(cols, ("layers", "width", "scale", "seed"), strict=True):
        lo, hi, step = RANGES[name]
        default = getattr(d, name)
        label = t(f"depth.{name}")
        values[name] = column.slider(label, lo, hi, default, step, **bound(f"depth_{name}", default))
    cols = row(2)
    values["residual"] = cols[0].toggle(t("depth.residual"), d.residual, **bound("depth_residual", d.residual))
    values["norm"] = cols[1].toggle(t("depth.norm"), d.norm, **bound("depth_norm", d.norm))
    return DepthConfig(
        layers=int(values["layers"]),
        width=int(values["width"]),
        activation=values["activation"],
        init=values["init"],
        scale=float(values["scale"]),
        residual=bool(values["residual"]),
        norm=bool(values["norm"]),
        seed=int(values["seed"]),
    )


@byte_cache(max_mb=8)
def measured(cfg: DepthConfig) -> tuple[pd.DataFrame, np.ndarray]:
    """The gradient at every layer, and the derivative bound (NaN where it does not hold)."""
    return gradient_by_layer(cfg), derivative_bound_by_layer(cfg)


@dataclass(frozen=True)
class DepthView:
    section: Section
    first_log10: float  # log10 ‖∂ℓ/∂h_1‖ (layer L's is 0)
    per_layer: float  # the mean factor a layer, log10


@functools.partial(memo, max_entries=64)
def build(cfg: DepthConfig, style: Style) -> DepthView:
    frame, bound_line = measured(cfg)
    labels = {**chart_labels(), "axis_distance": t("depth.axis_layer")}
    layer = frame["layer"].to_numpy()
    curves = {t("depth.series_measured"): (layer, frame["log10_grad_norm"].to_numpy())}
    styles = {t("depth.series_measured"): (COLORS["measured"], SOLID)}
    if np.isfinite(bound_line).all():
        curves[t("depth.series_bound")] = (layer, bound_line)
        styles[t("depth.series_bound")] = (COLORS["bound"], DOTTED)
    figure = curves_chart(curves_data(curves, labels), labels, styles, [t("depth.series_measured")], style)
    first = float(frame["log10_grad_norm"].iloc[0])
    per_layer = first / (cfg.layers - 1) if cfg.layers > 1 else 0.0
    return DepthView(Section(figure, caption(cfg, first, per_layer, bound_line)), first, per_layer)


def caption(cfg: DepthConfig, first: float, per_layer: float, bound_line: np.ndarray) -> str:
    """What the chart shows at this setting, from its numbers."""
    if cfg.layers == 1:
        return t("depth.caption_one")
    ratio = pow10_label(first, t("common.zero"))
    notes = [t("depth.caption", ratio=ratio, L=cfg.layers, factor=f"{10**per_layer:.3g}")]
    if np.isfinite(bound_line).all():
        notes.append(t("depth.caption_bound", gamma=f"{DERIVATIVE_BOUND[cfg.activation]:g}"))
    else:
        notes.append(t("depth.caption_no_bound"))
    return "\n\n".join(notes)


def table(cfg: DepthConfig) -> pd.DataFrame:
    """The CSV: every layer's gradient and the bound."""
    frame, bound_line = measured(cfg)
    return frame.assign(log10_bound=bound_line)


def draw(cfg: DepthConfig, slot, style: Style) -> None:
    view = build(cfg, style)
    slot.draw(view.section.figure, lambda: table(cfg), view.section.caption)
