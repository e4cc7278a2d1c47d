"""The widget groups that several pages share: each `*_ui()` draws its controls, binds them to the URL
(dashboard/url.py) and returns a frozen dataclass.  A page's own groups live in its view module.

Coded choices (tanh, relu, gaussian, ...) keep their code in the URL and show a translated label, so a
shared link is the same in every language and equal to `python -m core probe` flags.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import streamlit as st

from core.models.rnn import INITS, NONLINEARITIES
from core.models.sequence import SEQUENCE_MODELS
from core.tasks import TASKS
from core.training import TrainConfig

from .frame import row
from .i18n import coded_labels, t
from .url import bound, choice_ui, drop_param, reject_url_key, remember, view_ui


@dataclass(frozen=True)
class RnnControls:
    seq_len: int = 100  # T: words read; the page's cap keeps T·H² ≤ 3.3e7 per probe
    weight_scale: float = 0.9  # ρ of W
    nonlinearity: str = "tanh"
    init: str = "orthogonal"
    hidden_size: int = 64
    input_scale: float = 1.0
    seed: int = 0


# (min, max, step) of each slider: the per-visitor work cap (see README, "Caps").
RNN_RANGES = {
    "seq_len": (2, 2000, 1),
    "weight_scale": (0.05, 2.0, 0.01),
    "hidden_size": (4, 128, 4),
    "input_scale": (0.0, 3.0, 0.05),
    "seed": (0, 9999, 1),
}


def _slider(column, name: str, default, label_key: str):
    lo, hi, step = RNN_RANGES[name]
    return column.slider(t(label_key), lo, hi, default, step, **bound(name, default), help=t(label_key + "_help"))


def _choice(column, name: str, options, default, label_key: str):
    return choice_ui(column, t(label_key), coded_labels(name, options), default, name, t(label_key + "_help"))


@dataclass(frozen=True)
class RnnChoices:
    nonlinearity: str = "tanh"
    init: str = "orthogonal"
    detail: str = "eigenvalues"  # the closer look under the main chart: eigenvalues | map | rates


def rnn_choices_ui() -> RnnChoices:
    """The nonlinearity, the initialisation of W and the closer look: choices, not sliders (a change
    reruns the page, which draws the chosen closer look's frame)."""
    d = RnnChoices()
    left, right = row(2)
    nonlinearity = _choice(left, "nonlinearity", NONLINEARITIES, d.nonlinearity, "rnn.nonlinearity")
    init = _choice(right, "init", INITS, d.init, "rnn.init")
    labels = {"eigenvalues": t("rnn.eigen_chart"), "map": t("rnn.sweep_chart"), "rates": t("rnn.rates_chart")}
    return RnnChoices(nonlinearity, init, view_ui(t("rnn.detail"), labels, key="rnn_detail"))


def rnn_controls_ui(choices: RnnChoices) -> RnnControls:
    """Sequence length, weight scale, hidden size, input scale and seed, with `choices` (the
    nonlinearity and the initialisation, from rnn_choices_ui)."""
    d = RnnControls()
    left, mid, right = row(3)
    seq_len = _slider(left, "seq_len", d.seq_len, "rnn.seq_len")
    weight_scale = _slider(left, "weight_scale", d.weight_scale, "rnn.weight_scale")
    hidden_size = _slider(mid, "hidden_size", d.hidden_size, "rnn.hidden_size")
    seed = _slider(mid, "seed", d.seed, "rnn.seed")  # a slider: number_input crashes on ?seed=inf
    input_scale = _slider(right, "input_scale", d.input_scale, "rnn.input_scale")
    return RnnControls(
        int(seq_len), float(weight_scale), choices.nonlinearity, choices.init, int(hidden_size), float(input_scale),
        int(seed),
    )  # fmt: skip


@dataclass(frozen=True)
class SharedControls:
    seq_len: int = 100  # T, shared by every model on the page
    weight_scale: float = 0.9  # ρ of every recurrent matrix (each gate's block for LSTM and GRU)
    hidden_size: int = 64
    seed: int = 0


GATE_RANGE = (-2.0, 8.0, 0.5)  # forget / update gate bias: σ(-2) = 0.12 ... σ(8) = 0.9997
CLIP_THRESHOLDS = (0.01, 0.1, 1.0, 10.0, 100.0, 1000.0)


def shared_controls_ui() -> SharedControls:
    """T, ρ, hidden size and seed, for pages that compare several models on the same footing."""
    d = SharedControls()
    cols = row([3, 3, 2, 1])
    seq_len = _slider(cols[0], "seq_len", d.seq_len, "rnn.seq_len")
    weight_scale = _slider(cols[1], "weight_scale", d.weight_scale, "rnn.weight_scale")
    hidden_size = _slider(cols[2], "hidden_size", d.hidden_size, "rnn.hidden_size")
    seed = _slider(cols[3], "seed", d.seed, "rnn.seed")
    return SharedControls(int(seq_len), float(weight_scale), int(hidden_size), int(seed))


@dataclass(frozen=True)
class RemedyControls:
    window: int = 20  # K: words the truncated backprop reaches (1..T)
    forget: float = 1.0  # the LSTM's forget-gate bias b_f
    update: float = 0.0  # the GRU's update-gate bias b_z
    theta: float = 1.0  # the clipping threshold


REMEDY_KEYS = {"window": "window", "forget": "forget_bias", "update": "update_bias", "theta": "clip"}  # URL keys


def _gate_bias(column, key: str, default: float, label_key: str) -> float:
    lo, hi, step = GATE_RANGE
    return column.slider(
        t(label_key), lo, hi, default, step, **bound(key, default, keep=True), help=t(label_key + "_help")
    )


def _fits(name: str, raw: str, seq_len: int) -> bool:
    """Would the (undrawn) remedy control `name` accept the URL's text `raw`?"""
    try:
        value = float(raw)
    except ValueError:
        return False
    if name == "window":
        return value.is_integer() and 1 <= value <= seq_len
    if name == "theta":
        return value in CLIP_THRESHOLDS
    lo, hi, step = GATE_RANGE
    return lo <= value <= hi and ((value - lo) / step).is_integer()


def remedy_controls_ui(seq_len: int, used: frozenset = frozenset(REMEDY_KEYS)) -> RemedyControls:
    """The remedies' own knobs, those in `used` side by side: truncation window K (1..T), gate
    biases, clipping threshold θ.  The others are not drawn: each keeps its value for when it is
    drawn again (persist_state="page"; the link drops it meanwhile), is returned here as its
    default (the section does not use it), and is still reset by Reset."""
    d = RemedyControls()
    values = asdict(d)
    for name in REMEDY_KEYS.keys() - used:  # not drawn: known to Reset, and a reset one leaves the link
        key = remember(REMEDY_KEYS[name], values[name])
        if st.session_state.get(key) == values[name] and key in st.query_params:
            drop_param(key)
        elif key in st.query_params and not _fits(name, st.query_params[key], seq_len):
            drop_param(key)  # a bad value for a control not drawn now: dropped and said at once
            reject_url_key(key)
    if not used:
        return d
    cols = iter(row([3 if name == "window" else 2 for name in REMEDY_KEYS if name in used]))
    if "window" in used:
        if st.session_state.get("window", 0) > seq_len:  # a K left over from a longer sequence
            st.session_state["window"] = seq_len
        values["window"] = next(cols).slider(
            t("rem.window"),
            1,
            seq_len,
            min(d.window, seq_len),
            1,
            **bound("window", d.window, keep=True),  # reset gives 20 (clamped to T above, on the next run)
            help=t("rem.window_help"),
        )
    if "forget" in used:
        values["forget"] = _gate_bias(next(cols), "forget_bias", d.forget, "rem.forget_bias")
    if "update" in used:
        values["update"] = _gate_bias(next(cols), "update_bias", d.update, "rem.update_bias")
    if "theta" in used:
        values["theta"] = next(cols).select_slider(
            t("rem.clip"), CLIP_THRESHOLDS, d.theta, **bound("clip", d.theta, keep=True), help=t("rem.clip_help")
        )
    return RemedyControls(
        int(values["window"]), float(values["forget"]), float(values["update"]), float(values["theta"])
    )


@dataclass(frozen=True)
class TrainingControls:
    model: str = "transformer"
    task: str = TASKS[0]
    seq_len: int = 100
    steps: int = 400
    seed: int = 0
    forget_bias: float = TrainConfig.forget_bias
    update_bias: float = TrainConfig.update_bias


def training_controls_ui() -> TrainingControls:
    """Model, task, sequence length, steps, seed and the gate biases for one training job."""
    d = TrainingControls()
    cols = st.columns([3, 2, 3, 3, 1])
    models, tasks = coded_labels("model", SEQUENCE_MODELS), coded_labels("task", TASKS)
    model = choice_ui(cols[0], t("train.model"), models, d.model, "train_model", t("train.model_help"))
    task = choice_ui(cols[1], t("train.task"), tasks, d.task, "train_task", t("train.task_help"))
    seq_len = cols[2].slider(
        t("train.seq_len"), 2, 200, d.seq_len, 1, **bound("train_seq_len", d.seq_len), help=t("train.seq_len_help")
    )
    steps = cols[3].slider(
        t("train.steps"), 20, 2000, d.steps, 20, **bound("train_steps", d.steps), help=t("train.steps_help")
    )
    seed = cols[4].slider(t("rnn.seed"), 0, 9999, d.seed, 1, **bound("train_seed", d.seed))
    left, right, _ = st.columns([3, 3, 5])
    biases = [
        column.slider(
            t(f"train.{name}"), -2.0, 8.0, default, 0.5, **bound(f"train_{name}", default), help=t(f"train.{name}_help")
        )
        for column, name, default in ((left, "forget_bias", d.forget_bias), (right, "update_bias", d.update_bias))
    ]
    return TrainingControls(model, task, int(seq_len), int(steps), int(seed), float(biases[0]), float(biases[1]))
