"""The Remedies page's sections, shown one at a time: truncation, the bidirectional RNN, the
gates, clipping, and all of them on the same axes.

Every curve comes from the same probe (core.probe via dashboard.cached), so all of them are
comparable: the tanh RNN with orthogonal W is the reference in every section.  Each section's
chart and caption are built once per setting and language and shared (figure.memo); the curves
behind a CSV are rebuilt from the cached probes only when the download is clicked.

The page shows one section at a time (a choice at the head of the lab), so a slider move re-sends the
controls and one chart, not the five charts of a page showing every section.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from core.theory import STABLE_DECADES

from . import cached
from .charts.curves import as_curves, clipping_chart, curves_chart, curves_data, curves_table, theory_curve
from .charts.style import DASHED, DOTTED, MODEL_COLORS, SOLID, Style, pow10_label
from .controls import RemedyControls, SharedControls, remedy_controls_ui, shared_controls_ui
from .figure import Figure, memo
from .i18n import chart_labels, t
from .lab import Chart, Section
from .url import view_ui

SECTIONS = ("truncation", "bidirectional", "gates", "clipping", "all")  # codes; labels are rem.section_<code>
USES = {  # the remedy controls each section's charts depend on (the others are not drawn)
    "truncation": frozenset({"window"}),
    "bidirectional": frozenset(),
    "gates": frozenset({"forget", "update"}),
    "clipping": frozenset({"theta"}),
    "all": frozenset({"window", "forget", "update"}),
}


def section_ui() -> str:
    """Which remedy the page shows, one at a time (Reset keeps it)."""
    return view_ui(t("rem.section"), {code: t(f"rem.section_{code}") for code in SECTIONS}, key="remedy")


@dataclass(frozen=True)
class RemediesControls:
    shared: SharedControls
    remedy: RemedyControls


def controls_ui(section: str) -> RemediesControls:
    """The shared controls, and the remedy controls that `section` uses (the others are not drawn: they
    keep their values for the sections that do)."""
    shared = shared_controls_ui()
    return RemediesControls(shared, remedy_controls_ui(shared.seq_len, USES[section]))


def _probe(c: SharedControls, model: str, window: int = 0, **options):
    return cached.probe(
        model, c.seq_len, c.seed, window=window, hidden_size=c.hidden_size, weight_scale=c.weight_scale, **options
    )


def _ratio(frame) -> str:
    """The first word's gradient over the last word's, as 10^x (0 when cut off)."""
    return pow10_label(cached.verdict(frame).log10_ratio, t("common.zero"))


def _figure(curves: dict, styles: dict, style: Style, anchors=None) -> Figure:
    """Probe tables (or ready curves) as one curves chart."""
    curves, text = as_curves(curves), chart_labels()
    return curves_chart(curves_data(curves, text), text, styles, anchors or list(curves), style)


def _table(curves, *args):
    """The CSV of a section: every point of `curves(*args)` (built when the download is clicked)."""
    return curves_table(curves(*args), chart_labels())


def truncation_curves(c: SharedControls, k: int) -> dict:
    return {t("rem.series_rnn"): _probe(c, "rnn"), t("rem.series_trunc", k=k): _probe(c, "rnn", window=k)}


@functools.partial(memo, max_entries=64)
def _truncation(c: SharedControls, k: int, style: Style) -> Section:
    names = list(truncation_curves(c, k))
    styles = {names[0]: (MODEL_COLORS["rnn"], SOLID), names[1]: (MODEL_COLORS["truncated"], DASHED)}
    caption = t("rem.trunc_caption", k=k, beyond=max(0, c.seq_len - k))
    table = functools.partial(_table, truncation_curves, c, k)
    return Section(_figure(truncation_curves(c, k), styles, style), caption, table)


def bidirectional_curves(c: SharedControls) -> dict:
    return {t("rem.series_birnn"): _probe(c, "birnn"), t("rem.series_rnn"): _probe(c, "rnn")}


@functools.partial(memo, max_entries=64)
def _bidirectional(c: SharedControls, style: Style) -> Section:
    curves = bidirectional_curves(c)
    names = list(curves)
    styles = {names[0]: (MODEL_COLORS["birnn"], SOLID), names[1]: (MODEL_COLORS["rnn"], DOTTED)}
    logs = curves[names[0]].set_index("distance")["log10_grad_norm"]
    caption = t(
        "rem.bi_caption",
        weakest=int(logs.idxmin()),
        value=pow10_label(logs.min(), t("common.zero")),
        ends=pow10_label(min(logs.iloc[0], logs.iloc[-1]), t("common.zero")),
    )
    return Section(_figure(curves, styles, style), caption, functools.partial(_table, bidirectional_curves, c))


def gate_curves(c: SharedControls, forget: float, update: float) -> dict:
    """LSTM, GRU and RNN probes, and the LSTM's cell-path line f^d (f = σ(b_f)) from its last word."""
    lstm, gru, rnn = _probe(c, "lstm", forget_bias=forget), _probe(c, "gru", update_bias=update), _probe(c, "rnn")
    f = float(cached.sigmoid(forget))
    cell = theory_curve(lstm["distance"], lstm["distance"] * math.log10(f) + lstm["log10_grad_norm"].iloc[-1])
    names = (t("rem.series_lstm", b=forget), t("rem.series_gru", b=update), t("rem.series_rnn"), t("rem.series_cell"))
    return dict(zip(names, (lstm, gru, rnn, cell), strict=True))


