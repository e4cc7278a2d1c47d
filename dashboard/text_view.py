"""The "On real text" page: an LSTM, a GRU and a Transformer trained identically on the King James text
(core/lm.py), how much context each uses (core/context.py, precomputed and shipped), their gradients against
distance on a held-out passage, their surprise on a visitor's text, and samples."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core.lm import LM_MODELS

from . import cached
from .charts.curves import curves_chart, curves_data
from .charts.lines import context_chart
from .charts.style import MODEL_COLORS, SOLID, Style, pow10_label
from .charts.tokens import token_chart
from .figure import Figure, memo
from .frame import row
from .i18n import chart_labels, t
from .lab import Chart, Section
from .url import bound

RANGES = {
    "span": (16, 1000, 1),  # characters back from the predicted one (the Transformer reads at most 256)
    "temperature": (0.1, 2.0, 0.05),
    "seed": (0, 9999, 1),
    "length": (20, 1000, 10),
}
DEFAULTS = {"span": 1000, "temperature": 0.8, "seed": 0, "length": 300, "prompt": "And the LORD said unto"}
OWN_MAX_CHARS = 3000
PASSAGE_START = 20_000  # the gradient's passage: the held-out text from here, 1,001 characters (a verse's start)


def model(name: str):
    """A shipped model and its JSON, loaded once per server."""
    return cached.language_model(name)


def names() -> dict[str, str]:
    return {code: t(f"text.model_{code}") for code in LM_MODELS}


def context_table() -> pd.DataFrame:
    """The shipped context curves (python -m core context), every model: model, context, bits, shuffled bits."""
    return cached.context_curves()


def passage(span: int = RANGES["span"][1]) -> str:
    """The held-out passage whose last character is predicted: `span` characters before it, and it."""
    book = cached.load_book()
    held = book.text[book.split :]
    start = held.index("\n", PASSAGE_START) + 1
    return held[start : start + 1001][-(span + 1) :]


def own_default() -> str:
    """The surprise section's starting text: the passage's last verses, about 300 characters, from a verse's start."""
    text = passage(1000)
    return text[text.index("\n", len(text) - 320) + 1 :]


# --- 1. context ------------------------------------------------------------------------------------------


@functools.partial(memo, max_entries=8)
def context_section(_value, style: Style) -> Section:
    table = context_table()
    labels = names()
    rows = []
    for code in LM_MODELS:
        part = table[table["model"] == code]
        for column, kind in (("bits_per_char", "truncated"), ("shuffled_bits_per_char", "shuffled")):
            rows.append(part.assign(bits=part[column], kind=t(f"text.kind_{kind}"), name=labels[code]))
    data = pd.concat(rows, ignore_index=True)[["model", "name", "kind", "context", "bits"]]
    text = {key: t(f"text.{key}") for key in ("model_key", "kind", "axis_context", "axis_bits")}
    text |= {"truncated": t("text.kind_truncated"), "shuffled": t("text.kind_shuffled")}
    colors = [MODEL_COLORS[c] for c in LM_MODELS]
    figure = Figure.from_altair(context_chart(data, list(labels.values()), colors, text, style))
    return Section(figure, context_caption(table), context_table)


def context_caption(table: pd.DataFrame) -> str:
    parts = []
    for code in LM_MODELS:
        curve = table[table["model"] == code].sort_values("context")
        full, one = float(curve["bits_per_char"].iloc[-1]), float(curve["bits_per_char"].iloc[0])
        order = curve[curve["shuffled_bits_per_char"] <= full * 1.01]  # shuffling beyond d costs under 1%
        parts.append(
            t(
                "text.context_model",
                name=names()[code],
                full=f"{full:.2f}",
                one=f"{one:.2f}",
                effective=cached.effective_context(curve),
                order=int(order["context"].min()),
            )
        )
    return t("text.context_caption", models=" ".join(parts))


# --- 2. gradients ----------------------------------------------------------------------------------------


def gradients(span: int) -> dict[str, pd.DataFrame]:
    """Each model's gradient on the whole passage (computed once), up to `span` characters back."""
    return {code: frame[frame["distance"] < span] for code, frame in cached.lm_gradients(passage()).items()}


@dataclass(frozen=True)
class SpanControls:
    span: int = DEFAULTS["span"]  # characters back from the predicted one


def span_ui() -> SpanControls:
    """How far back the gradient is measured, in characters."""
    lo, hi, step = RANGES["span"]
    span = st.slider(t("text.span"), lo, hi, DEFAULTS["span"], step, **bound("text_span", DEFAULTS["span"]))
    return SpanControls(int(span))


