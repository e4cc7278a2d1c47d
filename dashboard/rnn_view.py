"""The RNN lab's charts: the gradient against distance with its verdict and numbers, and one closer look
(the eigenvalues of W, the map of every weight scale, or the long-run rate against the input scale).

`build` makes everything for one set of controls once, shared by every visitor (figure.memo); each chart's
section reads it.  The tables behind the CSV downloads are rebuilt from the cached probes when clicked.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core.models.rnn import DERIVATIVE_BOUND
from core.theory import Verdict

from . import cached
from .charts.curves import curves_chart, curves_data, gradient_chart, gradient_chart_data
from .charts.geometry import eigenvalue_chart
from .charts.images import HEATMAP_CLIP, heatmap_data, heatmap_image, sweep_heatmap
from .charts.style import COLORS, DASHED, SOLID, Style, pow10_label
from .controls import RnnChoices, RnnControls
from .figure import Figure, memo
from .i18n import chart_labels, t
from .lab import Chart, Section
from .verdict import verdict_alert


@dataclass(frozen=True)
class RnnView:
    verdict: Verdict
    rho: float  # spectral radius of W
    norm: float  # spectral norm of W
    gamma: float  # the nonlinearity's derivative bound (Pascanu's γ)
    log10_rate: float  # the measured long-run rate per step (top Lyapunov exponent), log10; -inf: none survives
    beyond_float: bool  # some gradient is beyond float64's range (drawn from the log domain)
    gradient: Figure
    eigenvalues: Figure


def sweep_caption(init: str) -> str:
    """How to read the weight-scale map, with where its boundary lies for this initialisation."""
    return t("rnn.sweep_caption", clip=int(HEATMAP_CLIP)) + " " + t(f"rnn.sweep_boundary_{init}")


RATE_NEAR = 0.005  # |log10 rate − log10 ρ| up to this (about 1% per step) counts as "the rate is ρ"


def _factor(log10_value: float) -> str:
    """A per-step factor as ×0.575, or ×0 where nothing survives."""
    return "×0" if log10_value == -math.inf else f"×{10**log10_value:.3g}"


def metrics(view: RnnView) -> list[tuple[str, str]]:
    """The five numbers over the charts: (label, value), in the current language."""
    rho, norm = view.rho, view.norm
    return [
        (t("rnn.metric_rho"), f"{rho:.3f}"),
        (t("rnn.metric_norm"), f"{norm:.3f}"),
        (t("rnn.metric_bound"), f"{view.gamma * norm:.3f}"),
        (t("rnn.metric_rate"), _factor(view.log10_rate)),
        (t("rnn.metric_ratio"), pow10_label(view.verdict.log10_ratio, t("common.zero"))),
    ]


def rate_note(view: RnnView) -> str:
    """The measured long-run rate per step against ρ, and why they differ at this setting."""
    rate, rho = view.log10_rate, view.rho
    log_rho = math.log10(rho) if rho > 0 else -math.inf
    if rate == -math.inf:
        why = t("rnn.rate_zero")
    elif math.isfinite(log_rho) and abs(rate - log_rho) <= RATE_NEAR:
        why = t("rnn.rate_near")
    elif rate < log_rho:
        why = t("rnn.rate_below")
    else:
        why = t("rnn.rate_above", bound=f"{view.gamma * view.norm:.3g}")
    return t("rnn.rate_note", rate=_factor(rate), rho=f"{rho:.3g}") + " " + why


def main_caption(view: RnnView) -> str:
    """How to read the main chart, with the notes that apply to this setting."""
    notes = [t("rnn.main_caption")]
    if abs(view.rho - view.norm) < 1e-9 * view.norm:
        notes[0] += " " + t("rnn.lines_coincide")
    notes.append(rate_note(view))
    if view.beyond_float:
        notes.append(t("common.beyond_float"))
    return "\n\n".join(notes)


def _lab(c: RnnControls) -> tuple[pd.DataFrame, pd.DataFrame, float, float, float]:
    """(probe table, eigenvalues of W, ρ(W), ‖W‖₂, log10 long-run rate) for controls `c`, from one model."""
    return cached.rnn_lab(c.seq_len, c.seed, c.input_scale, c.hidden_size, c.weight_scale, c.nonlinearity, c.init)


@functools.partial(memo, max_entries=32)  # a map image is under 0.1 MB
def _map(c: RnnControls) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The map's cells (every scale and distance, with its value as text) and their image, for controls
    `c` whose weight scale is left at its default: the map shows every scale, so ρ is not part of it."""
    sweep = cached.rnn_sweep(c.seq_len, c.hidden_size, c.nonlinearity, c.init, c.input_scale, c.seed)
    cells = heatmap_data(sweep, chart_labels())
    return cells, heatmap_image(cells)


def _map_of(c: RnnControls) -> tuple[pd.DataFrame, pd.DataFrame]:
    return _map(replace(c, weight_scale=RnnControls.weight_scale))


@functools.partial(memo, max_entries=64)
def build(c: RnnControls, style: Style) -> RnnView:
    """Everything the lab draws for controls `c` in language `lang` (the key of the shared cache)."""
    text = chart_labels()
    probe, eigs, rho, norm, rate = _lab(c)
    gamma = DERIVATIVE_BOUND[c.nonlinearity]
    theory = cached.theory_frame(probe["distance"], rho, norm, gamma)
    logs = probe["log10_grad_norm"].to_numpy()  # ±inf (no path, overflow) is drawn from the log domain
    return RnnView(
        verdict=cached.verdict(probe),
        rho=rho,
        norm=norm,
        gamma=gamma,
        log10_rate=rate,
        beyond_float=bool((np.abs(logs[np.isfinite(logs)]) > 308).any()),
        gradient=gradient_chart(gradient_chart_data(probe, theory, text), text, style),
        eigenvalues=eigenvalue_chart(eigs, rho, norm, text, style),
    )


