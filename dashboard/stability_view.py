"""The Stability page: does the Transformer train more stably, and how much does parallelism buy?
(core/stability.py, core/parallel.py.)

1. the shipped sweep (python -m core stability --sweep, data/stability/): model × learning rate, at a warm-up, the
   share of seeds that failed and the median final loss; one cell's loss curves against the unigram entropy;
2. one live run of the chosen cell, capped at LIVE_SECONDS and one job per visitor, beside the shipped seeds;
3. speed (python -m benchmarks.throughput, data/throughput.csv): training throughput against the window, and the
   longest chain of dependent operations in a training step."""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core.stability import CURVE_EVERY, LRS, PLATEAU, STABILITY_MODELS, STEPS, WARMUPS, StabilityConfig

from . import cached, export
from .charts.stability import chain_chart, curves_chart, grid_chart, throughput_chart
from .charts.style import DASHED, DOTTED, MODEL_COLORS, SOLID, Style
from .figure import memo
from .frame import row
from .i18n import t
from .lab import Chart, Section, charts_ui
from .training_view import job_slots  # one cap on training jobs for the whole server
from .url import bound, choice_ui

LIVE_SECONDS = 60.0  # a visitor's run stops here, whatever its step
JOB_KEY = "stability_job"
REDRAW_SECONDS = 0.5
OUTCOME_COLORS = {"trained": "#15803d", "plateau": "#b91c1c", "collapsed": "#ea580c", "nan": "#111827"}
LIVE_COLOR = "#2563eb"  # the visitor's own run
SPEED_MODELS = ("lstm", "transformer-pre")
SPEED_COLORS = {"lstm": MODEL_COLORS["lstm"], "transformer-pre": MODEL_COLORS["transformer"]}


def names() -> dict[str, str]:
    return {code: t(f"stab.model_{code.replace('-', '_')}") for code in STABILITY_MODELS}


def rate_label(lr: float) -> str:
    return f"{lr:g}"


def sweep() -> pd.DataFrame:
    return cached.stability_sweep()


def ready() -> bool:
    return not sweep().empty


@dataclass(frozen=True)
class StabilityInputs:
    warmup: int = 0  # the grid's warm-up (steps)
    model: str = "transformer-post"  # the cell whose curves are drawn
    lr: float = 1e-2


def inputs_ui() -> StabilityInputs:
    d = StabilityInputs()
    left, middle, right = row(3)
    warmup = int(left.select_slider(t("stab.warmup"), WARMUPS, d.warmup, **bound("stab_warmup", d.warmup)))
    model = choice_ui(middle, t("stab.model"), names(), d.model, "stab_model")
    lr = float(right.select_slider(t("stab.lr"), LRS, d.lr, format_func=rate_label, **bound("stab_lr", d.lr)))
    return StabilityInputs(warmup, model, lr)


# --- 1. the grid ---------------------------------------------------------------------------------------------


def _at(table: pd.DataFrame, warmup: int) -> pd.DataFrame:
    return table[table["warmup"] == warmup]


def _failed(part: pd.DataFrame) -> int:
    return int((part["outcome"] != "trained").sum())


def _median(part: pd.DataFrame) -> float:
    values = part["final_bits"].dropna()
    return float(values.median()) if len(values) else math.nan


def _bits(value: float) -> str:
    return "NaN" if not math.isfinite(value) else f"{value:.2f}"


def grid_cells(table: pd.DataFrame, c: StabilityInputs) -> pd.DataFrame:
    labels, outcome_names = names(), outcome_labels()
    rows = []
    for model in STABILITY_MODELS:
        for lr in LRS:
            part = _at(table, c.warmup)
            part = part[(part["model"] == model) & np.isclose(part["lr"], lr)]
            if part.empty:
                continue
            counts = part["outcome"].value_counts()
            rows.append(
                {
                    "model": model,
                    "name": labels[model],
                    "lr": lr,
                    "rate": rate_label(lr),
                    "failed": _failed(part) / len(part),
                    "median_bits": _median(part),
                    "text": f"{_bits(_median(part))} ({_failed(part)}/{len(part)})",
                    "outcomes": ", ".join(f"{outcome_names[o]} {n}" for o, n in counts.items()),
                    "selected": model == c.model and math.isclose(lr, c.lr),
                }
            )
    return pd.DataFrame(rows)


def outcome_labels() -> dict[str, str]:
    return {o: t(f"stab.outcome_{o}") for o in OUTCOME_COLORS}


