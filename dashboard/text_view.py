"""The "On real text" page: an LSTM, a GRU and a Transformer trained identically on the King James text
(core/lm.py), how much context each uses (core/context.py, precomputed and shipped), their gradients against
distance on a held-out passage, their surprise on a visitor's text, and samples."""

from __future__ import annotations

import functools
import threading
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from core.book import load_book
from core.context import effective_context, gradient_profile, sample, surprise
from core.lm import LM_MODELS, CharLM, load_lm

from . import cached
from .bytecache import byte_cache
from .charts import DASHED, MODEL_COLORS, SOLID, Style, curves_chart, curves_data, pow10_label, vega_config
from .charts.real import token_chart
from .defaults import bound
from .figure import Figure, Section, memo
from .frame import row
from .i18n import chart_labels, t

LM_DIR = Path(__file__).resolve().parent.parent / "data" / "lm"
RANGES = {
    "span": (16, 1000, 1),  # characters back from the predicted one (the Transformer reads at most 256)
    "temperature": (0.1, 2.0, 0.05),
    "seed": (0, 9999, 1),
    "length": (20, 1000, 10),
}
DEFAULTS = {"span": 1000, "temperature": 0.8, "seed": 0, "length": 300, "prompt": "And the LORD said unto"}
OWN_MAX_CHARS = 3000
PASSAGE_START = 20_000  # the gradient's passage: the held-out text from here, 1,001 characters (a verse's start)
_LOCK = threading.Lock()


@functools.cache
def _model(name: str) -> tuple[CharLM, dict]:
    return load_lm(LM_DIR / f"{name}.pt")


def model(name: str) -> tuple[CharLM, dict]:
    """A shipped model and its JSON, loaded once per server (each is a few MB)."""
    with _LOCK:
        return _model(name)


def names() -> dict[str, str]:
    return {code: t(f"text.model_{code}") for code in LM_MODELS}


@functools.cache
def context_table() -> pd.DataFrame:
    """The shipped context curves (python -m core context), every model: model, context, bits, shuffled bits."""
    frames = [pd.read_csv(LM_DIR / f"context-{code}.csv").assign(model=code) for code in LM_MODELS]
    return pd.concat(frames, ignore_index=True)


def passage(span: int) -> str:
    """The held-out passage whose last character is predicted: `span` characters before it, and it."""
    book = load_book()
    held = book.text[book.split :]
    start = held.index("\n", PASSAGE_START) + 1
    return held[start : start + 1001][-(span + 1) :]


def own_default() -> str:
    """The surprise section's starting text: the passage's last verses, about 300 characters, from a verse's start."""
    text = passage(1000)
    return text[text.index("\n", len(text) - 320) + 1 :]


# --- 1. context ------------------------------------------------------------------------------------------


@functools.partial(memo, max_entries=8)
def context_section(style: Style) -> Section:
    table = context_table()
    labels = names()
    rows = []
    for code in LM_MODELS:
        part = table[table["model"] == code]
        for column, kind in (("bits_per_char", "truncated"), ("shuffled_bits_per_char", "shuffled")):
            rows.append(part.assign(bits=part[column], kind=t(f"text.kind_{kind}"), name=labels[code]))
    data = pd.concat(rows, ignore_index=True)[["model", "name", "kind", "context", "bits"]]
    color = alt.Color(
        "name:N",
        title=t("text.model_key"),
        scale=alt.Scale(domain=list(labels.values()), range=[MODEL_COLORS[c] for c in LM_MODELS]),
        legend=alt.Legend(titleLimit=900),
    )
    dash = alt.StrokeDash(
        "kind:N",
        title=t("text.kind"),
        scale=alt.Scale(domain=[t("text.kind_truncated"), t("text.kind_shuffled")], range=[SOLID, DASHED]),
        legend=None,  # the colour legend's title says which line is which (a dash legend drew no symbols)
    )
    chart = (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=style.line_width)
        .encode(
            x=alt.X("context:Q", title=t("text.axis_context"), scale=alt.Scale(type="log", base=2)),
            y=alt.Y("bits:Q", title=t("text.axis_bits"), scale=alt.Scale(zero=False)),
            color=color,
            strokeDash=dash,
            detail="kind:N",
            tooltip=["name:N", "kind:N", "context:Q", alt.Tooltip("bits:Q", format=".3f")],
        )
        .properties(height=style.chart_height, config=vega_config(style))
    )
    return Section(Figure.from_altair(chart), context_caption(table))


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
                effective=effective_context(curve),
                order=int(order["context"].min()),
            )
        )
    return t("text.context_caption", models=" ".join(parts))


# --- 2. gradients ----------------------------------------------------------------------------------------


@byte_cache(max_mb=4)
def gradients(span: int) -> dict[str, pd.DataFrame]:
    text = passage(span)
    with cached.heavy_work():
        out = {}
        for code in LM_MODELS:
            net = model(code)[0]
            window = net.config.context if code == "transformer" else span
            out[code] = gradient_profile(net, text[-(window + 1) :])
        return out


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
    return Section(figure, t("text.grad_caption", models=" ".join(notes)))


def gradient_table(span: int) -> pd.DataFrame:
    return pd.concat([f.assign(model=c) for c, f in gradients(span).items()], ignore_index=True)


# --- 3. surprise -----------------------------------------------------------------------------------------


@byte_cache(max_mb=4)
def surprises(text: str) -> pd.DataFrame:
    with cached.heavy_work():
        frames = [surprise(model(code)[0], text).assign(model=code) for code in LM_MODELS]
    return pd.concat(frames, ignore_index=True)


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
    return Section(figure, t("text.surprise_caption", models="; ".join(means), chars=len(first)))


# --- 4. samples ------------------------------------------------------------------------------------------


@byte_cache(max_mb=1)
def samples(prompt: str, length: int, temperature: float, seed: int) -> dict[str, str]:
    with cached.heavy_work():
        return {code: sample(model(code)[0], prompt, length, temperature, seed) for code in LM_MODELS}


def sample_ui() -> tuple[str, int, float, int]:
    prompt = st.text_input(
        t("text.prompt"), DEFAULTS["prompt"], max_chars=200, **bound("text_prompt", DEFAULTS["prompt"])
    )
    values = []
    for column, name in zip(row(3), ("length", "temperature", "seed"), strict=True):
        lo, hi, step = RANGES[name]
        values.append(
            column.slider(t(f"text.{name}"), lo, hi, DEFAULTS[name], step, **bound(f"text_{name}", DEFAULTS[name]))
        )
    return prompt, int(values[0]), float(values[1]), int(values[2])


def held_out_summary() -> str:
    parts = []
    for code in LM_MODELS:
        meta = model(code)[1]
        bits = f"{meta['held_out_bits_per_char']:.2f}"
        parts.append(t("text.model_bits", name=names()[code], bits=bits, steps=meta["steps"]))
    return t("text.trained", models="; ".join(parts))


def checkpoints_ready() -> bool:
    return all((LM_DIR / f"{c}.pt").exists() and (LM_DIR / f"context-{c}.csv").exists() for c in LM_MODELS)
