"""The page "RNNs came back": the LRU and the minGRU (core/models/lru.py, mingru.py) in the RNN lab's frame.

1. the probe at one T: the LRU with its slowest mode's line, the minGRU, the tanh RNN and the LSTM;
2. the LRU's eigenvalues beside the tanh RNN's, with the unit circle and the LRU's ring;
3. the parallel scan against the loop (python -m benchmarks.scan, data/scan.csv);
4. the recall sweep (data/sweep.csv), where every model stops solving.
Every caption is computed from the numbers drawn."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.models.lru import LRUConfig
from core.models.mingru import MinGRUConfig
from core.models.rnn import RNNConfig
from core.sweep_training import SWEEP_STEPS

from . import cached
from .charts.comeback import planes_chart, speedup_chart
from .charts.curves import as_curves, curves_chart, curves_data, curves_table
from .charts.style import DASHED, MODEL_COLORS, SOLID, Style, pow10_label
from .figure import Figure, memo
from .frame import row
from .i18n import chart_labels, t
from .lab import Chart, Section
from .training_view import sweep_chart, sweep_data, sweep_table
from .url import bound

SCAN_CSV = cached.DATA / "scan.csv"
R_MAX_CHOICES = (0.5, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999)
RNN_RHO = RNNConfig().weight_scale  # the tanh RNN and the LSTM drawn beside them, at their lab defaults
SLOPE_NEAR = 0.1  # the far tail's slope within 10% of log10 |λ|_max: "the slowest mode alone"


@dataclass(frozen=True)
class ComebackControls:
    seq_len: int = 1000  # T for every model on the chart
    r_min: float = LRUConfig().r_min
    r_max: float = LRUConfig().r_max
    update_bias: float = MinGRUConfig().update_bias  # the minGRU's b_z
    seed: int = 0


def controls_ui() -> ComebackControls:
    d = ComebackControls()
    left, middle, right = row(3)
    seq_len = left.slider(t("cb.seq_len"), 2, 2000, d.seq_len, 1, **bound("cb_seq_len", d.seq_len))
    seed = left.slider(t("rnn.seed"), 0, 9999, d.seed, 1, **bound("cb_seed", d.seed))
    r_min = middle.slider(
        t("cb.r_min"), 0.0, 0.99, d.r_min, 0.01, **bound("cb_r_min", d.r_min), help=t("cb.r_min_help")
    )
    r_max = middle.select_slider(
        t("cb.r_max"), R_MAX_CHOICES, d.r_max, **bound("cb_r_max", d.r_max), help=t("cb.r_max_help")
    )
    bias = right.slider(
        t("cb.bias"), -8.0, 2.0, d.update_bias, 0.5, **bound("cb_bias", d.update_bias), help=t("cb.bias_help")
    )
    return ComebackControls(int(seq_len), float(r_min), float(r_max), float(bias), int(seed))


def ring(c: ComebackControls) -> tuple[float, float, bool]:
    """(r_min, r_max) the LRU is drawn with, and whether r_min was lowered to r_max (a ring needs r_min ≤ r_max)."""
    return min(c.r_min, c.r_max), c.r_max, c.r_min > c.r_max


def names() -> dict[str, str]:
    return {
        "lru": t("cb.series_lru"),
        "line": t("cb.series_line"),
        "mingru": t("cb.series_mingru"),
        "rnn": t("cb.series_rnn", rho=RNN_RHO),
        "lstm": t("cb.series_lstm", rho=RNN_RHO),
    }


def probes(c: ComebackControls) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame, float, float]:
    """({code: probe table}, the LRU's slowest-mode line, its eigenvalues, log10 |λ|_max, its γ)."""
    r_min, r_max, _ = ring(c)
    lru, line, eigs, log_slowest, gamma = cached.lru_lab(c.seq_len, c.seed, r_min, r_max)
    tables = {
        "lru": lru,
        "mingru": cached.probe("mingru", c.seq_len, c.seed, update_bias=c.update_bias),
        "rnn": cached.probe("rnn", c.seq_len, c.seed, weight_scale=RNN_RHO),
        "lstm": cached.probe("lstm", c.seq_len, c.seed, weight_scale=RNN_RHO),
    }
    return tables, line, eigs, log_slowest, gamma


def decades(probe: pd.DataFrame) -> float:
    """log10 g at the farthest distance minus at distance 0 (negative: fallen)."""
    logs = probe.sort_values("distance")["log10_grad_norm"].to_numpy()
    return float(logs[-1] - logs[0])


def _fall(value: float) -> str:
    return pow10_label(value, t("common.zero"))


def gradient_caption(c: ComebackControls, tables: dict, line: pd.DataFrame, log_slowest: float, gamma: float) -> str:
    n = names()
    far = c.seq_len - 1
    falls = " · ".join(f"{n[code]}: {_fall(decades(tables[code]))}" for code in ("lru", "mingru", "rnn", "lstm"))
    text = [t("cb.gradient_caption", far=far) + " " + falls]
    if c.seq_len >= 8:
        slope = cached.tail_slope(tables["lru"])
        lead = t("cb.slope", slope=f"{slope:.2g}", expected=f"{log_slowest:.2g}", modulus=f"{10**log_slowest:.5g}")
        close = math.isfinite(slope) and abs(slope - log_slowest) <= SLOPE_NEAR * abs(log_slowest)
        text.append(lead + " " + t("cb.slope_alone" if close else "cb.slope_not_yet"))
    entry = float(tables["lru"].sort_values("distance")["log10_grad_norm"].iloc[0] - line["log10"].iloc[0])
    text.append(t("cb.entry", gamma=f"{gamma:.3g}", gap=f"{entry:.1f}"))
    return "\n\n".join(text)


@functools.partial(memo, max_entries=64)
def gradient_section(c: ComebackControls, style: Style) -> Section:
    tables, line, _, log_slowest, gamma = probes(c)
    n = names()
    curves = {n["lru"]: tables["lru"], n["line"]: line} | {n[k]: tables[k] for k in ("mingru", "rnn", "lstm")}
    styles = {
        n["lru"]: (MODEL_COLORS["lru"], SOLID),
        n["line"]: (MODEL_COLORS["lru"], DASHED),
        n["mingru"]: (MODEL_COLORS["mingru"], SOLID),
        n["rnn"]: (MODEL_COLORS["rnn"], SOLID),
        n["lstm"]: (MODEL_COLORS["lstm"], SOLID),
    }
    text = chart_labels()
    anchors = [n[k] for k in ("lru", "mingru")]
    figure = curves_chart(curves_data(as_curves(curves), text), text, styles, anchors, style)
    alert = ("info", t("cb.ring_lowered", r=f"{c.r_max:g}")) if ring(c)[2] else None
    caption = gradient_caption(c, tables, line, log_slowest, gamma)
    return Section(figure, caption, functools.partial(curves_table, as_curves(curves), text), alert=alert)


def eigen_points(c: ComebackControls) -> pd.DataFrame:
    _, _, eigs, _, _ = probes(c)
    n = names()
    rnn = cached.rnn_eigenvalues(RNN_RHO, c.seed)
    return pd.concat([eigs.assign(model=n["lru"]), rnn.assign(model=n["rnn"])], ignore_index=True)


@functools.partial(memo, max_entries=64)
def eigen_section(c: ComebackControls, style: Style) -> Section:
    points = eigen_points(c)
    n = names()
    r_min, r_max, _ = ring(c)
    rings = {
        t("cb.circle_unit"): 1.0,
        t("cb.circle_ring", r=f"{r_min:g}"): r_min,
        t("cb.circle_ring", r=f"{r_max:g}"): r_max,
    }
    labels = {"axis_re": t("rnn.axis_re"), "axis_im": t("rnn.axis_im"), "model": t("cb.model")}
    figure = planes_chart(points, rings, {n["lru"]: MODEL_COLORS["lru"], n["rnn"]: MODEL_COLORS["rnn"]}, labels, style)
    lru = points[points["model"] == n["lru"]]["modulus"]
    caption = t(
        "cb.eigen_caption",
        count=len(lru),
        lo=f"{lru.min():.4g}",
        hi=f"{lru.max():.5g}",
        rho=f"{RNN_RHO:g}",
        rnn_hi=f"{points[points['model'] == n['rnn']]['modulus'].max():.4g}",
    )
    return Section(figure, caption, lambda: points)


def scan_table() -> pd.DataFrame:
    return cached.scan_speedups(SCAN_CSV.stat().st_mtime)


def scan_ready() -> bool:
    return SCAN_CSV.exists()


def scan_caption(table: pd.DataFrame) -> str:
    meta = json.loads(SCAN_CSV.with_suffix(".json").read_text())
    parts = []
    for model, group in table.groupby("model", sort=False):
        first, last = group.iloc[0], group.iloc[-1]
        parts.append(
            t(
                "cb.scan_model",
                model=model,
                T0=int(first["seq_len"]),
                s0=f"{first['speedup']:.2g}",
                T1=f"{int(last['seq_len']):,}",
                s1=f"{last['speedup']:.2g}",
            )
        )
    last = table.iloc[-1]
    rounds = t("cb.scan_rounds", T=f"{int(last['seq_len']):,}", scan=int(last["scan_rounds"]))
    where = t("cb.scan_where", processor=meta["processor"], threads=meta["torch_threads"], date=meta["date"])
    longest = table.sort_values("seq_len").groupby("model").tail(1)["speedup"]
    verdict = (
        " " + t("cb.scan_slower") if (longest < 1).all() else " " + t("cb.scan_faster") if (longest > 1).all() else ""
    )
    return " ".join(parts) + " " + rounds + verdict + "\n\n" + where


def scan_section(_value, style: Style) -> Section:
    table = scan_table()
    n = names()
    shown = table.assign(model=table["model"].map({"lru": n["lru"], "mingru": n["mingru"]}))
    labels = {
        "axis_T": t("cb.axis_T"),
        "axis_speedup": t("cb.axis_speedup"),
        "model": t("cb.model"),
        "loop_rounds": t("cb.loop_rounds"),
        "scan_rounds": t("cb.scan_rounds_short"),
    }
    colors = {n["lru"]: MODEL_COLORS["lru"], n["mingru"]: MODEL_COLORS["mingru"]}
    return Section(speedup_chart(shown, colors, labels, style), scan_caption(shown), lambda: table)


def sweep_caption(table: pd.DataFrame) -> str:
    summary = cached.sweep_summary(table)
    solved = cached.longest_solved(summary)
    lengths = sorted(int(n) for n in table["seq_len"].unique())
    parts = []
    for model in ("lru", "mingru", "transformer", "lstm"):
        tried = sorted(int(n) for n in table.loc[table["model"] == model, "seq_len"].unique())
        if not tried:
            continue
        best = solved.get(model)
        key = "cb.sweep_none" if best is None else "cb.sweep_all" if best == tried[-1] else "cb.sweep_until"
        beyond = next((n for n in tried if best is not None and n > best), None)
        parts.append(t(key, model=t(f"choice.model_{model}"), best=best, next=beyond, longest=tried[-1]))
    return t("cb.sweep_caption", steps=SWEEP_STEPS, longest=lengths[-1]) + " " + " · ".join(parts)


def sweep_section(_value, style: Style) -> Section:
    table = sweep_table()
    figure = Figure.from_altair(sweep_chart(sweep_data(table), 0.25, style))
    return Section(figure, sweep_caption(table), lambda: table)


CHARTS = [
    Chart("gradient", gradient_section, title="cb.gradient_title", intro="cb.gradient_intro", alert=True),
    Chart("eigenvalues", eigen_section, title="cb.eigen_title", width="content"),
]
SCAN = [Chart("scan", scan_section, title="cb.scan_title", intro="cb.scan_intro")]
SWEEP = [Chart("recall-sweep", sweep_section, title="cb.sweep_title")]


def missing_ui() -> None:
    st.info(t("cb.scan_missing"))
