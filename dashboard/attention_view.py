"""The Attention page: the gradient against distance beside the RNN's, every head's attention, how word
order is lost without positional encoding and put back with it, a trained model beside an untrained one,
and the encoding itself."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core.attention import MAX_CHARS, MAX_TOKENS
from core.models.transformer import TransformerConfig

from . import cached
from .charts.curves import as_curves, curves_chart, curves_data, curves_table, head_labels, trained_untrained_chart
from .charts.images import attention_images, attention_maps, positional_chart
from .charts.style import DASHED, MODEL_COLORS, SOLID, Style, pow10_label
from .figure import Figure, memo
from .frame import row
from .i18n import chart_labels, coded_labels, t
from .lab import Chart, Section
from .url import bound, choice_ui, remember

HEATMAP_BINS = 48  # cells per side: a 2000-token map stays a few thousand rectangles per head


@dataclass(frozen=True)
class AttentionInputs:
    """The words and the model's width: a change reruns the page (and changes every chart)."""

    size: int = 64  # d_model
    heads: int = 4
    tokens: tuple = ()
    mode: str = "sentence"  # sentence | random


@dataclass(frozen=True)
class AttentionControls:
    config: TransformerConfig
    tokens: tuple  # cut to the work cap
    mode: str
    layer: int  # the layer the maps show


def inputs_ui() -> AttentionInputs:
    """The words (a sentence, or random vectors of a length) and the model's width."""
    i1, i2, i3, i4, i5 = row([5, 2, 2, 2, 2])
    mode = choice_ui(i2, t("att.mode"), coded_labels("mode", ("sentence", "random")), "sentence", "att_mode")
    if mode == "sentence":
        default = t("att.default_text")  # a sentence in the visitor's language
        text = i1.text_input(t("att.text"), default, **bound("att_text", default), help=t("att.text_help"))
        level = choice_ui(i3, t("att.level"), coded_labels("level", ("word", "char")), "word", "att_level")
        for note in cut_notes(text, level):  # a long text is cut, and the page says where
            st.info(note)
        tokens = cached.tokenize(text, level)
        if len(tokens) < 2:  # one word has no distance to measure
            st.info(t("att.too_short"))
            tokens = cached.tokenize(default, level)
    else:
        length = i1.slider(t("att.seq_len"), 2, 2000, 256, **bound("att_seq_len", 256))
        tokens = [str(k % 50) for k in range(length)]  # stand-ins; the vectors are random per position
    size = i4.selectbox(t("att.d_model"), (16, 32, 64, 128), 2, **bound("att_d", 64))
    heads = i5.selectbox(t("att.heads"), (1, 2, 4, 8), 2, **bound("att_heads", 4))
    return AttentionInputs(int(size), int(heads), tuple(tokens), mode)


def cut_notes(text: str, level: str) -> list[str]:
    """What the page says when a typed text is longer than it uses (no text of the visitor's is shown)."""
    notes = []
    if len(text) > MAX_CHARS:
        notes.append(t("att.cut_chars", length=len(text), limit=MAX_CHARS))
    count = len(cached.split_tokens(text[:MAX_CHARS], level))
    if count > MAX_TOKENS:
        notes.append(t("att.cut_tokens", count=count, limit=MAX_TOKENS))
    return notes


def architecture_ui(inputs: AttentionInputs) -> AttentionControls:
    """Depth, window, positional encoding and the layer the maps show: the lab's controls."""
    c1, c2, c3, c4 = row([2, 3, 3, 2])
    layers = c1.slider(t("att.layers"), 1, 4, 2, **bound("att_layers", 2))
    window = c2.slider(t("att.window"), 0, 64, 0, **bound("att_window", 0), help=t("att.window_help"))
    positional = c3.toggle(t("att.positional"), True, **bound("att_pe", True), help=t("att.pe_help"))
    config = TransformerConfig(inputs.size, inputs.heads, int(layers), bool(positional), int(window))
    shown = c4.segmented_control(t("att.layer"), range(1, config.layers + 1), default=1, key=remember("att_layer", 1))
    layer = min(shown or 1, config.layers)
    tokens, cap = inputs.tokens, cached.max_positions(config.heads, config.layers)
    if len(tokens) > cap:  # the work one link can start is bounded: T²·heads·layers
        st.warning(t("att.capped", T=len(tokens), cap=cap, heads=config.heads, layers=config.layers))
        tokens = tokens[:cap]
    return AttentionControls(config, tuple(tokens), inputs.mode, layer)


