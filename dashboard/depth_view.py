"""The Depth page: the gradient at every layer of a deep feed-forward network (core/depth.py)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.depth import (
    ACTIVATIONS,
    DERIVATIVE_BOUND,
    INITS,
    WEIGHT_VARIANCE,
    DepthConfig,
    derivative_bound_by_layer,
    gradient_by_layer,
    variance_prediction_by_layer,
)

from .bytecache import byte_cache
from .charts import COLORS, DASHED, DOTTED, SOLID, Style, curves_chart, curves_data, pow10_label
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
def measured(cfg: DepthConfig) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The gradient at every layer, the derivative bound and the variance prediction (NaN where they do not hold)."""
    return gradient_by_layer(cfg), derivative_bound_by_layer(cfg), variance_prediction_by_layer(cfg)


@dataclass(frozen=True)
class DepthView:
    section: Section
    first_log10: float  # log10 ‖∂ℓ/∂h_1‖ (layer L's is 0)
    per_layer: float  # the mean factor a layer, log10


@functools.partial(memo, max_entries=64)
def build(cfg: DepthConfig, style: Style) -> DepthView:
    frame, bound_line, variance_line = measured(cfg)
    labels = {**chart_labels(), "axis_distance": t("depth.axis_layer")}
    layer = frame["layer"].to_numpy()
    curves = {t("depth.series_measured"): (layer, frame["log10_grad_norm"].to_numpy())}
    styles = {t("depth.series_measured"): (COLORS["measured"], SOLID)}
    theory = (("variance", variance_line, COLORS["rho"], DASHED), ("bound", bound_line, COLORS["bound"], DOTTED))
    for key, line, colour, dash in theory:
        if not np.isnan(line).all():
            curves[t(f"depth.series_{key}")] = (layer, line)
            styles[t(f"depth.series_{key}")] = (colour, dash)
    figure = curves_chart(curves_data(curves, labels), labels, styles, [t("depth.series_measured")], style)
    first = float(frame["log10_grad_norm"].iloc[0])
    per_layer = first / (cfg.layers - 1) if cfg.layers > 1 else 0.0
    text = caption(cfg, first, per_layer, bound_line, variance_line)
    return DepthView(Section(figure, text), first, per_layer)


def _factor(log10_per_layer: float) -> str:
    return f"{10**log10_per_layer:.3g}" if math.isfinite(log10_per_layer) else "0"


def caption(cfg: DepthConfig, first: float, per_layer: float, bound_line: np.ndarray, variance_line: np.ndarray) -> str:
    """What the chart shows at this setting, from its numbers."""
    if cfg.layers == 1:
        return t("depth.caption_one")
    ratio = pow10_label(first, t("common.zero"))
    notes = [t("depth.caption", ratio=ratio, L=cfg.layers, factor=_factor(per_layer))]
    if np.isnan(variance_line).all():
        notes.append(t("depth.caption_no_bound"))
        return "\n\n".join(notes)
    predicted = float(variance_line[0]) / (cfg.layers - 1)
    sigma2 = f"{WEIGHT_VARIANCE[cfg.init] * cfg.scale**2:.3g}"
    notes.append(t("depth.caption_variance", sigma2=sigma2, predicted=_factor(predicted), measured=_factor(per_layer)))
    notes.append(t("depth.caption_bound", gamma=f"{DERIVATIVE_BOUND[cfg.activation]:g}"))
    return "\n\n".join(notes)


def table(cfg: DepthConfig) -> pd.DataFrame:
    """The CSV: every layer's gradient, the bound and the variance prediction."""
    frame, bound_line, variance_line = measured(cfg)
    return frame.assign(log10_bound=bound_line, log10_variance_prediction=variance_line)


def draw(cfg: DepthConfig, slot, style: Style) -> None:
    view = build(cfg, style)
    slot.draw(view.section.figure, lambda: table(cfg), view.section.caption)


UNROLLED_RANGES = {"seq_len": (2, 500, 1), "weight_scale": (0.5, 1.5, 0.01)}  # T·H² ≤ 2·10⁶ a curve
UNROLLED_DEFAULTS = {"seq_len": 100, "weight_scale": 1.0, "nonlinearity": "tanh", "init": "orthogonal"}
UNROLLED_WIDTH = 64  # H, as the RNN lab's default


def rnn_controls_ui(prefix: str, ranges: dict, defaults: dict, labels: dict, init_label: str) -> dict:
    """A recurrent section's controls, bound to the URL (`<prefix>_<name>`, `<prefix>_phi`, `<prefix>_init`):
    a slider for each of `ranges` ((min, max, step), labelled by `labels`), then the nonlinearity and the
    initialisation of W.  Whole-number ranges give ints, the others floats."""
    from core.models.rnn import INITS as RNN_INITS
    from core.models.rnn import NONLINEARITIES

    d, values = defaults, {}
    cols = row(len(ranges) + 2)
    for column, (name, (lo, hi, step)) in zip(cols, ranges.items(), strict=False):
        value = column.slider(labels[name], lo, hi, d[name], step, **bound(f"{prefix}_{name}", d[name]))
        values[name] = int(value) if isinstance(step, int) else float(value)
    phi = coded_labels("nonlinearity", NONLINEARITIES)
    values["nonlinearity"] = choice_ui(cols[-2], t("rnn.nonlinearity"), phi, d["nonlinearity"], f"{prefix}_phi")
    inits = coded_labels("init", RNN_INITS)
    values["init"] = choice_ui(cols[-1], init_label, inits, d["init"], f"{prefix}_init", t("rnn.init_help"))
    return values


