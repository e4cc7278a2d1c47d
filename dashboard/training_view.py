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

import pandas as pd
import streamlit as st

from core.sweep_training import SWEEP_STEPS
from core.training import StepState, TrainConfig

from . import cached, export
from .charts.curves import head_labels, readout_attention_chart
from .charts.lines import SWEEP_ORDER, history_chart
from .charts.lines import sweep_chart as sweep_lines
from .charts.style import Style, pow10_label, vega_config
from .controls import TrainingControls, training_controls_ui
from .figure import Figure
from .i18n import t
from .lab import Chart, Section, charts_ui

SWEEP_CSV = cached.DATA / "sweep.csv"
JOB_KEY = "training_job"
MAX_PAGE_SECONDS = 60.0
LIVE_SECONDS = 30.0  # per run of the live subset (the sweep's own cap is a looser safety net)
FIRST_GRAD_SMALL = -6.0  # log10: below this the caption explains why so small a gradient teaches nothing
MAX_JOBS = 2  # concurrent training jobs on one server
REDRAW_SECONDS = 0.4  # live charts redraw at most this often
MODEL_ORDER = SWEEP_ORDER


@st.cache_resource
def job_slots() -> threading.BoundedSemaphore:
    """Shared by every session: at most MAX_JOBS trainings at once."""
    return threading.BoundedSemaphore(MAX_JOBS)


def sweep_table() -> pd.DataFrame:
    return cached.sweep_table(SWEEP_CSV.stat().st_mtime)  # re-read when the file changes


def sweep_chart(summary: pd.DataFrame, chance: float, style: Style, height: int = 340):
    """Median accuracy over seeds against length, a line a model (charts.lines.sweep_chart, labelled)."""
    labels = {"axis_length": t("train.axis_length"), "axis_accuracy": t("train.axis_accuracy")}
    return sweep_lines(summary, chance, labels | {"chance": t("train.chance")}, style, height)


def sweep_section(_value, style: Style) -> Section:
    """The shipped sweep: median accuracy over seeds against length, with its caption from the table."""
    table = sweep_table()
    summary = sweep_data(table)
    return Section(Figure.from_altair(sweep_chart(summary, 0.25, style)), sweep_caption(table, summary), lambda: table)


SWEEP = [Chart("sweep", sweep_section, title="train.sweep_title")]


def sweep_caption(table: pd.DataFrame, summary: pd.DataFrame) -> str:
    """The stored sweep's caption: its budget and seeds, and each model's longest solved length, read
    from the table itself."""
    solved = cached.longest_solved(summary)
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
    summary = cached.sweep_summary(table)
    order = {model: i for i, model in enumerate(MODEL_ORDER)}
    return summary.sort_values(["model", "seq_len"], key=lambda col: col.map(order) if col.name == "model" else col)


JOB_SETTINGS = ("model", "task", "seq_len", "steps", "seed", "forget_bias", "update_bias")  # what a job's files say


def job_settings(job: dict) -> dict:
    """A finished job's own settings (`python -m core train` flags): its downloads say them, whatever
    the controls show now."""
    return {key: job["config"][key] for key in JOB_SETTINGS}


def _panels(job: dict) -> tuple:
    """(history field, axis title) of the three curves a job draws."""
    score = "accuracy" if job["config"]["task"] == "recall" else "mse"
    title = t("train.axis_accuracy_short") if score == "accuracy" else t("train.axis_mse")
    return ("loss", t("train.axis_loss")), (score, title), ("log10_first_grad", t("train.axis_first_grad"))


def draw_history(job: dict, slots, style: Style) -> None:
    """Loss, accuracy (or MSE) and the first token's gradient of a running job, into three placeholders."""
    frame = history_frame(job["history"])
    for slot, (field, axis) in zip(slots, _panels(job), strict=True):
        chart = history_chart(frame, field, axis, t("train.axis_step"), style)
        slot.vega_lite_chart(spec=export.vega_spec(chart), width="stretch")