@functools.partial(memo, max_entries=32)
def grid_section(c: StabilityInputs, style: Style) -> Section:
    table = sweep()
    cells = grid_cells(table, c)
    if cells.empty:
        return Section(None, t("stab.no_runs", warmup=c.warmup))
    text = {key: t(f"stab.{key}") for key in ("axis_lr", "failed")}
    labels = names()
    order = [labels[m] for m in STABILITY_MODELS]
    figure = grid_chart(cells, order, [rate_label(lr) for lr in LRS], text, style)
    return Section(figure, grid_caption(table, c), lambda: cells.drop(columns=["selected"]))


def grid_caption(table: pd.DataFrame, c: StabilityInputs) -> str:
    labels, part = names(), _at(table, c.warmup)
    failures = " · ".join(
        f"{labels[m]} {_failed(part[part['model'] == m])}/{len(part[part['model'] == m])}"
        for m in STABILITY_MODELS
        if (part["model"] == m).any()
    )
    trained = part[part["outcome"] == "trained"]
    best = ""
    if not trained.empty:
        medians = trained.groupby(["model", "lr"])["final_bits"].median()
        (model, lr), value = medians.idxmin(), medians.min()
        best = t("stab.best", name=labels[model], lr=rate_label(lr), bits=f"{value:.2f}")
    column = part[np.isclose(part["lr"], c.lr)]
    outcome_names = outcome_labels()
    at_rate = " · ".join(
        f"{labels[m]}: "
        + ", ".join(
            f"{outcome_names[o]} {n}" for o, n in column[column["model"] == m]["outcome"].value_counts().items()
        )
        for m in STABILITY_MODELS
        if (column["model"] == m).any()
    )
    first = {m: table[table["model"] == m].iloc[0] for m in STABILITY_MODELS if (table["model"] == m).any()}
    sizes = " · ".join(
        t("stab.params_item", name=labels[m], params=f"{int(r['params']):,}", hidden=int(r["hidden"]))
        if m in ("lstm", "gru")
        else f"{labels[m]} {int(r['params']):,}"
        for m, r in first.items()
    )
    return t(
        "stab.grid_caption",
        verdict=verdict(table),
        at_rate=t("stab.at_rate", lr=rate_label(c.lr), cells=at_rate) if at_rate else "",
        sizes=sizes,
        warmup=c.warmup,
        seeds=int(part["seed"].nunique()),
        steps=int(part["steps"].max()),
        layers=int(part["layers"].max()),
        failures=failures,
        best=best,
        unigram=f"{cached.unigram_bits():.2f}",
        plateau=PLATEAU,
    )


def verdict(table: pd.DataFrame) -> str:
    """Every model's failures over the whole sweep, and how the pre-norm Transformer's compare with the recurrent
    models' and the post-norm one's: the page's answer to "is the Transformer more stable?"."""
    labels = names()
    failed = {m: _failed(table[table["model"] == m]) for m in STABILITY_MODELS if (table["model"] == m).any()}
    runs = {m: int((table["model"] == m).sum()) for m in failed}
    counts = " · ".join(f"{labels[m]} {failed[m]}/{runs[m]}" for m in failed)
    if not {"transformer-pre", "transformer-post", "lstm", "gru"} <= set(failed):
        return t("stab.verdict_counts", counts=counts)
    recurrent = min(failed["lstm"], failed["gru"])
    key = (
        "less"
        if failed["transformer-pre"] < recurrent
        else "same"
        if failed["transformer-pre"] == recurrent
        else "more"
    )
    comparison = t(f"stab.verdict_{key}", post=failed["transformer-post"], runs=runs["transformer-post"])
    return t("stab.verdict_counts", counts=counts) + " " + comparison


# --- one cell's curves ---------------------------------------------------------------------------------------


def cell(table: pd.DataFrame, model: str, lr: float, warmup: int) -> pd.DataFrame:
    part = table[(table["model"] == model) & np.isclose(table["lr"], lr) & (table["warmup"] == warmup)]
    return part.sort_values("seed")


def curve_rows(records: pd.DataFrame, run_name) -> list[dict]:
    """Long-form points (run, outcome, step, bits) of the records' curves; a NaN point is left out."""
    outcome_names = outcome_labels()
    return [
        {"run": run_name(r), "outcome": outcome_names[r["outcome"]], "step": (k + 1) * CURVE_EVERY, "bits": v}
        for _, r in records.iterrows()
        for k, v in enumerate(r["curve"])
        if v is not None and math.isfinite(v)
    ]


