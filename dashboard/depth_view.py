"""The Depth page: the gradient at every layer of a deep feed-forward network and against its width
(core/depth.py), and the RNN lab's RNN unrolled into a deep network.  stack_view.py has the stacked RNN and
the Transformer stacks."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.depth import ACTIVATIONS, DERIVATIVE_BOUND, INITS, WEIGHT_VARIANCE, DepthConfig
from core.models.rnn import INITS as RNN_INITS
from core.models.rnn import NONLINEARITIES

from . import cached
from .charts.curves import curves_chart, curves_data
from .charts.style import COLORS, DASHED, DOTTED, SOLID, Style, pow10_label
from .figure import memo
from .frame import row
from .i18n import chart_labels, coded_labels, t
from .lab import Chart, Section
from .url import bound, choice_ui

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


def measured(cfg: DepthConfig) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The gradient at every layer, the derivative bound and the variance prediction (NaN where they do not hold)."""
    return cached.depth_gradient(cfg), cached.depth_bound(cfg), cached.variance_prediction_by_layer(cfg)


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
    return DepthView(Section(figure, text, functools.partial(table, cfg)), first, per_layer)


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


# --- the first layer's gradient against width -------------------------------------------------------------

WIDTHS = (8, 16, 32, 64, 128, 256, 512)
# L·H² of the widest network drawn: the whole chart then takes about half a second on one core at any depth
# (up to 512 at 10 layers, 256 at the 30-layer default, 128 at 100)
WIDTH_WORK = 2_700_000


def widths_within(layers: int) -> tuple[int, ...]:
    """The widths of WIDTHS whose network stays within the page's work cap at `layers` layers."""
    return tuple(w for w in WIDTHS if layers * w * w <= WIDTH_WORK) or WIDTHS[:1]


def width_table(cfg: DepthConfig) -> pd.DataFrame:
    """width, and the first layer's log10 gradient measured and as the variance argument predicts it (NaN
    where it does not hold), at each width, the page's other settings as they are.  Each width's
    network is the page's at that width (the same cache), so moving the width slider reuses them."""
    rows = []
    for width in widths_within(cfg.layers):
        at_width = replace(cfg, width=width)
        first = float(cached.depth_gradient(at_width)["log10_grad_norm"].iloc[0])
        rows.append((width, first, float(cached.variance_prediction_by_layer(at_width)[0])))
    return pd.DataFrame(rows, columns=["width", "log10_grad_norm", "log10_variance_prediction"])


@functools.partial(memo, max_entries=64)
def _by_width(cfg: DepthConfig, style: Style) -> Section:
    frame = width_table(cfg)
    measured = t("depth.series_first_layer")
    curves = {measured: (frame["width"].to_numpy(), frame["log10_grad_norm"].to_numpy())}
    styles = {measured: (COLORS["measured"], SOLID)}
    if not frame["log10_variance_prediction"].isna().all():
        predicted = t("depth.series_variance")
        curves[predicted] = (frame["width"].to_numpy(), frame["log10_variance_prediction"].to_numpy())
        styles[predicted] = (COLORS["rho"], DASHED)
    labels = {**chart_labels(), "axis_distance": t("depth.axis_width"), "axis_log10": t("depth.axis_first_layer")}
    figure = curves_chart(curves_data(curves, labels), labels, styles, [measured], style, log_x=True)
    return Section(figure, width_caption(cfg, frame), functools.partial(width_table, cfg))


def by_width_section(cfg: DepthConfig, style: Style) -> Section:
    return _by_width(replace(cfg, width=PAGE_DEFAULTS.width), style)  # the page's width is not part of it


def width_caption(cfg: DepthConfig, frame: pd.DataFrame) -> str:
    """The first layer's gradient at the narrowest and the widest width, and, for a plain network, how far
    each is from the variance prediction: whether the measurement comes closer to it with width."""
    zero = t("common.zero")
    narrow, wide = frame.iloc[0], frame.iloc[-1]
    notes = [
        t(
            "depth.width_caption",
            L=cfg.layers,
            narrow=int(narrow.width),
            narrow_value=pow10_label(narrow.log10_grad_norm, zero),
            wide=int(wide.width),
            wide_value=pow10_label(wide.log10_grad_norm, zero),
        )
    ]
    gaps = (frame["log10_grad_norm"] - frame["log10_variance_prediction"]).abs().to_numpy()
    if cfg.layers > 1 and np.isfinite(gaps[[0, -1]]).all():
        key = "depth.width_closer" if gaps[-1] < gaps[0] else "depth.width_not_closer"
        notes.append(
            t(
                key,
                narrow=int(narrow.width),
                narrow_gap=f"{gaps[0]:.2f}",
                wide=int(wide.width),
                wide_gap=f"{gaps[-1]:.2f}",
            )
        )
    if int(wide.width) < WIDTHS[-1]:
        notes.append(t("depth.width_cut", L=cfg.layers, wide=int(wide.width)))
    return "\n\n".join(notes)


FEED_FORWARD = [
    Chart("depth-gradient", lambda cfg, style: build(cfg, style).section, title="depth.chart_title"),
    Chart("depth-width", by_width_section, title="depth.width_title"),
]


