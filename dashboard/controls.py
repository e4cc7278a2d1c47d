"""Widget groups: each `*_ui()` draws its controls, binds them to the URL, returns plain values.

Choice widgets show the CLI's own codes (tanh, relu, gaussian, ...) because a bound widget
writes its displayed label into the URL: codes keep a shared link the same in every language
and equal to `python -m core probe` flags.  The translated help text explains each code.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.models.rnn import INITS, NONLINEARITIES

from .defaults import bound, reject_url_key, remember
from .frame import row
from .i18n import t


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


def rnn_choices_ui() -> tuple[str, str]:
    """The nonlinearity and the initialisation of W: choices, not sliders (a change reruns the page)."""
    d = RnnControls()
    left, right = row(2)
    nonlinearity = _choice(left, "nonlinearity", NONLINEARITIES, d.nonlinearity, "rnn.nonlinearity")
    init = _choice(right, "init", INITS, d.init, "rnn.init")
    return nonlinearity, init


def rnn_controls_ui(choices: tuple[str, str]) -> RnnControls:
    """Sequence length, weight scale, hidden size, input scale and seed, with `choices` (the
    nonlinearity and the initialisation, from rnn_choices_ui)."""
    d = RnnControls()
    left, mid, right = row(3)
    seq_len = _slider(left, "seq_len", d.seq_len, "rnn.seq_len")
    weight_scale = _slider(left, "weight_scale", d.weight_scale, "rnn.weight_scale")
    hidden_size = _slider(mid, "hidden_size", d.hidden_size, "rnn.hidden_size")
    seed = _slider(mid, "seed", d.seed, "rnn.seed")  # a slider: number_input crashes on ?seed=inf
    input_scale = _slider(right, "input_scale", d.input_scale, "rnn.input_scale")
    nonlinearity, init = choices
    return RnnControls(
        int(seq_len), float(weight_scale), nonlinearity, init, int(hidden_size), float(input_scale), int(seed)
    )


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
    with st.container(border=True):
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


def _kept(key: str, default) -> dict:
    """`bound`, for a control a section may leave undrawn: its value is kept for when it is back."""
    return {**bound(key, default), "persist_state": "page"}


def _gate_bias(column, key: str, default: float, label_key: str) -> float:
    lo, hi, step = GATE_RANGE
    return column.slider(t(label_key), lo, hi, default, step, **_kept(key, default), help=t(label_key + "_help"))


def _drop_param(key: str) -> None:
    """Remove `key` from the URL; a parameter still bound to the widget drawn in the last run cannot be
    removed by hand, and that widget's binding keeps it in step instead."""
    try:
        del st.query_params[key]
    except StreamlitAPIException:
        pass


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
            _drop_param(key)
        elif key in st.query_params and not _fits(name, st.query_params[key], seq_len):
            _drop_param(key)  # a bad value for a control not drawn now: dropped and said at once
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
            **_kept("window", d.window),  # reset gives 20 (clamped to T above, on the next run)
            help=t("rem.window_help"),
        )
    if "forget" in used:
        values["forget"] = _gate_bias(next(cols), "forget_bias", d.forget, "rem.forget_bias")
    if "update" in used:
        values["update"] = _gate_bias(next(cols), "update_bias", d.update, "rem.update_bias")
    if "theta" in used:
        values["theta"] = next(cols).select_slider(
            t("rem.clip"), CLIP_THRESHOLDS, d.theta, **_kept("clip", d.theta), help=t("rem.clip_help")
        )
    return RemedyControls(
        int(values["window"]), float(values["forget"]), float(values["update"]), float(values["theta"])
    )


URL_SYNC = "_in_url_"  # session state prefix: the value of a coded choice's URL parameter last seen or written


def _from_url(key: str, codes: tuple) -> None:
    """Before the coded choice `key` is drawn: a link decides its value when its `?key=` changed since this
    session last saw it, or when the session has no value (a page switch drops it).  A bad code is dropped
    with a notice; without the parameter (the sidebar's links drop it) the session's value stays."""
    requested, seen = st.query_params.get(key), URL_SYNC + key
    if requested is not None and (requested != st.session_state.get(seen) or key not in st.session_state):
        st.session_state[seen] = requested
        if requested in codes:
            st.session_state[key] = requested
        else:
            reject_url_key(key)