def _seed_name(record) -> str:
    return t("stab.seed_run", seed=int(record["seed"]), outcome=outcome_labels()[record["outcome"]])


@functools.partial(memo, max_entries=64)
def curves_section(c: StabilityInputs, style: Style) -> Section:
    records = cell(sweep(), c.model, c.lr, c.warmup)
    if records.empty:
        return Section(None, t("stab.no_runs", warmup=c.warmup))
    points = pd.DataFrame(curve_rows(records, _seed_name), columns=["run", "outcome", "step", "bits"])
    return _curves(points, records, style, curves_caption(records, c))


def _curves(points: pd.DataFrame, records: pd.DataFrame, style: Style, caption: str, live: str | None = None,
            live_outcome: str | None = None) -> Section:  # fmt: skip
    """The cell's curves (and the visitor's, named `live`): colour by outcome, dash by seed."""
    runs = [_seed_name(r) for _, r in records.iterrows()]
    dashes = [(SOLID, DASHED, DOTTED)[k % 3] for k in range(len(runs))]
    groups = {outcome_labels()[o]: color for o, color in OUTCOME_COLORS.items()}
    points = points.assign(group=points["outcome"])
    if live is not None:
        runs, dashes, groups = [*runs, live], [*dashes, SOLID], groups | {live: LIVE_COLOR}
        points.loc[points["run"] == live, "group"] = live
    text = {key: t(f"stab.{key}") for key in ("run", "outcome", "axis_step", "axis_bits")}
    text["unigram"] = t("stab.unigram_mark", bits=f"{cached.unigram_bits():.2f}")
    figure = curves_chart(points, runs, groups, dashes, cached.unigram_bits(), text, style)
    return Section(figure, caption, lambda: points.drop(columns=["group"]))


def curves_caption(records: pd.DataFrame, c: StabilityInputs) -> str:
    outcome_names = outcome_labels()
    runs = "; ".join(
        t(
            "stab.curve_run",
            seed=int(r["seed"]),
            outcome=outcome_names[r["outcome"]],
            final=_bits(r["final_bits"] if r["final_bits"] is not None else math.nan),
            low=_bits(r["min_bits"] if r["min_bits"] is not None else math.nan),
            spikes=int(r["spikes"]),
            grad=_bits(r["max_grad_norm"] if r["max_grad_norm"] is not None else math.inf),
        )
        for _, r in records.iterrows()
    )
    key = "stab.curves_plateau" if (records["outcome"] == "plateau").any() else "stab.curves_caption"
    return t(key, name=names()[c.model], lr=rate_label(c.lr), warmup=c.warmup, runs=runs,
             unigram=f"{cached.unigram_bits():.2f}")  # fmt: skip


GRID = [
    Chart("stability-grid", grid_section, title="stab.grid_title", intro="stab.grid_intro"),
    Chart("stability-curves", curves_section, title="stab.curves_title"),
]


# --- 2. a live run -------------------------------------------------------------------------------------------


def live_ui(style: Style) -> None:
    """Train the lab's chosen cell live (seed of the visitor's choice), capped at LIVE_SECONDS; one job a
    visitor (the Train button is disabled while it runs) and at most training_view.MAX_JOBS on the server."""
    c = StabilityInputs(
        int(st.session_state.get("stab_warmup", 0)),
        st.session_state.get("stab_model", StabilityInputs.model),
        float(st.session_state.get("stab_lr", StabilityInputs.lr)),
    )
    st.markdown(t("stab.live_intro", name=names()[c.model], lr=rate_label(c.lr), warmup=c.warmup,
                  seconds=f"{LIVE_SECONDS:g}", steps=STEPS))  # fmt: skip
    seed_col, train_col, stop_col = st.columns([2, 1, 1], vertical_alignment="bottom")
    seed = int(seed_col.slider(t("stab.live_seed"), 0, 99, 0, **bound("stab_seed", 0)))  # number_input: ?=inf crashes
    slot = train_col.empty()
    clicked = slot.button(t("stab.live_button"), type="primary", key="stab_train")
    stop_col.button(t("stab.live_stop"), key="stab_stop")
    job = st.session_state.get(JOB_KEY)
    if job and job["status"] == "running" and not clicked:
        job["status"] = "stopped"
    progress, place = st.empty(), st.empty()
    if clicked:
        slot.button(t("stab.live_button"), type="primary", key="stab_running", disabled=True)
        run_live(StabilityConfig(c.model, c.lr, c.warmup, seed), progress, place, style)
        st.rerun()
    if not job:
        return
    if job["status"] == "busy":
        st.warning(t("stab.live_busy"))
        return
    charts_ui(job, LIVE)