@functools.partial(memo, max_entries=32)
def gradient_section(span: int, style: Style) -> Section:
    profiles = gradients(span)
    labels = names()
    curves = {labels[c]: (f["distance"].to_numpy(), f["log10_grad_norm"].to_numpy()) for c, f in profiles.items()}
    styles = {labels[c]: (MODEL_COLORS[c], SOLID) for c in LM_MODELS}
    text_labels = chart_labels()
    figure = curves_chart(curves_data(curves, text_labels), text_labels, styles, list(styles), style)
    notes = []
    for code, frame in profiles.items():
        far = int(frame["distance"].max())
        notes.append(
            t(
                "text.grad_model",
                name=labels[code],
                near=pow10_label(float(frame.loc[frame["distance"] == 0, "log10_grad_norm"].iloc[0])),
                far=pow10_label(float(frame.loc[frame["distance"] == far, "log10_grad_norm"].iloc[0])),
                distance=far,
            )
        )
    return Section(figure, t("text.grad_caption", models=" ".join(notes)), functools.partial(gradient_table, span))


def gradient_table(span: int) -> pd.DataFrame:
    return pd.concat([f.assign(model=c) for c, f in gradients(span).items()], ignore_index=True)


# --- 3. surprise -----------------------------------------------------------------------------------------


def surprises(text: str) -> pd.DataFrame:
    return cached.lm_surprises(text)


@dataclass(frozen=True)
class OwnText:
    text: str  # at least two characters


def own_text_ui() -> OwnText:
    """The visitor's own text (the passage's last verses to start with), at least two characters."""
    default = own_default()
    own = st.text_area(t("text.own"), default, max_chars=OWN_MAX_CHARS, **bound("text_own", default))
    if len(own) < 2:
        st.info(t("text.own_short"))
        return OwnText(default)
    return OwnText(own)


@functools.partial(memo, max_entries=16)
def surprise_section(text: str, style: Style) -> Section:
    table = surprises(text)
    labels = names()
    first = table[table["model"] == LM_MODELS[0]]
    scores = {"token": first["char"].to_numpy()}
    means = []
    for code in LM_MODELS:
        bits = table.loc[table["model"] == code, "bits"].to_numpy()
        scores[t("text.surprise_panel", name=labels[code])] = np.clip(bits / 8.0, 0, 1)  # 8 bits and more: darkest
        means.append(t("text.surprise_model", name=labels[code], bits=f"{bits.mean():.2f}"))
    figure = token_chart(pd.DataFrame(scores), style, joined=True)
    caption = t("text.surprise_caption", models="; ".join(means), chars=len(first))
    return Section(figure, caption, functools.partial(surprises, text))


# --- 4. samples ------------------------------------------------------------------------------------------


def samples(prompt: str, length: int, temperature: float, seed: int) -> dict[str, str]:
    return cached.lm_samples(prompt, length, temperature, seed)


@dataclass(frozen=True)
class SampleControls:
    prompt: str = DEFAULTS["prompt"]
    length: int = DEFAULTS["length"]
    temperature: float = DEFAULTS["temperature"]
    seed: int = DEFAULTS["seed"]


def sample_controls_ui() -> SampleControls:
    prompt = st.text_input(
        t("text.prompt"), DEFAULTS["prompt"], max_chars=200, **bound("text_prompt", DEFAULTS["prompt"])
    )
    values = []
    for column, name in zip(row(3), ("length", "temperature", "seed"), strict=True):
        lo, hi, step = RANGES[name]
        values.append(
            column.slider(t(f"text.{name}"), lo, hi, DEFAULTS[name], step, **bound(f"text_{name}", DEFAULTS[name]))
        )
    return SampleControls(prompt, int(values[0]), float(values[1]), int(values[2]))


def samples_ui() -> None:
    """The sampling controls and each model's sample, as text (never HTML): a move reruns this alone."""
    with st.container(border=True):
        c = sample_controls_ui()
    for code, text in samples(c.prompt, c.length, c.temperature, c.seed).items():
        st.markdown(f"**{names()[code]}**")
        st.code(c.prompt + text, language=None, wrap_lines=True)
    st.caption(t("text.sample_caption", temperature=c.temperature, seed=c.seed))


def held_out_summary() -> str:
    parts = []
    for code in LM_MODELS:
        meta = model(code)[1]
        bits = f"{meta['held_out_bits_per_char']:.2f}"
        parts.append(t("text.model_bits", name=names()[code], bits=bits, steps=meta["steps"]))
    return t("text.trained", models="; ".join(parts))


def checkpoints_ready() -> bool:
    return cached.lm_ready()


CONTEXT = [Chart("context", context_section, title="text.context_title")]
GRADIENT = [Chart("lm-gradient", lambda c, style: gradient_section(c.span, style))]  # headed by its lab
SURPRISE = [Chart("surprise", lambda c, style: surprise_section(c.text, style), width="content")]
