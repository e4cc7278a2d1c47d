"""The Attention page's sections: controls, the gradient against distance, attention heatmaps,
the trained model beside an untrained one, the positional encoding, and order blindness."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st
import torch

from core import attention
from core.models.transformer import Transformer, TransformerConfig
from core.tasks import TaskSpec, make_batch

from . import cached, charts
from .bytecache import byte_cache
from .charts import DASHED, MODEL_COLORS, SOLID, Style, pow10_label, vega_config
from .controls import choice_ui, coded_labels
from .defaults import bound, remember
from .figure import Figure, Section, memo
from .frame import row
from .i18n import chart_labels, t
from .slots import ChartSlot, chart_ui

CHECKPOINT = Path(__file__).resolve().parent.parent / "data" / "checkpoints" / "recall-transformer-T64.pt"
HEATMAP_BINS = 48  # cells per side: a 2000-token map stays a few thousand rectangles per head


def inputs_ui() -> dict:
    """The words and the model's width: drawn by the full run (a change reruns the page, and
    changes every section)."""
    i1, i2, i3, i4, i5 = st.columns([5, 2, 2, 2, 2])
    modes = coded_labels("mode", ("sentence", "random"))
    mode = choice_ui(i2, t("att.mode"), modes, "sentence", "att_mode", t("att.mode_help"))
    if mode == "sentence":
        default = t("att.default_text")  # a sentence in the visitor's language
        text = i1.text_input(t("att.text"), default, **bound("att_text", default), help=t("att.text_help"))
        level = choice_ui(i3, t("att.level"), coded_labels("level", ("word", "char")), "word", "att_level")
        for note in cut_notes(text, level):  # a long text is cut, and the page says where
            st.info(note)
        tokens = attention.tokenize(text, level)
        if len(tokens) < 2:  # one word has no distance to measure
            st.info(t("att.too_short"))
            tokens = attention.tokenize(default, level)
    else:
        length = i1.slider(t("att.seq_len"), 2, 2000, 256, **bound("att_seq_len", 256))
        tokens = [str(k % 50) for k in range(length)]  # stand-ins; the vectors below are random per position
    size = i4.selectbox(t("att.d_model"), (16, 32, 64, 128), 2, **bound("att_d", 64))
    heads = i5.selectbox(t("att.heads"), (1, 2, 4, 8), 2, **bound("att_heads", 4))
    return {"size": int(size), "heads": int(heads), "tokens": tokens, "mode": mode}


def cut_notes(text: str, level: str) -> list[str]:
    """What the page says when a typed text is longer than it uses (no text of the visitor's is shown)."""
    notes = []
    if len(text) > attention.MAX_CHARS:
        notes.append(t("att.cut_chars", length=len(text), limit=attention.MAX_CHARS))
    count = len(attention.split_tokens(text[: attention.MAX_CHARS], level))
    if count > attention.MAX_TOKENS:
        notes.append(t("att.cut_tokens", count=count, limit=attention.MAX_TOKENS))
    return notes


def architecture_ui(inputs: dict) -> dict:
    """Depth, window, positional encoding and the layer the maps show: the lab's controls (a move
    reruns the lab only).  Returns every control's value: config, tokens, mode, layer."""
    c1, c2, c3, c4 = row([2, 3, 3, 2])
    layers = c1.slider(t("att.layers"), 1, 4, 2, **bound("att_layers", 2))
    window = c2.slider(t("att.window"), 0, 64, 0, **bound("att_window", 0), help=t("att.window_help"))
    positional = c3.toggle(t("att.positional"), True, **bound("att_pe", True), help=t("att.pe_help"))
    config = TransformerConfig(inputs["size"], inputs["heads"], int(layers), bool(positional), int(window))
    shown = c4.segmented_control(t("att.layer"), range(1, config.layers + 1), default=1, key=remember("att_layer", 1))
    layer = min(shown or 1, config.layers)
    tokens, cap = inputs["tokens"], attention.max_positions(config.heads, config.layers)
    if len(tokens) > cap:  # the work one link can start is bounded: T²·heads·layers
        st.warning(t("att.capped", T=len(tokens), cap=cap, heads=config.heads, layers=config.layers))
        tokens = tokens[:cap]
    return {"config": config, "tokens": tokens, "mode": inputs["mode"], "layer": layer}


@byte_cache(max_mb=8)  # up to 48²·8·4 cells a setting: about 3 MB
def _maps(config: TransformerConfig, tokens: tuple, mode: str, seed: int = 0) -> pd.DataFrame:
    with cached.heavy_work():  # every head's T × T weights: one such computation at a time on a server
        return _compute_maps(config, tokens, mode, seed)


def _compute_maps(config: TransformerConfig, tokens: tuple, mode: str, seed: int) -> pd.DataFrame:
    x = (
        attention.embed_tokens(list(tokens), config.hidden_size, seed)
        if mode == "sentence"
        else torch.randn(len(tokens), config.hidden_size, generator=torch.Generator().manual_seed(seed))
    )
    return attention.attention_frame(Transformer(config).attention_maps(x[None]), HEATMAP_BINS)


@byte_cache(max_mb=2, ttl=None)
def _trained_and_untrained() -> pd.DataFrame:
    from core.checkpoint import load

    model, cfg, _ = load(CHECKPOINT)
    tokens, _ = make_batch(TaskSpec("recall", cfg.seq_len, cfg.vocab), 64, torch.Generator().manual_seed(0))
    fresh = type(model)(model.config, cfg.vocab, cfg.vocab).eval()
    frames = []
    for code, net in (("trained", model), ("untrained", fresh)):
        frames.append(attention.readout_attention(net.body, net.embed(tokens).detach()).assign(model=code))
    return pd.concat(frames, ignore_index=True)  # model: a code; att.<code> is its label in each language


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


@functools.partial(memo, max_entries=64)
def _gradient(config: TransformerConfig, T: int, style: Style) -> Section:
    """The gradient chart and its caption (built once per setting and language, shared)."""
    cfg, text = config, chart_labels()
    probes = gradient_curves(config, T)
    (tr_name, tr), (rnn_name, rnn) = probes.items()
    styles = {tr_name: (MODEL_COLORS["transformer"], SOLID), rnn_name: (MODEL_COLORS["rnn"], DASHED)}
    figure = charts.curves_chart(
        charts.curves_data(charts.as_curves(probes), text), text, styles, [tr_name, rnn_name], style
    )
    caption = gradient_caption(cfg, T, tr, rnn)
    return Section(figure, caption)


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


def gradient_section(c: dict, p: AttentionPlaces, style: Style) -> None:
    config, T = c["config"], len(c["tokens"])
    section = _gradient(config, T, style)

    def csv():  # every point of both curves, built only when the download is clicked
        return charts.curves_table(gradient_curves(config, T), chart_labels())

    p.gradient.draw(section.figure, csv, section.caption)


def _layer_cells(config: TransformerConfig, tokens: tuple, mode: str, layer: int) -> pd.DataFrame:
    """One layer's pooled cells, every head."""
    frame = _maps(config, tokens, mode)
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
    return charts.attention_maps(charts.attention_images(_layer_cells(config, tokens, mode, layer)), labels, style)


def heatmap_section(c: dict, p: AttentionPlaces, style: Style) -> None:
    config, tokens, mode, layer = c["config"], tuple(c["tokens"]), c["mode"], c["layer"]
    figure = _maps_figure(config, tokens, mode, layer, style)
    p.maps.draw(figure, lambda: _maps_table(config, tokens, mode, layer))  # the CSV: every cell's weight


def maps_caption(inputs: dict) -> str:
    """How to read the maps (with the words' numbers, for a short sentence): no slider changes it."""
    tokens = inputs["tokens"]
    notes = [t("att.maps_caption", T=len(tokens), bins=HEATMAP_BINS)]
    if inputs["mode"] == "sentence" and len(tokens) <= 40:
        notes.insert(0, " · ".join(f"{i}: {tok}" for i, tok in enumerate(tokens)))
    return "\n\n".join(notes)


def _order_length(tokens) -> int:
    return min(max(len(tokens), 4), 256)


@memo
def _trained_figure(style: Style) -> alt.FacetChart:
    """The checkpoint's readout attention beside an untrained model's (fixed: built once per language)."""
    frame = _trained_and_untrained()
    frame = frame.assign(line=charts.head_labels(frame), model=frame["model"].map(lambda code: t(f"att.{code}")))
    chart = (
        charts.readout_attention_chart(frame, t("train.axis_position"), t("train.axis_weight"), style)
        .properties(width=380, height=240)
        .facet(column=alt.Column("model:N", title=None, sort=[t("att.trained"), t("att.untrained")]))
    )
    return chart.configure(**vega_config(style).to_dict())


@memo
def _positional_figure(T: int, size: int, style: Style) -> alt.HConcatChart:
    """The encoding and its position-by-position similarity (depends on T and d only)."""
    pe, sim = attention.positional_frames(T, size, 64)
    left = (
        alt.Chart(pe)
        .mark_rect()
        .encode(
            x=alt.X("dimension:O", title=t("att.axis_dimension"), axis=alt.Axis(labels=size <= 32)),
            y=alt.Y("position:Q", title=t("att.axis_position"), scale=alt.Scale(reverse=True, nice=False)),
            y2=alt.Y2("position_end"),
            color=alt.Color("value:Q", scale=alt.Scale(scheme="redblue", domain=[-1, 1]), title="PE"),
        )
        .properties(width=300, height=300)
    )
    right = (
        alt.Chart(sim)
        .mark_rect()
        .encode(
            x=alt.X("i:Q", title=t("att.axis_position"), scale=alt.Scale(nice=False)),
            x2=alt.X2("i_end"),
            y=alt.Y("j:Q", title=t("att.axis_position"), scale=alt.Scale(nice=False, reverse=True)),
            y2=alt.Y2("j_end"),
            color=alt.Color("similarity:Q", scale=alt.Scale(scheme="viridis"), title=t("att.similarity")),
        )
        .properties(width=300, height=300)
    )
    return alt.hconcat(left, right).resolve_scale(color="independent").configure(**vega_config(style).to_dict())


@dataclass(frozen=True)
class AttentionPlaces:
    """The page's frame (see dashboard/slots.py): what the controls change, in places; the text
    around them stays."""

    gradient: ChartSlot
    maps: ChartSlot
    positional: ChartSlot
    order_metrics: tuple  # three st.empty
    order_caption: object  # st.empty: the caption follows the numbers (a window leaks order)


def places_ui(inputs: dict, style: Style) -> AttentionPlaces:
    """The page under the controls, drawn once: headings, download rows, the captions no slider
    changes, places, and the trained-vs-untrained section (no control changes it)."""
    st.subheader(t("att.grad_title"))
    gradient = ChartSlot("attention-gradient", title=t("att.grad_title"))
    st.subheader(t("att.maps_title"))
    maps = ChartSlot("attention-maps", width="content", caption=maps_caption(inputs), title=t("att.maps_title"))
    st.subheader(t("att.trained_title"))
    chart_ui(_trained_figure(style), "trained-vs-untrained", width="content", title=t("att.trained_title"))
    st.caption(t("att.trained_caption"))
    st.subheader(t("att.pe_title"))
    positional = ChartSlot("positional-encoding", width="content", title=t("att.pe_title"))
    st.subheader(t("att.order_title"))
    metrics = tuple(column.empty() for column in st.columns(3))
    return AttentionPlaces(gradient, maps, positional, metrics, st.empty())


def positional_section(inputs: dict, p: AttentionPlaces, style: Style) -> None:
    """Drawn by the full run: it depends on the length (at least 8) and the width only."""
    T, size = max(len(inputs["tokens"]), 8), inputs["size"]

    def table() -> pd.DataFrame:
        parts = zip(("encoding", "similarity"), attention.positional_frames(T, size, 64), strict=True)
        return pd.concat([frame.assign(part=part) for part, frame in parts])

    p.positional.draw(_positional_figure(T, size, style), table, t("att.pe_caption", T=T))


def order_section(c: dict, p: AttentionPlaces) -> None:
    numbers = cached.order_blindness(c["config"], _order_length(c["tokens"]))
    shown = (
        ("att.metric_pooled_off", f"{numbers['pooled_delta_without_pe']:.1e}"),
        ("att.metric_map_off", f"{numbers['map_delta']:.1e}"),
        ("att.metric_pooled_on", f"{numbers['pooled_delta_with_pe']:.2g}"),
    )
    for place, (key, value) in zip(p.order_metrics, shown, strict=True):
        place.metric(t(key), value)
    p.order_caption.caption(order_caption(numbers, c["config"], _order_length(c["tokens"])))


def order_caption(numbers: dict, config: TransformerConfig, T: int) -> str:
    """Order blindness as measured: lost to round-off, or leaked by the window's position-dependent mask."""
    pe = f"{numbers['pooled_delta_with_pe']:.2g}"
    if attention.order_is_lost(numbers):
        return t("att.order_lost", T=T, pe=pe)
    return t(
        "att.order_leaks",
        T=T,
        k=config.window,
        pooled=f"{numbers['pooled_delta_without_pe']:.2g}",
        map=f"{numbers['map_delta']:.2g}",
        pe=pe,
    )