def _history_section(field: str, axis: str):
    def build(job: dict, style: Style) -> Section:
        frame = history_frame(job["history"])
        figure = Figure.from_altair(history_chart(frame, field, axis, t("train.axis_step"), style))
        return Section(figure, table=lambda: frame, settings=job_settings(job))

    return build


def history_ui(job: dict) -> None:
    """A finished job's three curves side by side, each with its downloads (the CSV is the whole history,
    the files say the job's own settings)."""
    for column, (field, axis) in zip(st.columns(3), _panels(job), strict=True):
        with column:
            charts_ui(job, [Chart(f"training-{field.replace('_', '-')}", _history_section(field, axis))])


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


def attention_section(job: dict, style: Style) -> Section:
    """A trained Transformer's readout attention, a line a head."""
    frame = pd.DataFrame(job["attention"])
    chart = readout_attention_chart(frame, t("train.axis_position"), t("train.axis_weight"), style)
    figure = Figure.from_altair(chart.properties(height=280, config=vega_config(style)))
    caption = t("train.attention_caption", T=job["config"]["seq_len"])
    return Section(figure, caption, lambda: frame, settings=job_settings(job))


ATTENTION = [Chart("training-attention", attention_section, title="train.attention_title")]


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
        result = cached.train(config, on_step=on_step)
    finally:
        job_slots().release()
    job["status"], job["result"] = result.status, {k: v for k, v in result.to_json().items() if k != "history"}
    if config.model == "transformer" and result.model is not None and not result.status.startswith("diverged"):
        frame = cached.task_readout_attention(result.model, config.task, config.seq_len, config.vocab)
        frame = pd.DataFrame({"line": head_labels(frame), "position": frame["position"], "weight": frame["weight"]})
        job["attention"] = frame.to_dict("list")


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


def job_section(style: Style) -> None:
    """The controls (a fragment: moving one reruns the controls only), then Train / Stop and the job.  Train
    and Stop stay outside the fragment: a fragment's rerun would wait for a running job instead of
    interrupting it.  A click reruns the page, whose run of the fragment returns the controls' values."""
    job_ui(st.fragment(training_controls_ui)(), style)


def job_ui(choice: TrainingControls, style: Style) -> None:
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
        config = TrainConfig(**asdict(choice), time_limit=MAX_PAGE_SECONDS)
        run_job(config, slots, progress, style)
        st.rerun()  # redraw with the Train button enabled again; the results are in the session
    if not job:
        st.caption(t("train.idle"))
        return
    kind, text = _status_text(job)
    getattr(status_slot, kind)(text)
    if job["history"]:
        for slot in slots:
            slot.empty()
        history_ui(job)
        st.caption(curves_caption(job["history"]))
    if job.get("attention"):
        charts_ui(job, ATTENTION)


LIVE_MODELS, LIVE_LENGTHS = ("rnn", "transformer"), (10, 20, 40)


def live_subset_ui(stored: pd.DataFrame) -> None:
    """Re-run a small part of the sweep live, with the stored sweep's budget and seed 0, and say how
    it compares with the stored seed-0 runs."""
    if st.button(t("train.rerun_button"), help=t("train.rerun_help"), key="rerun_button"):
        if not job_slots().acquire(blocking=False):
            st.warning(t("train.status_busy"))
            return
        rows, total = [], len(LIVE_MODELS) * len(LIVE_LENGTHS)
        bar = st.progress(0.0, text=t("train.rerun_progress", done=0, total=total))
        try:
            cached.run_sweep(
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
        charts_ui((pd.DataFrame(st.session_state["live_sweep"]), stored), LIVE)


def live_section(value: tuple, style: Style) -> Section:
    live, stored = value
    figure = Figure.from_altair(sweep_chart(sweep_data(live), 0.25, style))
    return Section(figure, rerun_caption(live, stored), lambda: live)


LIVE = [Chart("live-sweep", live_section)]


def _accuracy(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.2f}"


def rerun_caption(live: pd.DataFrame, stored: pd.DataFrame) -> str:
    """What the live runs showed beside the stored seed-0 runs: agreement, differences, caps hit."""
    rows = cached.agreement(live, stored)
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