@functools.partial(memo, max_entries=64)
def weight_map(c: RnnControls, style: Style) -> Figure:
    """The map of every weight scale (built only when shown: its sweep runs a probe per scale)."""
    text = chart_labels()
    return sweep_heatmap(_map_of(c)[1], c.weight_scale, text, style=style)


def gradient_table(c: RnnControls) -> pd.DataFrame:
    """The main chart's CSV: every distance with the measured gradient and both theory lines."""
    probe, _, rho, norm, _ = _lab(c)
    theory = cached.theory_frame(probe["distance"], rho, norm, DERIVATIVE_BOUND[c.nonlinearity])
    return probe.merge(theory, on="distance")


def eigenvalue_table(c: RnnControls) -> pd.DataFrame:
    return _lab(c)[1]


def _rates(c: RnnControls) -> pd.DataFrame:
    return cached.rnn_rates(c.hidden_size, c.weight_scale, c.nonlinearity, c.init, c.seed)


def rate_curves(c: RnnControls) -> dict[str, pd.DataFrame]:
    """The measured rate at every input scale, and log10 ρ beside it (the rate a linear RNN would have)."""
    rates, rho = _rates(c), _lab(c)[2]
    x = rates["input_scale"].to_numpy()
    log_rho = math.log10(rho) if rho > 0 else -math.inf
    return {
        t("rnn.series_rate"): pd.DataFrame({"distance": x, "log10": rates["log10_rate"]}),
        t("rnn.series_log_rho"): pd.DataFrame({"distance": x, "log10": np.full(len(x), log_rho)}),
    }


@functools.partial(memo, max_entries=64)
def rate_section(c: RnnControls, style: Style) -> Section:
    """The long-run rate per step against the input scale, beside log10 ρ: the edge of chaos."""
    curves, rho = rate_curves(c), _lab(c)[2]
    names = list(curves)
    labels = chart_labels() | {"axis_distance": t("rnn.input_scale"), "axis_log10": t("rnn.axis_rate")}
    styles = {names[0]: (COLORS["measured"], SOLID), names[1]: (COLORS["rho"], DASHED)}
    figure = curves_chart(curves_data(curves, labels), labels, styles, names[:1], style)
    return Section(figure, rates_caption(_rates(c), rho, c), functools.partial(rate_table, c))


def rates_caption(rates: pd.DataFrame, rho: float, c: RnnControls) -> str:
    """What the rate curve shows: the rate at the visitor's input scale, and a sentence about the curve's
    shape that holds for these numbers (the edge of chaos only where the rate starts at ρ and falls)."""
    logs = rates["log10_rate"].to_numpy()
    with np.errstate(invalid="ignore"):
        current = float(np.interp(c.input_scale, rates["input_scale"], logs))
    text = t("rnn.rates_caption", scale=f"{c.input_scale:g}", rate=_factor(current), rho=f"{rho:.3g}")
    log_rho = math.log10(rho) if rho > 0 else -math.inf
    starts_at_rho = math.isfinite(logs[0]) and abs(logs[0] - log_rho) <= RATE_NEAR
    if starts_at_rho and np.all(np.diff(logs) <= RATE_NEAR) and logs[-1] < log_rho - RATE_NEAR:
        text += " " + t("rnn.rates_saturate")
    elif np.all(np.abs(logs - log_rho) <= RATE_NEAR):
        text += " " + t("rnn.rates_flat")
    return text


def rate_table(c: RnnControls) -> pd.DataFrame:
    """The rate chart's CSV: the measured rate at every input scale, with log10 ρ."""
    rho = _lab(c)[2]
    return _rates(c).assign(log10_rho=math.log10(rho) if rho > 0 else -math.inf)


def map_table(c: RnnControls) -> pd.DataFrame:
    """The weight-scale map's CSV: every cell with its value."""
    return _map_of(c)[0]


# --- the page's charts: the main one, and one closer look ------------------------------------------------


def gradient_section(c: RnnControls, style: Style) -> Section:
    """The main chart, with the verdict over it and the five numbers beside it."""
    view = build(c, style)
    alert = verdict_alert(view.verdict, c.seq_len, rho=view.rho, nonlinearity=c.nonlinearity)
    return Section(view.gradient, main_caption(view), functools.partial(gradient_table, c), alert, tuple(metrics(view)))


def eigen_section(c: RnnControls, style: Style) -> Section:
    return Section(build(c, style).eigenvalues, table=functools.partial(eigenvalue_table, c))


def map_section(c: RnnControls, style: Style) -> Section:
    return Section(weight_map(c, style), table=functools.partial(map_table, c))


GRADIENT = Chart("gradient", gradient_section, title="rnn.main_chart", alert=True, numbers=5)
DETAILS = {  # the closer look under the main chart, one at a time (RnnChoices.detail)
    "eigenvalues": Chart(
        "eigenvalues", eigen_section, title="rnn.eigen_chart", width="content", note=lambda _: t("rnn.eigen_caption")
    ),
    "map": Chart("weight-scale-map", map_section, title="rnn.sweep_chart", note=lambda ch: sweep_caption(ch.init)),
    "rates": Chart("rate-against-input-scale", rate_section, title="rnn.rates_chart"),
}


def charts_for(choices: RnnChoices) -> list[Chart]:
    return [GRADIENT, DETAILS[choices.detail]]
