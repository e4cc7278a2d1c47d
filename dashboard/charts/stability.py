"""Charts of the Stability page: the sweep's grid (model × learning rate, coloured by the share of seeds that
failed, each cell naming its median final loss), one cell's loss curves against the unigram entropy, training
throughput against the window, and the longest chain of dependent operations."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..figure import Figure, finite, template
from .curves import _KEY_DIGITS, _UNKEY, _keys
from .style import COLORS, DASHED, SOLID, Style, vega_config

FAILED_COLORS = ("#f0fdf4", "#fde68a", "#f97316", "#b91c1c")  # none of the seeds failed → all of them


def grid_chart(cells: pd.DataFrame, models: list[str], rates: list[str], labels: dict, style: Style) -> Figure:
    """A cell per (model `name`, learning rate `rate`): colour = `failed` (0 to 1), text = `text`; the cell
    where `selected` is true outlined."""
    x = alt.X("rate:O", title=labels["axis_lr"], sort=rates, axis=alt.Axis(labelAngle=0))
    y = alt.Y("name:O", title=None, sort=models, axis=alt.Axis(labelLimit=320))
    color = alt.Color(
        "failed:Q",
        title=labels["failed"],
        scale=alt.Scale(domain=[0, 1], range=list(FAILED_COLORS)),
        legend=alt.Legend(format=".0%", gradientLength=style.legend_length),
    )
    tip = ["name:N", "rate:N", alt.Tooltip("failed:Q", format=".0%"), "text:N", "outcomes:N"]
    rect = alt.Chart(cells).mark_rect(stroke="white", strokeWidth=2).encode(x=x, y=y, color=color, tooltip=tip)
    ring = (
        alt.Chart(cells)
        .transform_filter(alt.datum.selected)
        .mark_rect(fillOpacity=0, stroke="#111827", strokeWidth=3)
        .encode(x=x, y=y)
    )
    text = (
        alt.Chart(cells)
        .mark_text(fontSize=style.font_size)
        .encode(
            x=x,
            y=y,
            text="text:N",
            color=alt.condition(alt.datum.failed > 0.6, alt.value("white"), alt.value("#111827")),
            tooltip=tip,
        )
    )
    height = max(4 * style.row_height * 2, 220)
    chart = alt.layer(rect, ring, text).properties(height=height, config=vega_config(style))
    return Figure.from_altair(chart)


@template
def _curves_template(groups: tuple, colors: tuple, dashes: tuple, labels: dict, style: Style) -> alt.LayerChart:
    """The loss curves' spec: colour by outcome (`groups`, fixed), dash by the run's rank (key "00 name", the
    legend shows the name), so that a move, which renames the runs and changes their outcomes, changes only the
    tables and the browser swaps them into the drawn chart instead of compiling it anew."""
    color = alt.Color("group:N", title=labels["outcome"], scale=alt.Scale(domain=list(groups), range=list(colors)))
    dash = alt.StrokeDash(
        "key:N",
        title=labels["run"],
        scale=alt.Scale(range=[list(d) for d in dashes]),
        legend=alt.Legend(labelExpr=_UNKEY, symbolStrokeWidth=2, symbolSize=400),
    )
    lines = (
        alt.Chart(finite("curves"))
        .mark_line(strokeWidth=style.line_width)
        .encode(
            x=alt.X("step:Q", title=labels["axis_step"]),
            y=alt.Y("bits:Q", title=labels["axis_bits"], scale=alt.Scale(zero=False)),
            color=color,
            strokeDash=dash,
            tooltip=[
                alt.Tooltip("run:N", title=labels["run"]),
                alt.Tooltip("outcome:N", title=labels["outcome"]),
                "step:Q",
                alt.Tooltip("bits:Q", format=".3f"),
            ],
        )
    )
    rule = alt.Chart(finite("unigram")).mark_rule(color=COLORS["bound"], strokeDash=[6, 4]).encode(y="bits:Q")
    text = (
        alt.Chart(finite("unigram"))
        .mark_text(align="left", dx=4, dy=-8, color=COLORS["bound"], fontSize=style.note_font_size)
        .encode(y="bits:Q", x=alt.value(0), text="text:N")
    )
    chart = alt.layer(lines, rule, text).properties(height=style.chart_height, config=vega_config(style))
    return chart.resolve_legend(color="independent", strokeDash="independent")


def curves_chart(curves: pd.DataFrame, runs: list[str], groups: dict[str, str], dashes: list, unigram: float,
                 labels: dict, style: Style) -> Figure:  # fmt: skip
    """Training loss (bits/char, each CURVE_EVERY steps) against the step, a line a `run` (seeds, and the
    visitor's run; every point finite): coloured by its `group` (groups: name -> colour, the legend's order),
    the i-th run dashed as dashes[i]; a dashed rule at the unigram entropy, named."""
    if len(runs) >= 10**_KEY_DIGITS:
        raise ValueError(f"at most {10**_KEY_DIGITS - 1} runs on one chart")
    table = curves.assign(key=_keys(curves["run"].to_numpy(), runs))
    spec = _curves_template(
        tuple(groups), tuple(groups.values()), tuple(tuple(float(v) for v in d) for d in dashes), labels, style
    )
    mark = pd.DataFrame({"bits": [unigram], "text": [labels["unigram"]]})
    return Figure(spec, {"curves": table.reset_index(drop=True), "unigram": mark})


def throughput_chart(data: pd.DataFrame, names: list[str], colors: list[str], labels: dict, style: Style) -> Figure:
    """Characters a second (log) against the window (log 2), a colour per model, solid for 1 thread and dashed
    for 2."""
    color = alt.Color("name:N", title=labels["model"], scale=alt.Scale(domain=names, range=colors))
    threads = sorted(data["threads_label"].unique())
    dash = alt.StrokeDash(
        "threads_label:N",
        title=labels["threads"],
        scale=alt.Scale(domain=threads, range=[SOLID, DASHED][: len(threads)]),
    )
    chart = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=style.line_width)
        .encode(
            x=alt.X("window:Q", title=labels["axis_window"], scale=alt.Scale(type="log", base=2, nice=False)),
            y=alt.Y("chars_per_second:Q", title=labels["axis_speed"], scale=alt.Scale(type="log", nice=False)),
            color=color,
            strokeDash=dash,
            tooltip=["name:N", "window:Q", "threads:Q", alt.Tooltip("chars_per_second:Q", format=",.0f")],
        )
        .properties(height=style.chart_height, config=vega_config(style))
    )
    return Figure.from_altair(chart)


def chain_chart(data: pd.DataFrame, names: list[str], colors: list[str], labels: dict, style: Style) -> Figure:
    """The longest chain of dependent operations in a training step (log) against the window (log 2)."""
    color = alt.Color("name:N", title=labels["model"], scale=alt.Scale(domain=names, range=colors))
    chart = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=style.line_width)
        .encode(
            x=alt.X("window:Q", title=labels["axis_window"], scale=alt.Scale(type="log", base=2, nice=False)),
            y=alt.Y("chain:Q", title=labels["axis_chain"], scale=alt.Scale(type="log", nice=False)),
            color=color,
            tooltip=["name:N", "window:Q", "chain:Q"],
        )
        .properties(height=style.chart_height, config=vega_config(style))
    )
    return Figure.from_altair(chart)