def run_live(config: StabilityConfig, progress, place, style: Style) -> None:
    job = {"config": config, "losses": [], "record": None, "status": "running"}
    st.session_state[JOB_KEY] = job
    if not job_slots().acquire(blocking=False):
        job["status"] = "busy"
        return
    started, last = time.perf_counter(), [0.0]

    def on_step(state: dict) -> None:
        job["losses"].append(state["loss_bits"])
        now = time.perf_counter()
        if now - last[0] >= REDRAW_SECONDS:
            last[0] = now
            progress.progress(min(1.0, state["step"] / config.steps), text=t("stab.live_progress", step=state["step"],
                              steps=config.steps, seconds=f"{now - started:.0f}"))  # fmt: skip
            section = live_section(job, style)
            place.vega_lite_chart(spec=export.vega_spec(section.figure), width="stretch")

    try:
        job["record"] = cached.stability_run(
            config, on_step=on_step, should_stop=lambda: time.perf_counter() - started > LIVE_SECONDS
        )
        job["status"] = "finished"
    finally:
        job_slots().release()


def _live_points(job: dict) -> list[dict]:
    """The visitor's curve: the finished record's (its last point may average fewer steps), or while it runs,
    the mean of each complete CURVE_EVERY steps."""
    if job.get("record"):
        means = [v for v in job["record"]["curve"] if v is not None and math.isfinite(v)]
    else:
        losses = job["losses"]
        means = [
            float(np.mean(losses[k : k + CURVE_EVERY])) for k in range(0, len(losses) - CURVE_EVERY + 1, CURVE_EVERY)
        ]
        means = [v for v in means if math.isfinite(v)]
    name, outcome = t("stab.live_run", seed=job["config"].seed), live_outcome(job)
    return [{"run": name, "outcome": outcome, "step": (k + 1) * CURVE_EVERY, "bits": v} for k, v in enumerate(means)]


def live_outcome(job: dict) -> str:
    record = job.get("record")
    return outcome_labels()[record["outcome"]] if record else t("stab.live_running")


def live_section(job: dict, style: Style) -> Section:
    config: StabilityConfig = job["config"]
    records = cell(sweep(), config.model, config.lr, config.warmup)
    shipped = curve_rows(records, _seed_name) if not records.empty else []
    points = pd.DataFrame([*shipped, *_live_points(job)], columns=["run", "outcome", "step", "bits"])
    return _curves(points, records, style, live_caption(job, records), live=t("stab.live_run", seed=config.seed))


def live_caption(job: dict, records: pd.DataFrame) -> str:
    record = job.get("record")
    if record is None:
        return t("stab.live_interrupted", steps=len(job["losses"]))
    shipped = records[records["seed"] == record["seed"]]
    same = ""
    if not shipped.empty and record["steps_done"] == int(shipped["steps"].iloc[0]):
        same = t("stab.live_same", final=_bits(shipped["final_bits"].iloc[0] or math.nan))
    key = "stab.live_stopped" if record["stopped"] else "stab.live_done"
    return t(
        key,
        steps=record["steps_done"],
        total=record["steps"],
        seconds=f"{record['seconds']:.0f}",
        outcome=outcome_labels()[record["outcome"]],
        final=_bits(record["final_bits"] if record["final_bits"] is not None else math.nan),
        same=same,
    )


LIVE = [Chart("stability-live", live_section)]


# --- 3. speed ------------------------------------------------------------------------------------------------


def speed() -> pd.DataFrame:
    return cached.throughput_table()


def _speed_names() -> dict[str, str]:
    return {code: names()[code] for code in SPEED_MODELS}


@functools.partial(memo, max_entries=8)
def throughput_section(_value, style: Style) -> Section:
    table = speed()
    cpu = table[table["device"] == "cpu"]
    labels = _speed_names()
    data = cpu.assign(
        name=cpu["model"].map(labels), threads_label=cpu["threads"].map(lambda n: t("stab.threads_n", n=n))
    )
    text = {key: t(f"stab.{key}") for key in ("threads", "axis_window", "axis_speed")} | {
        "model": t("stab.model_speed")
    }
    order = [labels[m] for m in SPEED_MODELS]
    figure = throughput_chart(data, order, [SPEED_COLORS[m] for m in SPEED_MODELS], text, style)
    return Section(figure, throughput_caption(table), lambda: table)