@functools.partial(memo, max_entries=64)
def _gates(c: SharedControls, forget: float, update: float, style: Style) -> Section:
    curves = gate_curves(c, forget, update)
    names = list(curves)
    styles = {
        names[0]: (MODEL_COLORS["lstm"], SOLID),
        names[1]: (MODEL_COLORS["gru"], SOLID),
        names[2]: (MODEL_COLORS["rnn"], SOLID),
        names[3]: (MODEL_COLORS["lstm"], DOTTED),
    }
    caption = gates_caption(c.seq_len, forget, *(curves[name] for name in names))
    table = functools.partial(_table, gate_curves, c, forget, update)
    return Section(_figure(curves, styles, style, anchors=names[:3]), caption, table)


def gates_caption(seq_len: int, forget: float, lstm, gru, rnn, _cell=None) -> str:
    """The gates' caption: the horizon σ(b_f) alone would give, the measured first-word ratios beside
    the dotted line's, and what the LSTM's own curve does at this setting (from its verdict)."""
    f = float(cached.sigmoid(forget))
    horizon = 1.0 / (1.0 - f) if f < 1 else math.inf
    measured = cached.verdict(lstm)
    text = t(
        "rem.gates_caption",
        b=forget,
        f=f"{f:.3f}",
        horizon=f"{horizon:.3g}",
        T=seq_len,
        lstm=_ratio(lstm),
        cell=pow10_label((seq_len - 1) * math.log10(f) if f > 0 else -math.inf, t("common.zero")),
        gru=_ratio(gru),
        rnn=_ratio(rnn),
    )
    return text + " " + t(f"rem.gates_lstm_{measured.regime}", per_step=f"{measured.per_step:.4g}")


def clipping_section(c: SharedControls, theta: float, style: Style) -> Section:
    """The total gradient norm at every weight scale before and after clipping at θ, with the numbers at the
    weight scale nearest the current one."""
    table = cached.clipping(theta, c.seq_len, c.hidden_size, c.seed)
    figure = clipping_chart(table, c.weight_scale, chart_labels(), style)
    row = table.iloc[(table["weight_scale"] - c.weight_scale).abs().argmin()]
    numbers = (row["log10_total"], row["log10_total_clipped"], row["log10_first_over_last"])
    metrics = tuple(
        (t(f"rem.metric_{key}"), pow10_label(value, t("common.zero")))
        for key, value in zip(("raw", "clipped", "share"), numbers, strict=True)
    )
    return Section(figure, clip_caption(row, c.seq_len, theta), lambda: table, metrics=metrics)