def _to_url(key: str, value: str, default: str) -> None:
    """After the coded choice `key` is drawn: the link holds its code, or nothing at the default."""
    if value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    st.session_state[URL_SYNC + key] = st.query_params.get(key)


def choice_ui(where, label: str, labels: dict, default: str, key: str, help: str | None = None) -> str:
    """A dropdown of coded options (`labels`: code -> label in the visitor's language), in the URL as
    `?key=code` and put back by Reset.

    Not a bound widget: binding writes the displayed label into the URL, which would differ by language
    (a Korean visitor's link would not open in English).  So the URL is kept in step by hand, with the
    code: links are the same in every language and equal to the CLI's flags.  `labels` is computed in
    the run because the widget may format its options later, outside the visitor's language."""
    codes = tuple(labels)
    remember(key, default)
    _from_url(key, codes)
    if st.session_state.get(key) not in codes:
        st.session_state[key] = default
    value = where.selectbox(label, codes, format_func=labels.get, key=key, help=help)
    _to_url(key, value, default)
    return value


def coded_labels(group: str, codes) -> dict:
    """{code: its label in the visitor's language} for a group of coded options (locale `choice.<group>_<code>`)."""
    return {code: t(f"choice.{group}_{code}") for code in codes}


def view_ui(label: str, labels: dict, key: str) -> str:
    """What a page shows, one of `labels` (code: label, the first the default), as a segmented control
    kept for the session, left alone by Reset, and in the URL as `?key=code` (so a link opens that view;
    kept in step by hand, as for choice_ui)."""
    codes = tuple(labels)
    _from_url(key, codes)
    value = (
        st.segmented_control(
            label,
            codes,
            default=None if key in st.session_state else codes[0],
            required=True,
            format_func=labels.get,
            key=key,
            persist_state="session",
        )
        or codes[0]
    )
    _to_url(key, value, codes[0])
    return value


def training_controls_ui() -> None:
    """Model, task, sequence length, steps and seed for one training job; read them with
    training_choice() (these controls live in a fragment, which cannot return values)."""
    from core.models.sequence import SEQUENCE_MODELS
    from core.tasks import TASKS
    from core.training import TrainConfig

    cols = st.columns([3, 2, 3, 3, 1])
    models, tasks = coded_labels("model", SEQUENCE_MODELS), coded_labels("task", TASKS)
    choice_ui(cols[0], t("train.model"), models, "transformer", "train_model", t("train.model_help"))
    choice_ui(cols[1], t("train.task"), tasks, TASKS[0], "train_task", t("train.task_help"))
    cols[2].slider(t("train.seq_len"), 2, 200, 100, 1, **bound("train_seq_len", 100), help=t("train.seq_len_help"))
    cols[3].slider(t("train.steps"), 20, 2000, 400, 20, **bound("train_steps", 400), help=t("train.steps_help"))
    cols[4].slider(t("rnn.seed"), 0, 9999, 0, 1, **bound("train_seed", 0))
    d = TrainConfig()
    left, right, _ = st.columns([3, 3, 5])
    left.slider(
        t("train.forget_bias"),
        -2.0,
        8.0,
        d.forget_bias,
        0.5,
        **bound("train_forget_bias", d.forget_bias),
        help=t("train.forget_bias_help"),
    )
    right.slider(
        t("train.update_bias"),
        -2.0,
        8.0,
        d.update_bias,
        0.5,
        **bound("train_update_bias", d.update_bias),
        help=t("train.update_bias_help"),
    )


def training_choice() -> dict:
    """The training controls' values (plain types), from session state."""
    state = st.session_state
    return {
        "model": state["train_model"],
        "task": state["train_task"],
        "seq_len": int(state["train_seq_len"]),
        "steps": int(state["train_steps"]),
        "seed": int(state["train_seed"]),
        "forget_bias": float(state["train_forget_bias"]),
        "update_bias": float(state["train_update_bias"]),
    }