UNROLLED_RANGES = {"seq_len": (2, 500, 1), "weight_scale": (0.5, 1.5, 0.01)}  # T·H² ≤ 2·10⁶ a curve
UNROLLED_DEFAULTS = {"seq_len": 100, "weight_scale": 1.0, "nonlinearity": "tanh", "init": "orthogonal"}
UNROLLED_WIDTH = 64  # H, as the RNN lab's default


@dataclass(frozen=True)
class RecurrentControls:
    """A recurrent section's controls (the unrolled RNN, the stacked RNN)."""

    seq_len: int
    weight_scale: float
    nonlinearity: str
    init: str
    layers: int = 1


def rnn_controls_ui(prefix: str, ranges: dict, defaults: dict, labels: dict, init_label: str) -> RecurrentControls:
    """A recurrent section's controls, bound to the URL (`<prefix>_<name>`, `<prefix>_phi`, `<prefix>_init`):
    a slider for each of `ranges` ((min, max, step), labelled by `labels`), then the nonlinearity and the
    initialisation of W.  Whole-number ranges give ints, the others floats."""
    d, values = defaults, {}
    cols = row(len(ranges) + 2)
    for column, (name, (lo, hi, step)) in zip(cols, ranges.items(), strict=False):
        value = column.slider(labels[name], lo, hi, d[name], step, **bound(f"{prefix}_{name}", d[name]))
        values[name] = int(value) if isinstance(step, int) else float(value)
    phi = coded_labels("nonlinearity", NONLINEARITIES)
    values["nonlinearity"] = choice_ui(cols[-2], t("rnn.nonlinearity"), phi, d["nonlinearity"], f"{prefix}_phi")
    inits = coded_labels("init", RNN_INITS)
    values["init"] = choice_ui(cols[-1], init_label, inits, d["init"], f"{prefix}_init", t("rnn.init_help"))
    return RecurrentControls(**values)


def unrolled_controls_ui() -> RecurrentControls:
    """T, ρ, the nonlinearity and the tied W's initialisation (`unroll_*`)."""
    labels = {"seq_len": t("rnn.seq_len"), "weight_scale": t("rnn.weight_scale")}
    return rnn_controls_ui("unroll", UNROLLED_RANGES, UNROLLED_DEFAULTS, labels, t("depth.unroll_init"))


def _unrolled(c: RecurrentControls, tied: bool) -> pd.DataFrame:
    return cached.unrolled(c.seq_len, UNROLLED_WIDTH, c.weight_scale, c.nonlinearity, c.init, tied)


@functools.partial(memo, max_entries=64)
def build_unrolled(c: RecurrentControls, style: Style) -> Section:
    """Tied (one W at every step: the RNN itself) against untied (an independent ρ·Q_t a step)."""
    tied, untied = _unrolled(c, True), _unrolled(c, False)
    names = (t("depth.series_tied"), t("depth.series_untied"))
    curves = {
        name: (f["distance"].to_numpy(), f["log10_grad_norm"].to_numpy())
        for name, f in zip(names, (tied, untied), strict=True)
    }
    styles = {names[0]: (COLORS["measured"], SOLID), names[1]: (COLORS["rho"], DOTTED)}
    labels = chart_labels()
    figure = curves_chart(curves_data(curves, labels), labels, styles, list(names), style)
    return Section(figure, unrolled_caption(c, tied, untied), functools.partial(unrolled_table, c))


def unrolled_caption(c: RecurrentControls, tied: pd.DataFrame, untied: pd.DataFrame) -> str:
    """Both first-word gradients, where the two curves differ most, and, for a non-normal W, its norm
    against its spectral radius: all from the numbers drawn."""
    zero = t("common.zero")
    a, b = tied["log10_grad_norm"].to_numpy(), untied["log10_grad_norm"].to_numpy()
    notes = [t("depth.unroll_caption", T=c.seq_len, tied=pow10_label(a[0], zero), untied=pow10_label(b[0], zero))]
    both = np.isfinite(a) & np.isfinite(b)
    if both.any():
        gap = np.where(both, a - b, 0.0)
        i = int(np.argmax(np.abs(gap)))
        key = "depth.unroll_gap_lower" if gap[i] < 0 else "depth.unroll_gap_higher"
        notes.append(t(key, gap=f"{abs(gap[i]):.1f}", d=int(tied["distance"].iloc[i])))
    zeros = int(np.sum(a == -np.inf))
    if zeros:
        notes.append(t("depth.unroll_zeros", n=zeros, T=c.seq_len))
    norm, radius = cached.shared_matrix_norms(UNROLLED_WIDTH, c.weight_scale, c.init)
    if norm > 1.01 * radius:  # non-normal enough to say so (orthogonal: equal; gaussian: about 1.8×)
        notes.append(t("depth.unroll_nonnormal", norm=f"{norm:.3g}", radius=f"{radius:.3g}" if radius > 1e-9 else "0"))
    return "\n\n".join(notes)


def unrolled_table(c: RecurrentControls) -> pd.DataFrame:
    return pd.concat(
        [_unrolled(c, True).assign(weights="tied"), _unrolled(c, False).assign(weights="untied")], ignore_index=True
    )


UNROLLED = [Chart("unrolled-rnn", build_unrolled)]  # headed by its lab (pages/depth.py)