def _rate(table: pd.DataFrame, model: str, window: int, threads: int) -> float:
    part = table[(table["model"] == model) & (table["window"] == window) & (table["threads"] == threads)]
    return float(part["chars_per_second"].iloc[0]) if not part.empty else math.nan


def throughput_caption(table: pd.DataFrame) -> str:
    cpu = table[table["device"] == "cpu"]
    windows = sorted(cpu["window"].unique())
    lo, hi = windows[0], windows[-1]
    ratios = {
        (w, n): _rate(cpu, "transformer-pre", w, n) / _rate(cpu, "lstm", w, n)
        for w in (lo, hi)
        for n in sorted(cpu["threads"].unique())
    }
    parts = " · ".join(t("stab.ratio_at", window=w, threads=n, ratio=f"{r:.2f}") for (w, n), r in ratios.items())
    threads = sorted(cpu["threads"].unique())
    speedups = ""
    if len(threads) > 1:
        a, b = threads[0], threads[-1]
        speedups = t(
            "stab.thread_gain",
            n=b,
            lstm=f"{_rate(cpu, 'lstm', hi, b) / _rate(cpu, 'lstm', hi, a):.2f}",
            transformer=f"{_rate(cpu, 'transformer-pre', hi, b) / _rate(cpu, 'transformer-pre', hi, a):.2f}",
            window=hi,
        )
    params = {m: int(cpu[cpu["model"] == m]["params"].iloc[0]) for m in SPEED_MODELS}
    gpu = table[table["device"] != "cpu"]
    gpu_text = t("stab.gpu_none") if gpu.empty else t("stab.gpu_rows", device=str(gpu["device"].iloc[0]))
    faster = ratios[(hi, threads[0])] > 1
    one = threads[0]
    fall = t(
        "stab.window_cost",
        lo=lo,
        hi=hi,
        transformer=f"{_rate(cpu, 'transformer-pre', hi, one) / _rate(cpu, 'transformer-pre', lo, one):.2f}",
        lstm=f"{_rate(cpu, 'lstm', hi, one) / _rate(cpu, 'lstm', lo, one):.2f}",
    )
    return t(
        "stab.throughput_caption",
        fall=fall,
        ratios=parts,
        speedups=speedups,
        lstm_params=f"{params['lstm']:,}",
        transformer_params=f"{params['transformer-pre']:,}",
        verdict=t("stab.faster" if faster else "stab.not_faster", window=hi),
        gpu=gpu_text,
    )


@functools.partial(memo, max_entries=8)
def chain_section(_value, style: Style) -> Section:
    table = speed()
    cpu = table[(table["device"] == "cpu") & (table["threads"] == table["threads"].min())]
    labels = _speed_names()
    data = cpu.assign(name=cpu["model"].map(labels))[["model", "name", "window", "chain"]]
    text = {key: t(f"stab.{key}") for key in ("axis_window", "axis_chain")} | {"model": t("stab.model_speed")}
    order = [labels[m] for m in SPEED_MODELS]
    figure = chain_chart(data, order, [SPEED_COLORS[m] for m in SPEED_MODELS], text, style)
    return Section(figure, chain_caption(data), lambda: data)


def chain_caption(data: pd.DataFrame) -> str:
    lstm = data[data["model"] == "lstm"].sort_values("window")
    tf = data[data["model"] == "transformer-pre"].sort_values("window")
    per = (lstm["chain"].iloc[-1] - lstm["chain"].iloc[0]) / (lstm["window"].iloc[-1] - lstm["window"].iloc[0])
    return t(
        "stab.chain_caption",
        lstm_lo=int(lstm["chain"].iloc[0]),
        lstm_hi=int(lstm["chain"].iloc[-1]),
        lo=int(lstm["window"].iloc[0]),
        hi=int(lstm["window"].iloc[-1]),
        per=f"{per:.1f}",
        tf_values=", ".join(str(v) for v in sorted(set(tf["chain"].astype(int)))),
    )


SPEED = [
    Chart("throughput", throughput_section, title="stab.speed_title", intro="stab.speed_intro"),
    Chart("chain", chain_section, title="stab.chain_title"),
]