def _number(log10_value: float) -> str:
    """10^x as a plain number where that reads well (0.001 to 9999, four digits: a norm of 1.001 is
    not "1" beside θ = 1), else as 10^x."""
    if math.isfinite(log10_value) and -3 <= log10_value < 4:
        return f"{10**log10_value:.4g}"
    return pow10_label(log10_value, t("common.zero"))


def clip_caption(row, seq_len: int, theta: float) -> str:
    """The clipping caption for the weight scale nearest the current one (a row of cached.clipping):
    whether clipping acts there, what it does to the first word, and the share it never changes."""
    zero = t("common.zero")
    text = t("rem.clip_caption", T=seq_len, rho=f"{row['weight_scale']:.2f}")
    raw, clipped = row["log10_total"], row["log10_total_clipped"]
    if clipped < raw:
        share = row["log10_first_over_last"]
        side = "exploding" if share > STABLE_DECADES else "vanishing" if share < -STABLE_DECADES else "stable"
        text += " " + t(
            f"rem.clip_active_{side}",
            raw=_number(raw),
            theta=f"{theta:g}",
            factor=_number(clipped - raw),
            first=pow10_label(row["log10_first"], zero),
            first_clipped=pow10_label(row["log10_first_clipped"], zero),
        )
    else:
        text += " " + t("rem.clip_idle", raw=_number(raw), theta=f"{theta:g}")
    return text + " " + t("rem.clip_share")


def combined_curves(c: SharedControls, k: int, forget: float, update: float) -> dict:
    return {
        t("rem.series_rnn"): _probe(c, "rnn"),
        t("rem.series_trunc", k=k): _probe(c, "rnn", window=k),
        t("rem.series_birnn"): _probe(c, "birnn"),
        t("rem.series_lstm", b=forget): _probe(c, "lstm", forget_bias=forget),
        t("rem.series_gru", b=update): _probe(c, "gru", update_bias=update),
    }


@functools.partial(memo, max_entries=64)
def _combined(c: SharedControls, k: int, forget: float, update: float, style: Style) -> Section:
    curves = combined_curves(c, k, forget, update)
    keys = ("rnn", "truncated", "birnn", "lstm", "gru")
    styles = {
        name: (MODEL_COLORS[key], DASHED if key == "truncated" else SOLID)
        for key, name in zip(keys, curves, strict=True)
    }
    table = functools.partial(_table, combined_curves, c, k, forget, update)
    return Section(_figure(curves, styles, style), t("rem.all_caption", T=c.seq_len), table)


# --- the page's charts: one section at a time ------------------------------------------------------------

CHARTS = {
    "truncation": Chart(
        "truncation",
        lambda v, style: _truncation(v.shared, v.remedy.window, style),
        title="rem.trunc_title",
        intro="rem.trunc_intro",
    ),
    "bidirectional": Chart("bidirectional", lambda v, style: _bidirectional(v.shared, style), title="rem.bi_title"),
    "gates": Chart(
        "gates",
        lambda v, style: _gates(v.shared, v.remedy.forget, v.remedy.update, style),
        title="rem.gates_title",
        intro="rem.gates_intro",
    ),
    "clipping": Chart(
        "clipping",
        lambda v, style: clipping_section(v.shared, v.remedy.theta, style),
        title="rem.clip_title",
        intro="rem.clip_intro",
        numbers=3,
    ),
    "all": Chart(
        "all-remedies",
        lambda v, style: _combined(v.shared, v.remedy.window, v.remedy.forget, v.remedy.update, style),
        title="rem.all_title",
    ),
}


def charts_for(section: str) -> list[Chart]:
    return [CHARTS[section]]
