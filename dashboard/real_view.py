"""The "A real Transformer" page: all-MiniLM-L6-v2 (core/minilm.py) on a sentence or passage, its
attention in every layer and head, how far each head looks, the gradient against distance beside
the toy RNN's and LSTM's, and the text coloured by gradient and by attention rollout."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core.minilm import HEADS, LAYERS, MAX_TOKENS

from . import cached
from .charts.curves import curves_chart, curves_data
from .charts.style import DASHED, MODEL_COLORS, SOLID, Style, pow10_label
from .charts.tokens import LABELLED_TOKENS, MOSAIC_SIDE, head_map_chart, head_stats_chart, model_view_chart, token_chart
from .figure import memo
from .frame import presenter, row
from .i18n import chart_labels, coded_labels, t
from .lab import Chart, Section
from .url import bound, choice_ui

PASSAGES = cached.DATA / "passages"
SENTENCES = {  # English on purpose: the model's vocabulary is English (the page says so in Korean)
    "trophy": "The trophy would not fit in the brown suitcase because it was too big.",
    "animal": "The animal didn't cross the street because it was too tired.",
    "keys": "The keys to the old cabinet in the corner of my grandmother's house are on the table.",
}
TEXTS = (*SENTENCES, "genesis", "ruth", "own")
OWN_MAX_CHARS = 5000  # a typed text; the model reads at most 512 word pieces of it
RANGES = {"layer": (1, LAYERS, 1), "head": (1, HEADS, 1), "seed": (0, 9999, 1)}
DEFAULTS = {"text": "trophy", "layer": 5, "head": 4, "seed": 0}  # on the trophy sentence, "it" → "trophy"
STRONG = 0.3  # a head's caption names its farthest link of at least this weight
TOY = {"hidden_size": 64, "weight_scale": 0.9}  # the RNN lab's defaults: ρ = 0.9, H = 64, tanh, orthogonal
NEAR = (1, 7)  # the near band of distances (the research figure's)


def text_of(code: str, own: str = "") -> str:
    if code in SENTENCES:
        return SENTENCES[code]
    if code in ("genesis", "ruth"):
        return (PASSAGES / f"{code}.txt").read_text(encoding="utf-8").strip()
    return own


@dataclass(frozen=True)
class RealInputs:
    text: str
    seed: int = 0  # the readout's


@dataclass(frozen=True)
class HeadChoice:
    text: str
    layer: int = DEFAULTS["layer"]
    head: int = DEFAULTS["head"]


def inputs_ui() -> RealInputs:
    """The text (a prepared one or the visitor's own) and the readout's seed, bound to the URL; then what
    the model makes of the text: truncation, and a vocabulary that is not the text's."""
    c1, c2 = (st.container(), st.container()) if presenter() else row([4, 1])  # a narrow column: one under the other
    code = choice_ui(c1, t("real.text"), coded_labels("real_text", TEXTS), DEFAULTS["text"], "real_text")
    lo, hi, step = RANGES["seed"]
    seed = c2.slider(t("real.seed"), lo, hi, DEFAULTS["seed"], step, **bound("real_seed", 0), help=t("real.seed_help"))
    text = text_of(code)
    if code == "own":
        text = st.text_area(
            t("real.own"), "", max_chars=OWN_MAX_CHARS, **bound("real_own", ""), help=t("real.own_help")
        )
        if not text.strip():
            st.info(t("real.own_empty"))
            text = SENTENCES["trophy"]
    enc = analysis(text)["enc"]
    if enc.truncated:
        st.info(t("real.truncated", pieces=enc.pieces, chars=enc.chars, limit=MAX_TOKENS))
    foreign = enc.unknown_share + enc.fragment_share
    if foreign >= 0.1:
        st.warning(t("real.vocab", unk=f"{enc.unknown_share:.0%}", frag=f"{enc.fragment_share:.0%}"))
    return RealInputs(text, int(seed))


def load_ui() -> bool:
    """The model, loaded once per server with a spinner on first use; False (with a message) where the
    package is missing."""
    if cached.minilm_loaded():
        return True
    with st.spinner(t("real.loading")):
        if cached.load_minilm():
            return True
    st.error(t("real.missing"))
    return False


def analysis(text: str) -> dict:
    return cached.minilm_analysis(text, MOSAIC_SIDE)


def labels() -> dict:
    keys = ("axis_weight", "axis_key", "axis_query", "axis_key_token", "axis_query_token", "head", "layer")
    keys += ("axis_mean_distance", "axis_entropy", "axis_log_weight")
    return {key: t(f"real.{key}") for key in keys}


def head_ui(inputs: RealInputs) -> HeadChoice:
    """The layer and head that the head view enlarges."""
    c1, c2 = row(2)
    values = []
    for column, name in zip((c1, c2), ("layer", "head"), strict=True):
        lo, hi, step = RANGES[name]
        default = DEFAULTS[name]
        values.append(int(column.slider(t(f"real.{name}"), lo, hi, default, step, **bound(f"real_{name}", default))))
    return HeadChoice(inputs.text, values[0], values[1])


@functools.partial(memo, max_entries=32, max_mb=8)
def head_section(text: str, layer: int, head: int, style: Style) -> Section:
    a = analysis(text)
    enc, weights = a["enc"], cached.minilm_head(text, layer, head)
    figure = head_map_chart(weights, enc.tokens, labels(), style)
    stats = a["stats"]
    row_ = stats[(stats["layer"] == layer) & (stats["head"] == head)].iloc[0]
    n = len(enc.ids)
    text_ = t(
        "real.head_caption",
        layer=layer,
        head=head,
        distance=f"{row_.mean_distance:.1f}",
        entropy=f"{row_.entropy_bits:.2f}",
        uniform=f"{np.log2(n):.2f}",
    )
    if n > LABELLED_TOKENS:
        text_ += " " + t("real.head_log_note", tokens=LABELLED_TOKENS)
    link = farthest_link(weights)
    table = functools.partial(head_table, text, layer, head)
    if link is None:
        return Section(figure, text_ + " " + t("real.head_no_link", weight=STRONG), table)
    i, j = link
    words = {"asking": enc.tokens[i], "attended": enc.tokens[j], "weight": f"{weights[i, j]:.2f}", "gap": abs(i - j)}
    return Section(figure, text_ + " " + t("real.head_link", strong=STRONG, **words), table)


def farthest_link(weights: np.ndarray) -> tuple[int, int] | None:
    """(i, j): the farthest-apart query and key with weight ≥ STRONG, [CLS] and [SEP] (first and last) aside;
    of equally far ones the heaviest.  None where no such link exists."""
    n = len(weights)
    inner = np.asarray(weights)[1 : n - 1, 1 : n - 1]
    i, j = np.nonzero(inner >= STRONG)
    if not len(i):
        return None
    best = max(zip(i, j, strict=True), key=lambda ij: (abs(ij[0] - ij[1]), inner[ij]))
    return int(best[0]) + 1, int(best[1]) + 1


def head_table(text: str, layer: int, head: int) -> pd.DataFrame:
    enc, weights = analysis(text)["enc"], cached.minilm_head(text, layer, head)
    n = len(enc.ids)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    tokens = np.array(enc.tokens, dtype=object)
    return pd.DataFrame(
        {
            "query_position": i.ravel(),
            "key_position": j.ravel(),
            "query_token": tokens[i.ravel()],
            "key_token": tokens[j.ravel()],
            "weight": weights.ravel(),
        }
    )


@functools.partial(memo, max_entries=32, max_mb=8)
def model_section(text: str, layer: int, head: int, style: Style) -> Section:
    pooled = analysis(text)["pooled"]
    n = pooled.shape[-1]
    figure = model_view_chart(pooled, (layer, head), labels(), style)
    return Section(figure, t("real.model_caption", side=n), functools.partial(model_table, text))


def model_table(text: str) -> pd.DataFrame:
    """The model view's CSV: every head's pooled cells (a cell is a block of word pieces when the text is long)."""
    pooled = analysis(text)["pooled"]
    index = np.indices(pooled.shape).reshape(4, -1)
    return pd.DataFrame(
        {
            "layer": index[0] + 1,
            "head": index[1] + 1,
            "query_cell": index[2],
            "key_cell": index[3],
            "weight": pooled.ravel(),
        }
    )


@functools.partial(memo, max_entries=32)
def reach_section(text: str, style: Style) -> Section:
    a = analysis(text)
    stats, n = a["stats"], len(a["enc"].ids)
    by_layer = stats.groupby("layer")["mean_distance"].mean()
    far = stats.loc[stats["mean_distance"].idxmax()]
    near = stats.loc[stats["mean_distance"].idxmin()]
    uniform = float(np.mean([np.abs(i - np.arange(n)).mean() for i in range(n)]))
    caption = t(
        "real.reach_caption",
        first=f"{by_layer.iloc[0]:.1f}",
        last=f"{by_layer.iloc[-1]:.1f}",
        far_layer=int(far.layer),
        far_head=int(far["head"]),
        far=f"{far.mean_distance:.1f}",
        near_layer=int(near.layer),
        near_head=int(near["head"]),
        near=f"{near.mean_distance:.1f}",
        uniform=f"{uniform:.1f}",
        n=n,
    )
    return Section(head_stats_chart(stats, (0, 0), labels(), style), caption, lambda: stats)


def toy_probes(length: int) -> dict[str, pd.DataFrame]:
    """The toy RNN's and LSTM's probes (random inputs, the RNN lab's defaults) at the same length."""
    if length < 2:
        return {}
    return {
        t("real.series_rnn"): cached.probe("rnn", length, **TOY),
        t("real.series_lstm"): cached.probe("lstm", length, **TOY),
    }


def gradient_curves(text: str, seed: int) -> dict[str, pd.DataFrame]:
    real = cached.minilm_profile(text, seed)
    real = real[real["distance"] >= 0]  # [SEP], after the readout, is in the CSV only
    curves = {t("real.series_minilm"): real}
    return curves | toy_probes(int(real["distance"].max()) + 1)


@functools.partial(memo, max_entries=32)
def gradient_section(text: str, seed: int, style: Style) -> Section:
    probes = gradient_curves(text, seed)
    names = list(probes)
    colors = (MODEL_COLORS["transformer"], MODEL_COLORS["rnn"], MODEL_COLORS["lstm"])[: len(names)]
    dashes = (SOLID, DASHED, DASHED)[: len(names)]
    styles = {name: (color, dash) for name, color, dash in zip(names, colors, dashes, strict=True)}
    curves = {name: (f["distance"].to_numpy(), f["log10_grad_norm"].to_numpy()) for name, f in probes.items()}
    text_labels = chart_labels()
    figure = curves_chart(curves_data(curves, text_labels), text_labels, styles, names[:1], style)
    return Section(figure, gradient_caption(probes), functools.partial(gradient_table, text, seed))


def gradient_caption(probes: dict[str, pd.DataFrame]) -> str:
    """The mean log10 gradient near (distances 1–7) and far (the farther half), for each curve."""
    real = next(iter(probes.values()))
    far_edge = int(real["distance"].max())
    if far_edge < 2 * NEAR[1] + 2:
        top = real.loc[real["log10_grad_norm"].idxmax()]
        return t("real.grad_short", token=top.token, value=pow10_label(float(top.log10_grad_norm)))
    far = (far_edge // 2, far_edge)
    falls = {}
    for name, frame in probes.items():
        near_mean, far_mean = cached.band_mean(frame, *NEAR), cached.band_mean(frame, *far)
        falls[name] = (near_mean, far_mean)
    (real_near, real_far), rest = falls[next(iter(falls))], list(falls.items())[1:]
    text = t(
        "real.grad_caption",
        near=f"{real_near:.2f}",
        far=f"{real_far:.2f}",
        lo=far[0],
        hi=far[1],
        fall=f"{10 ** (real_near - real_far):.3g}",
    )
    others = [t("real.grad_toy", name=name, fall=pow10_label(f - n)) for name, (n, f) in rest]
    return text + (" " + t("real.grad_toys", toys="; ".join(others)) if others else "") + " " + t("real.grad_hop")


def gradient_table(text: str, seed: int) -> pd.DataFrame:
    real = cached.minilm_profile(text, seed).assign(model="minilm")
    toys = toy_probes(int(real["distance"].max()) + 1)
    frames = [real] + [f.assign(model=code) for code, f in zip(("rnn", "lstm"), toys.values(), strict=False)]
    return pd.concat(frames, ignore_index=True)


def saliency(text: str, seed: int) -> pd.DataFrame:
    """Each word piece's gradient norm and rollout weight (from the readout), each also as a share of its maximum."""
    a, grad = analysis(text), cached.minilm_profile(text, seed)
    norms, roll = grad["grad_norm"].to_numpy(), np.asarray(a["rollout"])
    return pd.DataFrame(
        {
            "position": grad["position"],
            "token": grad["token"],
            "grad_norm": norms,
            "rollout": roll,
            "grad_share": norms / norms.max(),
            "rollout_share": roll / roll.max(),
        }
    )


def _ranks(values: np.ndarray) -> np.ndarray:
    return pd.Series(values).rank().to_numpy()


@functools.partial(memo, max_entries=32)
def saliency_section(text: str, seed: int, style: Style) -> Section:
    table = saliency(text, seed)
    scores = pd.DataFrame(
        {
            "token": table["token"],
            t("real.series_grad"): table["grad_share"],
            t("real.series_rollout"): table["rollout_share"],
        }
    )
    figure = token_chart(scores, style)
    inner = table.iloc[1:-1] if len(table) > 2 else table
    rho = float(np.corrcoef(_ranks(inner["grad_norm"].to_numpy()), _ranks(inner["rollout"].to_numpy()))[0, 1])

    def top(column: str) -> str:
        return ", ".join(f"“{tok}”" for tok in inner.nlargest(3, column)["token"])

    caption = t(
        "real.saliency_caption",
        rho=f"{rho:.2f}" if np.isfinite(rho) else "—",
        grad=top("grad_norm"),
        rollout=top("rollout"),
        readout=table["token"].iloc[-2] if len(table) >= 2 else "",
    )
    return Section(figure, caption, functools.partial(saliency, text, seed))


HEADS_VIEW = [
    Chart("head-view", lambda c, style: head_section(c.text, c.layer, c.head, style), title="real.heads_title"),
    Chart("model-view", lambda c, style: model_section(c.text, c.layer, c.head, style), title="real.model_title"),
]
TEXT_VIEW = [  # the text and the readout's seed only: no slider of the head view changes them
    Chart("head-reach", lambda v, style: reach_section(v.text, style), title="real.reach_title"),
    Chart("real-gradient", lambda v, style: gradient_section(v.text, v.seed, style), title="real.grad_title"),
    Chart(
        "saliency",
        lambda v, style: saliency_section(v.text, v.seed, style),
        title="real.saliency_title",
        width="content",
    ),
]
