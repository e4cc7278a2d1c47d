"""The Depth page's last two sections: a stacked RNN's gradient over layers × time (core/stacked.py),
and a stack of Transformer layers, post-norm against pre-norm (core/transformer_depth.py)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import cached
from .charts.curves import curves_chart, curves_data
from .charts.images import layer_time_map
from .charts.style import COLORS, DASHED, SOLID, Style, pow10_label
from .depth_view import RecurrentControls, rnn_controls_ui
from .figure import memo
from .frame import row
from .i18n import chart_labels, t
from .lab import Chart, Section
from .url import bound

STACK_RANGES = {"layers": (1, 8, 1), "seq_len": (2, 500, 1), "weight_scale": (0.5, 1.5, 0.01)}  # ≤ 4,000 cells
STACK_DEFAULTS = {"layers": 4, "seq_len": 100, "weight_scale": 1.0, "nonlinearity": "tanh", "init": "orthogonal"}
STACK_WIDTH = 64  # H in every layer, as the RNN lab's default


def stacked_controls_ui() -> RecurrentControls:
    """Layers, T, ρ, the nonlinearity and every W_k's initialisation (`stack_*`)."""
    labels = {"layers": t("depth.stack_layers"), "seq_len": t("rnn.seq_len"), "weight_scale": t("rnn.weight_scale")}
    return rnn_controls_ui("stack", STACK_RANGES, STACK_DEFAULTS, labels, t("rnn.init"))


def stacked(c: RecurrentControls, layers: int) -> pd.DataFrame:
    return cached.stacked_rnn(layers, c.seq_len, STACK_WIDTH, c.weight_scale, c.nonlinearity, c.init)


def _grid(frame: pd.DataFrame) -> np.ndarray:
    """(layers + 1, T) log10 values, columns by distance 0 .. T − 1."""
    return frame.pivot(index="layer", columns="distance", values="log10_grad_norm").to_numpy()


@functools.partial(memo, max_entries=64)
def build_stacked(c: RecurrentControls, style: Style) -> Section:
    """The map, and a caption with its corners beside the one-layer RNN's first word."""
    grid = _grid(stacked(c, c.layers))
    labels = {**chart_labels(), "axis_layer": t("depth.stack_axis_layer")}
    caption = stacked_caption(c, grid, _grid(stacked(c, 1)))
    return Section(layer_time_map(grid, labels, style), caption, functools.partial(stacked, c, c.layers))


def stacked_caption(c: RecurrentControls, grid: np.ndarray, one: np.ndarray) -> str:
    """From the map's numbers: depth alone (the input at the last word), length alone (the top layer at
    the first word), both (the input at the first word), against one layer; the loss a step along
    layer 1 and along the top layer."""
    zero, L, T = t("common.zero"), c.layers, c.seq_len
    label = functools.partial(pow10_label, zero_label=zero)
    notes = [
        t("depth.stack_caption", L=L, T=T, depth=label(grid[0, 0]), both=label(grid[0, -1]), length=label(grid[L, -1]))
    ]
    notes.append(t("depth.stack_one", one=label(one[0, -1])))
    if L > 1 and np.isfinite(grid[0, -1]) and np.isfinite(one[0, -1]):
        gap = grid[0, -1] - one[0, -1]
        key = "depth.stack_less" if gap < 0 else "depth.stack_more"
        notes.append(t(key, gap=f"{abs(gap):.1f}"))
    if L > 1 and np.isfinite(grid[[1, L]][:, [0, -1]]).all():
        per_step = (grid[[1, L], -1] - grid[[1, L], 0]) / (T - 1)
        notes.append(t("depth.stack_rows", L=L, first=f"{10 ** per_step[0]:.3g}", top=f"{10 ** per_step[1]:.3g}"))
    return "\n\n".join(notes)


TRANSFORMER_RANGES = {"layers": (1, 24, 1), "seed": (0, 9999, 1)}
TRANSFORMER_DEFAULTS = {"layers": 24, "seed": 0}


@dataclass(frozen=True)
class StackControls:
    layers: int = TRANSFORMER_DEFAULTS["layers"]
    seed: int = TRANSFORMER_DEFAULTS["seed"]


def transformer_controls_ui() -> StackControls:
    """Depth and seed, bound to the URL (`tdepth_*`)."""
    d, values = TRANSFORMER_DEFAULTS, {}
    cols = row(2)
    for column, name in zip(cols, ("layers", "seed"), strict=True):
        lo, hi, step = TRANSFORMER_RANGES[name]
        label = t(f"depth.{name}")
        values[name] = int(column.slider(label, lo, hi, d[name], step, **bound(f"tdepth_{name}", d[name])))
    return StackControls(**values)


@functools.partial(memo, max_entries=64)
def build_transformer(c: StackControls, style: Style) -> Section:
    frame = cached.transformers_in_depth(c.layers, c.seed)
    names = {"post": t("depth.series_post"), "pre": t("depth.series_pre")}
    curves = {
        names[norm]: (part["layer"].to_numpy(), part["log10_grad_norm"].to_numpy())
        for norm, part in frame.groupby("norm", sort=False)
    }
    styles = {names["post"]: (COLORS["rho"], DASHED), names["pre"]: (COLORS["measured"], SOLID)}
    labels = {**chart_labels(), "axis_distance": t("depth.tdepth_axis")}
    figure = curves_chart(curves_data(curves, labels), labels, styles, list(styles), style)
    table = functools.partial(cached.transformers_in_depth, c.layers, c.seed)
    return Section(figure, transformer_caption(c, frame), table)


def transformer_caption(c: StackControls, frame: pd.DataFrame) -> str:
    """Each variant's input gradient against its top layer's, and the average factor a layer."""
    L, values = c.layers, {}
    for norm, part in frame.groupby("norm"):
        log10 = part.sort_values("layer")["log10_grad_norm"].to_numpy()
        drop = log10[0] - log10[-1]
        values[norm] = (f"{10**drop:.2g}" if abs(drop) < 3 else pow10_label(drop), f"{10 ** (drop / L):.3g}")
    post, pre = values["post"], values["pre"]
    return t("depth.tdepth_caption", L=L, post=post[0], post_factor=post[1], pre=pre[0], pre_factor=pre[1])


STACKED = [Chart("stacked-rnn", build_stacked)]  # each headed by its lab (pages/depth.py)
TRANSFORMERS = [Chart("transformers", build_transformer)]
