"""The Training page's pieces: the sweep chart, a live training job with Stop, its results.

A job runs inside the script run: the trainer's on_step callback records the step in the
session first and then redraws the placeholders.  Pressing Stop (or switching pages) makes
Streamlit interrupt the run at the next redraw; the steps recorded so far stay in the session
and are shown as "stopped".  While a job runs its Train button is replaced by a disabled one,
so one session runs one job at a time, and a server-wide semaphore caps concurrent jobs.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import asdict
from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
import torch

from core import attention
from core.sweep_training import longest_solved, sweep_summary
from core.tasks import TaskSpec, make_batch
from core.training import StepState, TrainConfig, train

from .bytecache import byte_cache
from .charts import MODEL_COLORS, Style, head_labels, pow10_label, readout_attention_chart, vega_config
from .controls import training_choice, training_controls_ui
from .export import vega_spec
from .i18n import t
from .slots import chart_ui

SWEEP_CSV = Path(__file__).resolve().parent.parent / "data" / "sweep.csv"
JOB_KEY = "training_job"
MAX_PAGE_SECONDS = 60.0
LIVE_SECONDS = 30.0  # per run of the live subset (the sweep's own cap is a looser safety net)
FIRST_GRAD_SMALL = -6.0  # log10: below this the caption explains why so small a gradient teaches nothing
MAX_JOBS = 2  # concurrent training jobs on one server
REDRAW_SECONDS = 0.4  # live charts redraw at most this often
MODEL_ORDER = ("rnn", "lstm", "gru", "birnn", "transformer")


@st.cache_resource
def job_slots() -> threading.BoundedSemaphore:
    """Shared by every session: at most MAX_JOBS trainings at once."""
    return threading.BoundedSemaphore(MAX_JOBS)


@byte_cache(max_mb=1, ttl=None)
def sweep_table(mtime: float) -> pd.DataFrame:  # mtime: re-read when the file changes
    return pd.read_csv(SWEEP_CSV)


def sweep_chart(summary: pd.DataFrame, chance: float, style: Style, height: int = 340) -> alt.LayerChart:
    """Median accuracy over seeds against length, one line a model, with a bar over the seeds' range.
    The legend lists the models drawn; the x axis is ticked at the lengths trained."""
    models = [m for m in MODEL_ORDER if m in set(summary["model"])]
    color = alt.Color("model:N", title=None, scale=alt.Scale(domain=models, range=[MODEL_COLORS[m] for m in models]))
    lengths = sorted(int(n) for n in summary["seq_len"].unique())
    x = alt.X(
        "seq_len:Q",
        title=t("train.axis_length"),
        scale=alt.Scale(type="log", base=2, domain=[lengths[0] / 1.25, lengths[-1] * 1.25]),
        axis=alt.Axis(values=lengths, format="d"),
    )
    base = alt.Chart(summary).encode(x=x, color=color)
    lines = base.mark_line(point=True, strokeWidth=style.line_width).encode(
        y=alt.Y("median:Q", title=t("train.axis_accuracy"), scale=alt.Scale(domain=[0, 1.02])),
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
        alt.Chart(pd.DataFrame({"chance": [chance], "label": [t("train.chance")]}))
        .mark_rule(strokeDash=[5, 4], color="#6b7280")
        .encode(y=alt.Y("chance:Q"), tooltip=[alt.Tooltip("label:N")])
    )
    return alt.layer(ranges, under, lines, rule, height=height, config=vega_config(style))


def sweep_caption(table: pd.DataFrame, summary: pd.DataFrame) -> str:
    """The stored sweep's caption: its budget and seeds, and each model's longest solved length, read
    from the table itself."""
    solved = longest_solved(summary)
    order = " · ".join(
        f"{model} {solved[model]}" if solved[model] else f"{model} {t('train.solved_none')}"
        for model in MODEL_ORDER
        if model in solved
    )
    return t(
        "train.sweep_caption",
        seeds=int(table["seed"].nunique()),
        steps=int(table["steps"].max()),
        bias=f"{TrainConfig().forget_bias:g}",
        seconds=f"{table['seconds'].sum():.0f}",
        order=order,
    )


def history_frame(history: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(history) if history else pd.DataFrame(columns=list(StepState.__dataclass_fields__))


def sweep_data(table: pd.DataFrame) -> pd.DataFrame:
    """The sweep's summary (median and range over seeds), models in the page's order."""
    summary = sweep_summary(table)
    order = {model: i for i, model in enumerate(MODEL_ORDER)}
    return summary.sort_values(["model", "seq_len"], key=lambda col: col.map(order) if col.name == "model" else col)


FLOAT64_FLOOR = -308.0  # log10 of float64's smallest normal number: a first-token gradient below it is drawn here


def curves_chart(history: pd.DataFrame, field: str, title: str, style: Style) -> alt.Chart:
    """One history curve against the step.  The first-token gradient is drawn as its log10 (exact from
    the float64 computation); a step below float64's range is drawn at FLOAT64_FLOOR, never dropped."""
    data = history[["step", field]].copy()
    if field == "log10_first_grad":
        data[field] = data[field].astype(float).clip(lower=FLOAT64_FLOOR)
    data = data.dropna()  # loss and accuracy are never missing; MSE is missing on recall, accuracy on adding
    return (
        alt.Chart(data)
        .mark_line(strokeWidth=style.secondary_line_width)
        .encode(
            x=alt.X("step:Q", title=t("train.axis_step")),
            y=alt.Y(f"{field}:Q", title=title, scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("step:Q"), alt.Tooltip(f"{field}:Q", format=".3g")],
        )
        .properties(height=240, config=vega_config(style))
    )