def gradient_curves(config: TransformerConfig, T: int) -> dict:
    """The Transformer's probe and the RNN's at the same T and width, as named curves."""
    cfg = config
    tr = cached.probe(
        "transformer",
        T,
        hidden_size=cfg.hidden_size,
        heads=cfg.heads,
        layers=cfg.layers,
        positional=cfg.positional,
        window=cfg.window,
    )
    rnn = cached.probe("rnn", T, hidden_size=cfg.hidden_size, weight_scale=0.9)
    return {t("att.series_transformer"): tr, t("rem.series_rnn"): rnn}


def _gradient_table(config: TransformerConfig, T: int) -> pd.DataFrame:
    """Every point of both curves (the CSV)."""
    return curves_table(gradient_curves(config, T), chart_labels())


@functools.partial(memo, max_entries=64)
def _gradient(config: TransformerConfig, T: int, style: Style) -> Section:
    """The gradient chart and its caption (built once per setting and language, shared)."""
    cfg, text = config, chart_labels()
    probes = gradient_curves(config, T)
    (tr_name, tr), (rnn_name, rnn) = probes.items()
    styles = {tr_name: (MODEL_COLORS["transformer"], SOLID), rnn_name: (MODEL_COLORS["rnn"], DASHED)}
    figure = curves_chart(curves_data(as_curves(probes), text), text, styles, [tr_name, rnn_name], style)
    caption = gradient_caption(cfg, T, tr, rnn)
    return Section(figure, caption, functools.partial(_gradient_table, config, T))


def gradient_caption(cfg: TransformerConfig, T: int, tr: pd.DataFrame, rnn: pd.DataFrame) -> str:
    """What the Transformer's curve shows at this setting: dilution over all T words without a window,
    the reach and the multi-hop fall inside it with one."""
    zero = t("common.zero")
    logs = tr.sort_values("distance")["log10_grad_norm"].to_numpy()  # index = distance
    far, rnn_far = pow10_label(logs[-1], zero), pow10_label(rnn["log10_grad_norm"].iloc[0], zero)
    if not cfg.window:
        median = float(np.median(logs[1:]))
        flat = abs(logs[-1] - median) <= 1.0
        text = t(
            "att.grad_caption",
            T=T,
            last=pow10_label(logs[0], zero),
            median=pow10_label(median, zero),
            inv_t=pow10_label(-math.log10(T), zero),
        )
        return text + " " + t("att.grad_flat" if flat else "att.grad_not_flat", far=far, rnn=rnn_far)
    reach = cfg.layers * (cfg.window - 1)
    text = t("att.grad_caption_window", k=cfg.window, layers=cfg.layers, reach=reach)
    edge = min(reach, T - 1)
    if edge >= 2:
        falls = logs[edge] < logs[1] - 1.0
        text += " " + t(
            "att.window_falls" if falls else "att.window_flat",
            near=pow10_label(logs[1], zero),
            edge=pow10_label(logs[edge], zero),
            distance=edge,
        )
    return text + " " + t("att.grad_far", T=T, far=far, rnn=rnn_far)


def gradient_section(c: AttentionControls, style: Style) -> Section:
    return _gradient(c.config, len(c.tokens), style)


def _layer_cells(config: TransformerConfig, tokens: tuple, mode: str, layer: int) -> pd.DataFrame:
    """One layer's pooled cells, every head."""
    frame = cached.attention_maps(config, tokens, mode, HEATMAP_BINS)
    return frame[frame["layer"] == layer].reset_index(drop=True)


def _maps_table(config: TransformerConfig, tokens: tuple, mode: str, layer: int) -> pd.DataFrame:
    """The maps' CSV: one layer's cells, with the words of a sentence short enough for a cell a word."""
    frame = _layer_cells(config, tokens, mode, layer)
    if mode == "sentence" and len(tokens) <= HEATMAP_BINS:
        words = {"query_token": [tokens[i] for i in frame["query"]], "key_token": [tokens[i] for i in frame["key"]]}
        return frame.assign(**words)
    return frame


@functools.partial(memo, max_entries=16)  # under 0.1 MB each (T = 2000, 8 heads: 0.09 MB)
def _maps_figure(config: TransformerConfig, tokens: tuple, mode: str, layer: int, style: Style) -> Figure:
    """One layer's attention maps, a panel a head, each one image (built once per setting and language)."""
    labels = {key: t(f"att.{key}") for key in ("axis_key", "axis_query", "axis_weight", "head")}
    return attention_maps(attention_images(_layer_cells(config, tokens, mode, layer)), labels, style)