def unrolled_controls_ui() -> dict:
    """T, ρ, the nonlinearity and the tied W's initialisation (`unroll_*`)."""
    labels = {"seq_len": t("rnn.seq_len"), "weight_scale": t("rnn.weight_scale")}
    return rnn_controls_ui("unroll", UNROLLED_RANGES, UNROLLED_DEFAULTS, labels, t("depth.unroll_init"))


@byte_cache(max_mb=8)
def unrolled(seq_len: int, weight_scale: float, nonlinearity: str, init: str, tied: bool) -> pd.DataFrame:
    from core.depth import unrolled_rnn

    return unrolled_rnn(seq_len, UNROLLED_WIDTH, weight_scale, nonlinearity, init, tied=tied)


@functools.partial(memo, max_entries=64)
def build_unrolled(c: dict, style: Style) -> Section:
    """Tied (one W at every step: the RNN itself) against untied (an independent ρ·Q_t a step)."""
    args = (c["seq_len"], c["weight_scale"], c["nonlinearity"], c["init"])
    tied, untied = unrolled(*args, True), unrolled(*args, False)
    names = (t("depth.series_tied"), t("depth.series_untied"))
    curves = {
        name: (f["distance"].to_numpy(), f["log10_grad_norm"].to_numpy())
        for name, f in zip(names, (tied, untied), strict=True)
    }
    styles = {names[0]: (COLORS["measured"], SOLID), names[1]: (COLORS["rho"], DOTTED)}
    labels = chart_labels()
    figure = curves_chart(curves_data(curves, labels), labels, styles, list(names), style)
    return Section(figure, unrolled_caption(c, tied, untied))


def unrolled_caption(c: dict, tied: pd.DataFrame, untied: pd.DataFrame) -> str:
    """Both first-word gradients, where the two curves differ most, and, for a non-normal W, its norm
    against its spectral radius: all from the numbers drawn."""
    from core.depth import shared_matrix_norms

    zero = t("common.zero")
    a, b = tied["log10_grad_norm"].to_numpy(), untied["log10_grad_norm"].to_numpy()
    notes = [t("depth.unroll_caption", T=c["seq_len"], tied=pow10_label(a[0], zero), untied=pow10_label(b[0], zero))]
    both = np.isfinite(a) & np.isfinite(b)
    if both.any():
        gap = np.where(both, a - b, 0.0)
        i = int(np.argmax(np.abs(gap)))
        key = "depth.unroll_gap_lower" if gap[i] < 0 else "depth.unroll_gap_higher"
        notes.append(t(key, gap=f"{abs(gap[i]):.1f}", d=int(tied["distance"].iloc[i])))
    zeros = int(np.sum(a == -np.inf))
    if zeros:
        notes.append(t("depth.unroll_zeros", n=zeros, T=c["seq_len"]))
    norm, radius = shared_matrix_norms(UNROLLED_WIDTH, c["weight_scale"], c["init"])
    if norm > 1.01 * radius:  # non-normal enough to say so (orthogonal: equal; gaussian: about 1.8×)
        notes.append(t("depth.unroll_nonnormal", norm=f"{norm:.3g}", radius=f"{radius:.3g}" if radius > 1e-9 else "0"))
    return "\n\n".join(notes)


def section_ui(name: str, key: str, controls_ui, build, table, style: Style) -> None:
    """One of the page's later sections: heading and intro (locale `depth.<key>_title`, `_intro`), a box
    for its controls, and the places of its chart, downloads and caption (drawn once); then the controls
    as a fragment that fills those places, so a move reruns this section only (dashboard/slots.py)."""
    import streamlit as st

    from .slots import ChartSlot

    st.subheader(t(f"depth.{key}_title"))
    st.markdown(t(f"depth.{key}_intro"))
    box = st.container(border=True)
    slot = ChartSlot(name, title=t(f"depth.{key}_title"))
    with box:
        st.fragment(_section_body)(controls_ui, build, table, slot, style)


def _section_body(controls_ui, build, table, slot, style: Style) -> None:
    """The controls, then the chart in `slot`; where the setting drives the forward state past float64's
    range, a notice in the chart's place instead (core.probe.StateOverflow)."""
    from core.probe import StateOverflow

    c = controls_ui()
    try:
        section = build(c, style)
    except StateOverflow:
        slot.notice(t("depth.overflow"))
        return
    slot.draw(section.figure, lambda: table(c), section.caption)


def unrolled_table(c: dict) -> pd.DataFrame:
    args = (c["seq_len"], c["weight_scale"], c["nonlinearity"], c["init"])
    return pd.concat(
        [unrolled(*args, True).assign(weights="tied"), unrolled(*args, False).assign(weights="untied")],
        ignore_index=True,
    )