JOB_SETTINGS = ("model", "task", "seq_len", "steps", "seed", "forget_bias", "update_bias")  # what a job's files say


def job_settings(job: dict) -> dict:
    """A finished job's own settings (`python -m core train` flags): its downloads say them, whatever
    the controls show now."""
    return {key: job["config"][key] for key in JOB_SETTINGS}


def draw_history(job: dict, slots, style: Style, export: bool = False) -> None:
    """Loss, accuracy (or MSE) and the first token's gradient, into three placeholders;
    with `export` (a finished job), each with its downloads (the CSV is the whole history)."""
    frame = history_frame(job["history"])
    score = "accuracy" if job["config"]["task"] == "recall" else "mse"
    title = t("train.axis_accuracy_short") if score == "accuracy" else t("train.axis_mse")
    panels = (
        ("loss", t("train.axis_loss")),
        (score, title),
        ("log10_first_grad", t("train.axis_first_grad")),
    )
    for slot, (field, axis) in zip(slots, panels, strict=True):
        chart = curves_chart(frame, field, axis, style)
        if export:
            with slot.container():
                chart_ui(chart, f"training-{field.replace('_', '-')}", frame, title=axis, settings=job_settings(job))
        else:
            slot.vega_lite_chart(spec=vega_spec(chart), width="stretch")


def curves_caption(history: list[dict]) -> str:
    """How to read the curves, with what the first-token gradient did in this run."""
    text = t("train.curves_caption")
    logs = [s["log10_first_grad"] for s in history]
    if not logs:
        return text
    last, start = logs[-1], logs[0]
    if last < FIRST_GRAD_SMALL:
        text += " " + t(
            "train.first_grad_small",
            value=pow10_label(last, "0"),
            start=pow10_label(start, "0"),
        )
    below = sum(1 for value in logs if value == -math.inf)
    if below:
        text += " " + t("train.first_grad_floor", n=below)
    return text


def readout_attention(model, config: TrainConfig, batch: int = 64) -> pd.DataFrame:
    """core.attention.readout_attention on fresh task inputs, with an "L1 h2" label per layer and head."""
    inputs, _ = make_batch(TaskSpec(config.task, config.seq_len, config.vocab), batch, torch.Generator().manual_seed(0))
    with torch.no_grad():
        frame = attention.readout_attention(model.body, model.embed(inputs))
    return pd.DataFrame({"line": head_labels(frame), "position": frame["position"], "weight": frame["weight"]})


def attention_chart(frame: pd.DataFrame, style: Style) -> alt.Chart:
    chart = readout_attention_chart(frame, t("train.axis_position"), t("train.axis_weight"), style)
    return chart.properties(height=280, config=vega_config(style))


def run_job(config: TrainConfig, slots, progress, style: Style) -> None:
    """Train inline, recording each step in the session before redrawing (see module docstring)."""
    job = {"config": asdict(config), "history": [], "status": "running", "result": None, "attention": None}
    st.session_state[JOB_KEY] = job
    if not job_slots().acquire(blocking=False):
        job["status"] = "busy"
        return
    progress.progress(0.0, text=t("train.starting"))  # at once: building the model and the first batch take a moment
    last = [0.0]

    def on_step(state: StepState) -> None:
        job["history"].append(asdict(state))
        now = time.perf_counter()
        if now - last[0] >= REDRAW_SECONDS or state.step == config.steps:
            last[0] = now
            progress.progress(
                state.step / config.steps,
                text=t("train.progress", step=state.step, steps=config.steps, seconds=f"{state.seconds:.1f}"),
            )
            draw_history(job, slots, style)

    try:
        result = train(config, on_step=on_step)
    finally:
        job_slots().release()
    job["status"], job["result"] = result.status, {k: v for k, v in result.to_json().items() if k != "history"}
    if config.model == "transformer" and result.model is not None and not result.status.startswith("diverged"):
        job["attention"] = readout_attention(result.model, config).to_dict("list")


def _status_text(job: dict) -> tuple[str, str]:
    """(alert kind, sentence) for a job's status."""
    status = job["status"]
    if status.startswith("diverged"):
        return "warning", t("train.status_diverged", step=status.rsplit(" ", 1)[-1])
    if status == "busy":
        return "warning", t("train.status_busy")
    result = job.get("result") or {}
    steps = len(job["history"])
    if status == "stopped":
        return "info", t("train.status_stopped", step=steps)
    key = {"solved": "solved", "time limit": "time", "finished": "finished"}.get(status, "finished")
    if status == "solved" and result.get("capped"):
        key = "solved_capped"
    if job["config"]["task"] == "recall":
        detail = t(
            "train.result_accuracy",
            accuracy=f"{result.get('final_accuracy', 0):.3f}",
            chance=f"{result.get('chance_accuracy', 0):.2f}",
        )
    else:
        detail = t(
            "train.result_mse", mse=f"{result.get('final_mse', 0):.4f}", baseline=f"{result.get('baseline_mse', 0):.3f}"
        )
    seconds = result.get("seconds", 0) or 0
    return "success" if status == "solved" else "info", t(
        f"train.status_{key}", steps=steps, seconds=f"{seconds:.1f}"
    ) + " " + detail