def maps_section(c: AttentionControls, style: Style) -> Section:
    """One layer's maps; the CSV holds every cell's weight."""
    figure = _maps_figure(c.config, c.tokens, c.mode, c.layer, style)
    table = functools.partial(_maps_table, c.config, c.tokens, c.mode, c.layer)
    return Section(figure, table=table)


def maps_caption(tokens: tuple, mode: str) -> str:
    """How to read the maps (with the words' numbers, for a short sentence)."""
    notes = [t("att.maps_caption", T=len(tokens), bins=HEATMAP_BINS)]
    if mode == "sentence" and len(tokens) <= 40:
        notes.insert(0, " · ".join(f"{i}: {tok}" for i, tok in enumerate(tokens)))
    return "\n\n".join(notes)


def _order_length(tokens) -> int:
    return min(max(len(tokens), 4), 256)


@memo
def _trained_figure(style: Style) -> Figure:
    """The checkpoint's readout attention beside an untrained model's (fixed: built once per language)."""
    frame = cached.trained_and_untrained()
    frame = frame.assign(line=head_labels(frame), model=frame["model"].map(lambda code: t(f"att.{code}")))
    labels = {
        "axis_position": t("train.axis_position"),
        "axis_weight": t("train.axis_weight"),
        "trained": t("att.trained"),
        "untrained": t("att.untrained"),
    }
    return Figure.from_altair(trained_untrained_chart(frame, labels, style))


def trained_section(_inputs, style: Style) -> Section:
    return Section(_trained_figure(style), t("att.trained_caption"))


def _positional_table(T: int, size: int) -> pd.DataFrame:
    parts = zip(("encoding", "similarity"), cached.positional_frames(T, size, 64), strict=True)
    return pd.concat([frame.assign(part=part) for part, frame in parts])


@memo
def _positional_figure(T: int, size: int, style: Style) -> Figure:
    """The encoding and its position-by-position similarity (depends on T and d only)."""
    pe, sim = cached.positional_frames(T, size, 64)
    labels = {key: t(f"att.{key}") for key in ("axis_dimension", "axis_position", "similarity")}
    return Figure.from_altair(positional_chart(pe, sim, size, labels, style))


def positional_section(inputs: AttentionInputs, style: Style) -> Section:
    """It depends on the length (at least 8) and the width only."""
    T, size = max(len(inputs.tokens), 8), inputs.size
    table = functools.partial(_positional_table, T, size)
    return Section(_positional_figure(T, size, style), t("att.pe_caption", T=T), table)


def order_section(c: AttentionControls, _style: Style) -> Section:
    """Order blindness in three numbers: the pooled output's change when the words are shuffled, without
    and with the encoding, and the attention map's."""
    T = _order_length(c.tokens)
    numbers = cached.order_blindness(c.config, T)
    metrics = (
        (t("att.metric_pooled_off"), f"{numbers['pooled_delta_without_pe']:.1e}"),
        (t("att.metric_map_off"), f"{numbers['map_delta']:.1e}"),
        (t("att.metric_pooled_on"), f"{numbers['pooled_delta_with_pe']:.2g}"),
    )
    return Section(None, order_caption(numbers, c.config, T), metrics=metrics)


def order_caption(numbers: dict, config: TransformerConfig, T: int) -> str:
    """Order blindness as measured: lost to round-off, or leaked by the window's position-dependent mask."""
    pe = f"{numbers['pooled_delta_with_pe']:.2g}"
    if cached.order_is_lost(numbers):
        return t("att.order_lost", T=T, pe=pe)
    return t(
        "att.order_leaks",
        T=T,
        k=config.window,
        pooled=f"{numbers['pooled_delta_without_pe']:.2g}",
        map=f"{numbers['map_delta']:.2g}",
        pe=pe,
    )


LAB = [
    Chart("attention-gradient", gradient_section, title="att.grad_title"),
    Chart(
        "attention-maps",
        maps_section,
        title="att.maps_title",
        width="content",
        note=lambda inputs: maps_caption(inputs.tokens, inputs.mode),  # the page's words: a slider does not change it
    ),
    Chart("order", order_section, title="att.order_title", numbers=3),
]
FIXED = [  # no control of the lab changes them
    Chart("trained-vs-untrained", trained_section, title="att.trained_title", width="content"),
    Chart("positional-encoding", positional_section, title="att.pe_title", width="content"),
]
