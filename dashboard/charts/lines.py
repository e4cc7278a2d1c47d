"""Lines against a measured quantity other than distance: time against the sequence length (Table 1),
accuracy against the trained length (the training sweep), a training run's history against the step, and
bits per character against context (the language models).  Each takes a tidy table and labels and returns
an Altair chart."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .style import DASHED, KIND_COLORS, MODEL_COLORS, SOLID, Style, vega_config

SWEEP_ORDER = (
    "rnn",
    "lstm",
    "gru",
    "birnn",
    "transformer",
    "lru",
    "mingru",
)  # the legend's order of the trained models
FLOAT64_FLOOR = -308.0  # log10 of float64's smallest normal number: a first-token gradient below it is drawn here


def timing_chart(data: pd.DataFrame, kinds: list[str], labels: dict, style: Style) -> alt.Chart:
    """Milliseconds per layer (`ms`) against n on log-log axes, a line a layer kind (`layer`, labelled, in
    the order of `kinds`, coloured as KIND_COLORS in that order)."""
    return (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=style.secondary_line_width)
        .encode(
            x=alt.X("n:Q", title=labels["axis_n"], scale=alt.Scale(type="log", base=2)),
            y=alt.Y("ms:Q", title=labels["axis_time"], scale=alt.Scale(type="log")),
            color=alt.Color("layer:N", title=None, scale=alt.Scale(domain=kinds, range=list(KIND_COLORS.values()))),
            tooltip=[alt.Tooltip("layer:N"), alt.Tooltip("n:Q"), alt.Tooltip("ms:Q", format=".3f")],
        )
        .properties(height=360, config=vega_config(style))
    )


def sweep_chart(summary: pd.DataFrame, chance: float, labels: dict, style: Style, height: int = 340) -> alt.LayerChart:
    """Median accuracy over seeds against length, one line a model, with a bar over the seeds' range.
    The legend lists the models drawn; the x axis is ticked at the lengths trained."""
    models = [m for m in SWEEP_ORDER if m in set(summary["model"])]
    color = alt.Color("model:N", title=None, scale=alt.Scale(domain=models, range=[MODEL_COLORS[m] for m in models]))
    lengths = sorted(int(n) for n in summary["seq_len"].unique())
    x = alt.X(
        "seq_len:Q",
        title=labels["axis_length"],
        scale=alt.Scale(type="log", base=2, domain=[lengths[0] / 1.25, lengths[-1] * 1.25]),
        axis=alt.Axis(values=lengths, format="d"),
    )
    base = alt.Chart(summary).encode(x=x, color=color)
    lines = base.mark_line(point=True, strokeWidth=style.line_width).encode(
        y=alt.Y("median:Q", title=labels["axis_accuracy"], scale=alt.Scale(domain=[0, 1.02])),
        strokeDash=alt.StrokeDash(
            "model:N",
            title=None,
            scale=alt.Scale(domain=models, range=[[7, 5] if m == "transformer" else [1, 0] for m in models]),
        ),
        tooltip=[
            alt.Tooltip("model:N"),
            alt.Tooltip("seq_len:Q"),
            alt.Tooltip("median:Q", format=".3f"),
            alt.Tooltip("low:Q", format=".3f"),
            alt.Tooltip("high:Q", format=".3f"),
            alt.Tooltip("seeds:Q"),
        ],
    )
    ranges = base.mark_rule(strokeWidth=style.secondary_line_width, opacity=0.45).encode(y="low:Q", y2="high:Q")
    # the Transformer lies on the BiRNN's line at 1.0: the BiRNN is also drawn wide beneath, so both show
    under = (
        base.transform_filter(alt.datum.model == "birnn")
        .mark_line(strokeWidth=style.line_width + 5, opacity=0.45)
        .encode(y="median:Q")
    )
    rule = (
        alt.Chart(pd.DataFrame({"chance": [chance], "label": [labels["chance"]]}))
        .mark_rule(strokeDash=[5, 4], color="#6b7280")
        .encode(y=alt.Y("chance:Q"), tooltip=[alt.Tooltip("label:N")])
    )
    return alt.layer(ranges, under, lines, rule, height=height, config=vega_config(style))


def history_chart(history: pd.DataFrame, field: str, title: str, step_title: str, style: Style) -> alt.Chart:
    """One training history curve against the step.  The first-token gradient is drawn as its log10 (exact
    from the float64 computation); a step below float64's range is drawn at FLOAT64_FLOOR, never dropped."""
    data = history[["step", field]].copy()
    if field == "log10_first_grad":
        data[field] = data[field].astype(float).clip(lower=FLOAT64_FLOOR)
    data = data.dropna()  # loss and accuracy are never missing; MSE is missing on recall, accuracy on adding
    return (
        alt.Chart(data)
        .mark_line(strokeWidth=style.secondary_line_width)
        .encode(
            x=alt.X("step:Q", title=step_title),
            y=alt.Y(f"{field}:Q", title=title, scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("step:Q"), alt.Tooltip(f"{field}:Q", format=".3g")],
        )
        .properties(height=240, config=vega_config(style))
    )


def context_chart(data: pd.DataFrame, names: list[str], colors: list[str], labels: dict, style: Style) -> alt.Chart:
    """Bits per character against the context a model is given (log₂ axis): a colour per model (`name`, in
    the order of `names`), solid where the context is truncated and dashed where it is shuffled (`kind`)."""
    color = alt.Color(
        "name:N",
        title=labels["model_key"],
        scale=alt.Scale(domain=names, range=colors),
        legend=alt.Legend(titleLimit=900),
    )
    dash = alt.StrokeDash(
        "kind:N",
        title=labels["kind"],
        scale=alt.Scale(domain=[labels["truncated"], labels["shuffled"]], range=[SOLID, DASHED]),
        legend=None,  # the colour legend's title says which line is which (a dash legend drew no symbols)
    )
    return (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=style.line_width)
        .encode(
            x=alt.X("context:Q", title=labels["axis_context"], scale=alt.Scale(type="log", base=2)),
            y=alt.Y("bits:Q", title=labels["axis_bits"], scale=alt.Scale(zero=False)),
            color=color,
            strokeDash=dash,
            detail="kind:N",
            tooltip=["name:N", "kind:N", "context:Q", alt.Tooltip("bits:Q", format=".3f")],
        )
        .properties(height=style.chart_height, config=vega_config(style))
    )