@st.fragment  # moving a training control reruns the controls only, not the page's charts
def _controls_fragment() -> None:
    training_controls_ui()  # the values stay in session state under their keys


def job_section(style: Style) -> None:
    """The controls (a fragment), then Train / Stop and the job.  Train and Stop stay outside the
    fragment: a fragment's rerun would wait for a running job instead of interrupting it."""
    _controls_fragment()
    job_ui(training_choice(), style)


def job_ui(choice: dict, style: Style) -> None:
    """Train / Stop buttons, live progress and curves, then the job's results (kept in the session)."""
    buttons = st.columns([1, 1, 4])
    train_slot = buttons[0].empty()
    clicked = train_slot.button(t("train.train_button"), type="primary", key="train_button")
    buttons[1].button(t("train.stop_button"), key="stop_button", help=t("train.stop_help"))
    job = st.session_state.get(JOB_KEY)
    if job and job["status"] == "running" and not clicked:  # the last run was interrupted: Stop or a page switch
        job["status"] = "stopped"
    progress = st.empty()
    status_slot = st.empty()
    cols = st.columns(3)
    slots = [c.empty() for c in cols]
    if clicked:
        train_slot.button(t("train.train_button"), type="primary", key="train_running", disabled=True)
        config = TrainConfig(**choice, time_limit=MAX_PAGE_SECONDS)
        run_job(config, slots, progress, style)
        st.rerun()  # redraw with the Train button enabled again; the results are in the session
    if not job:
        st.caption(t("train.idle"))
        return
    kind, text = _status_text(job)
    getattr(status_slot, kind)(text)
    if job["history"]:
        draw_history(job, slots, style, export=True)
        st.caption(curves_caption(job["history"]))
    if job.get("attention"):
        st.subheader(t("train.attention_title"))
        chart = attention_chart(pd.DataFrame(job["attention"]), style)
        chart_ui(chart, "training-attention", title=t("train.attention_title"), settings=job_settings(job))
        st.caption(t("train.attention_caption", T=job["config"]["seq_len"]))


LIVE_MODELS, LIVE_LENGTHS = ("rnn", "transformer"), (10, 20, 40)


def live_subset_ui(stored: pd.DataFrame, style: Style) -> None:
    """Re-run a small part of the sweep live, with the stored sweep's budget and seed 0, and say how
    it compares with the stored seed-0 runs."""
    from core.sweep_training import SWEEP_STEPS, run_sweep

    if st.button(t("train.rerun_button"), help=t("train.rerun_help"), key="rerun_button"):
        if not job_slots().acquire(blocking=False):
            st.warning(t("train.status_busy"))
            return
        rows, total = [], len(LIVE_MODELS) * len(LIVE_LENGTHS)
        bar = st.progress(0.0, text=t("train.rerun_progress", done=0, total=total))
        try:
            run_sweep(
                models=LIVE_MODELS,
                lengths=LIVE_LENGTHS,
                seeds=(0,),
                steps=SWEEP_STEPS,
                time_limit=LIVE_SECONDS,
                on_run=lambda row: (
                    rows.append(row),
                    bar.progress(len(rows) / total, text=t("train.rerun_progress", done=len(rows), total=total)),
                ),
            )
        finally:
            job_slots().release()
        st.session_state["live_sweep"] = rows
        bar.empty()
    if st.session_state.get("live_sweep"):
        live = pd.DataFrame(st.session_state["live_sweep"])
        chart_ui(sweep_chart(sweep_data(live), 0.25, style), "live-sweep", data=live, title=t("train.rerun_button"))
        st.caption(rerun_caption(live, stored))


def _accuracy(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.2f}"


def rerun_caption(live: pd.DataFrame, stored: pd.DataFrame) -> str:
    """What the live runs showed beside the stored seed-0 runs: agreement, differences, caps hit."""
    from core.sweep_training import SWEEP_STEPS, agreement

    rows = agreement(live, stored)
    text = t("train.rerun_caption", steps=SWEEP_STEPS, same=sum(r["same"] for r in rows), total=len(rows))
    differ = [r for r in rows if not r["same"]]
    if differ:
        listed = "; ".join(
            f"{r['model']} T = {r['seq_len']}: {_accuracy(r['live'])} / {_accuracy(r['stored'])}" for r in differ
        )
        text += " " + t("train.rerun_differ", runs=listed)
    capped = int((live["status"] == "time limit").sum()) if "status" in live else 0
    if capped:
        text += " " + t("train.rerun_capped", n=capped, seconds=f"{LIVE_SECONDS:g}")
    return text
