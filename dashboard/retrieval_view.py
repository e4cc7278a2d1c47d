"""The Retrieval page: a passage shown twice, and who predicts the second copy (core/retrieval.py).

1. the shipped measurement: each model's copying gain against the distance between the copies, past the
   window the models were trained on (python -m core retrieval, data/lm/retrieval-*.csv);
2. the visitor's own passage: both copies coloured by each model's loss, and the Transformer head that copies;
3. the position scheme: the same Transformer with learned absolute positions, and copying during training."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from core.lm import LM_MODELS
from core.retrieval import LENGTH, PASSAGES

from . import cached
from .charts.retrieval import copy_map_chart, gain_chart, head_scores_chart, progress_chart
from .charts.style import DASHED, DOTTED, MODEL_COLORS, SOLID, Style
from .charts.tokens import token_chart
from .figure import memo
from .i18n import t
from .lab import Chart, Section
from .url import bound

COPIES = 0.5  # bits/char: a median gain of at least this counts as copying at that distance
NEAR = (64, 128, 192)  # the distances the target names: the gain within the training window
FAR = (512, 1000, 2000)  # distances past the window that the caption quotes
LEARNED = "transformer-learned"
ALIBI = "transformer-alibi"  # the shipped recipe without smeared keys: the Transformer shipped before
LEARNED_SMEAR = "transformer-learned-smear"  # learned positions with smeared keys (a run)
FOUR_LAYERS = "transformer-4-layer"  # the shipped recipe at 4 layers (a run stopped at step 1,500)
RUN_ORDER = (  # the scheme caption's runs, each where its JSON is present
    "transformer",
    ALIBI,
    LEARNED,
    LEARNED_SMEAR,
    "transformer-rope",
    FOUR_LAYERS,
    "transformer-repeat-0.25",
    "transformer-repeat-0",
    "lstm",
    "gru",
)
RUN_STYLE = {  # a training run on the progress chart: (colour, dash)
    "transformer": (MODEL_COLORS["transformer"], SOLID),
    ALIBI: (MODEL_COLORS["transformer"], DASHED),
    LEARNED: ("#6b7280", DASHED),
    LEARNED_SMEAR: ("#6b7280", DOTTED),
    FOUR_LAYERS: ("#0e7490", DASHED),
    "transformer-rope": ("#db2777", DASHED),
    "transformer-repeat-0.25": (MODEL_COLORS["transformer"], DOTTED),
    "transformer-repeat-0": ("#a78bfa", DOTTED),
    "lstm": (MODEL_COLORS["lstm"], SOLID),
    "gru": (MODEL_COLORS["gru"], SOLID),
}
DEMO_MAX_CHARS = 512  # the passage the models read; longer input is cut, with a notice
INPUT_MAX_CHARS = 5000  # what the box takes
MAX_TOTAL = 1536  # passage + gap + passage, characters: the demo's cap on the work one visitor starts
GAP = (0, 1000, 8)  # the gap slider: min, max, step
DEFAULT_GAP = 128
DEFAULT_TEXT = (
    "And we know that all things work together for good to them that love God, "
    "to them who are the called according to his purpose."
)  # Romans 8:28: held out, so no model was trained on it
GAP_START = 30_000  # the gap's text: the held-out text from the first verse after this character


def _layers(code: str) -> int:
    """A run's depth, from its JSON."""
    return int(runs().get(code, {}).get("config", {}).get("layers", 2))


def names() -> dict[str, str]:
    return {code: t(f"text.model_{code}") for code in LM_MODELS} | {
        ALIBI: t("retrieval.model_alibi_plain", layers=_layers(ALIBI)),
        LEARNED: t("retrieval.model_learned", layers=_layers(LEARNED)),
        LEARNED_SMEAR: t("retrieval.model_learned_smear", layers=_layers(LEARNED_SMEAR)),
        FOUR_LAYERS: t("retrieval.model_alibi_run", layers=_layers(FOUR_LAYERS)),
        "transformer-rope": t("retrieval.model_rope"),
        "transformer-repeat-0.25": t("retrieval.model_repeat", fraction="0.25"),
        "transformer-repeat-0": t("retrieval.model_repeat", fraction="0"),
    }


def run_names() -> dict[str, str]:
    """names(), with the shipped Transformer named by its position scheme and depth (beside the other runs)."""
    return names() | {"transformer": t("retrieval.model_alibi", layers=_layers("transformer"))}


def window() -> int:
    """The distance from which the second copy's characters are farther from their match than the window."""
    return cached.language_model("transformer")[0].config.context - LENGTH


def stop(curve: pd.DataFrame) -> int | None:
    """The largest distance up to which the median gain stays at COPIES or more (None: not even the first)."""
    ok = (curve.sort_values("distance")["gain_median"] >= COPIES).to_numpy()
    if not ok[0]:
        return None
    last = len(ok) if ok.all() else int(np.argmin(ok))
    return int(curve.sort_values("distance")["distance"].iloc[last - 1])


# --- 1. the gain against distance --------------------------------------------------------------------------


def curves() -> pd.DataFrame:
    return cached.retrieval_curves()


@functools.partial(memo, max_entries=8)
def gain_section(_value, style: Style) -> Section:
    table = curves()
    labels = names()
    shown = [code for code in (*LM_MODELS, ALIBI, LEARNED) if code in set(table["model"])]
    data = table[table["model"].isin(shown)].assign(name=lambda f: f["model"].map(labels))
    text = {key: t(f"retrieval.{key}") for key in ("model", "axis_distance", "axis_gain")}
    text["window"] = t("retrieval.window_mark", window=cached.language_model("transformer")[0].config.context)
    colors = [RUN_STYLE[c][0] for c in shown]
    dashes = [RUN_STYLE[c][1] for c in shown]
    figure = gain_chart(data, [labels[c] for c in shown], colors, dashes, window(), text, style)
    return Section(figure, gain_caption(table), curves)


def _near(curve: pd.DataFrame, column: str = "gain_median") -> str:
    """The least and greatest of `column` at the distances NEAR, as "+0.91 … +1.05"."""
    values = curve[curve["distance"].isin(NEAR)][column]
    return f"{signed(values.min())} … {signed(values.max())}"


def signed(value: float) -> str:
    """+1.05, -0.26, and +0.00 for a value that rounds to zero from either side (never "-0.00")."""
    return f"{round(float(value), 2) + 0.0:+.2f}"


def gain_caption(table: pd.DataFrame) -> str:
    labels, parts = names(), []
    for code in (*LM_MODELS, ALIBI):
        curve = table[table["model"] == code]
        if curve.empty:
            continue
        reach = stop(curve)
        where = t("retrieval.stops_none") if reach is None else t("retrieval.stops_at", distance=reach)
        parts.append(
            t("retrieval.gain_model", name=labels[code], near=_near(curve), copy=_near(curve, "copy_bits"), where=where)
        )
    far = table[(table["model"] == "transformer") & table["distance"].isin(FAR)]
    past = ", ".join(f"{signed(g)} ({int(d)})" for d, g in zip(far["distance"], far["gain_median"], strict=True))
    passages = PASSAGES
    return t("retrieval.gain_caption", models=" ".join(parts), past=past, copies=COPIES, passages=passages,
             length=LENGTH, window=window())  # fmt: skip


# --- 2. the visitor's passage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CopyInputs:
    text: str = DEFAULT_TEXT  # as the models read it: at most DEMO_MAX_CHARS, outside the alphabet as spaces
    gap: int = DEFAULT_GAP  # characters of held-out text between the copies


def read_passage(raw: str) -> tuple[str, list[str]]:
    """The passage as the models read it (at most DEMO_MAX_CHARS characters, those outside the book's alphabet
    as spaces) and a notice for each change made to it."""
    notices = []
    if len(raw) > DEMO_MAX_CHARS:
        notices.append(t("retrieval.cut", chars=len(raw), limit=DEMO_MAX_CHARS))
        raw = raw[:DEMO_MAX_CHARS]
    alphabet = set(cached.load_book().alphabet)
    outside = sum(c not in alphabet for c in raw)
    if outside:
        notices.append(t("retrieval.outside", count=outside))
        raw = "".join(c if c in alphabet else " " for c in raw)
    return raw, notices


def copy_inputs_ui() -> CopyInputs:
    """The visitor's passage (a held-out verse to start with) and the gap, capped so the whole fits MAX_TOTAL."""
    raw = st.text_area(
        t("retrieval.passage"), DEFAULT_TEXT, max_chars=INPUT_MAX_CHARS, **bound("copy_text", DEFAULT_TEXT)
    )
    lo, hi, step = GAP
    gap = int(st.slider(t("retrieval.gap"), lo, hi, DEFAULT_GAP, step, **bound("copy_gap", DEFAULT_GAP)))
    if len(raw) < 2:
        st.info(t("retrieval.short"))
        raw = DEFAULT_TEXT
    text, notices = read_passage(raw)
    if 2 * len(text) + gap > MAX_TOTAL:
        capped = MAX_TOTAL - 2 * len(text)
        notices.append(t("retrieval.gap_capped", gap=gap, capped=capped, total=MAX_TOTAL))
        gap = capped
    for notice in notices:
        st.warning(notice)
    return CopyInputs(text, gap)


def gap_text(gap: int) -> str:
    book = cached.load_book()
    held = book.text[book.split :]
    start = held.index("\n", GAP_START) + 1
    return held[start : start + gap]


def demo(c: CopyInputs) -> dict:
    return cached.copy_demo(c.text, gap_text(c.gap))


def _mean(bits: np.ndarray) -> float:
    return float(np.nanmean(bits[1:])) if len(bits) > 1 else math.nan  # the characters after the first


@functools.partial(memo, max_entries=16)
def copies_section(c: CopyInputs, style: Style) -> Section:
    table = demo(c)["surprise"]
    labels = names()
    scores = {"token": list(c.text)}
    parts, metrics = [], []
    for code in LM_MODELS:
        part = table[table["model"] == code]
        first = part[part["copy"] == 1]["bits"].to_numpy()
        second = part[part["copy"] == 2]["bits"].to_numpy()
        scores[t("retrieval.panel_first", name=labels[code])] = np.clip(np.nan_to_num(first) / 8.0, 0, 1)
        scores[t("retrieval.panel_second", name=labels[code])] = np.clip(second / 8.0, 0, 1)
        gain = _mean(first) - _mean(second)
        parts.append(t("retrieval.copy_model", name=labels[code], first=f"{_mean(first):.2f}",
                       second=f"{_mean(second):.2f}", gain=signed(gain)))  # fmt: skip
        metrics.append((t("retrieval.metric_gain", name=labels[code]), signed(gain)))
    figure = token_chart(pd.DataFrame(scores), style, joined=True)
    caption = t("retrieval.copy_caption", models=" ".join(parts), chars=len(c.text), gap=c.gap)
    return Section(figure, caption, functools.partial(copies_table, c), metrics=tuple(metrics))


def copies_table(c: CopyInputs) -> pd.DataFrame:
    table = demo(c)["surprise"]
    return table.assign(char=[c.text[i] for i in table["index"]])


@functools.partial(memo, max_entries=16)
def head_map_section(c: CopyInputs, style: Style) -> Section:
    result = demo(c)
    scores, block = result["heads"], result["block"]
    best = scores.loc[scores["induction"].idxmax()]
    layer, head = int(best["layer"]), int(best["head"])
    text = {key: t(f"retrieval.{key}") for key in ("axis_first", "axis_second", "axis_weight")}
    title = t("retrieval.map_title", layer=layer, head=head)
    figure = copy_map_chart(block, list(c.text), title, text, style)
    others = scores.drop(index=best.name)["induction"]
    keep = cached.smear_weights()  # layers × heads, or None: the model's keys are not smeared
    if keep is None:
        first_layer = scores[scores["layer"] == 1]
        prev = first_layer.loc[first_layer["previous"].idxmax()]
        previous = t("retrieval.map_previous", head=int(prev["head"]), share=f"{prev['previous']:.2f}")
    else:
        own = float(keep[layer - 1][head - 1])
        previous = t("retrieval.map_smeared", own=f"{own:.2f}", before=f"{1 - own:.2f}")
    caption = t(
        "retrieval.map_caption",
        layer=layer,
        head=head,
        score=f"{best['induction']:.2f}",
        others=f"{others.max():.2f}",
        uniform=f"{1 / (c.gap + len(c.text) + 1):.3f}",
        previous=previous,
    )
    return Section(figure, caption, lambda: demo(c)["heads"])


@functools.partial(memo, max_entries=16)
def head_scores_section(c: CopyInputs, style: Style) -> Section:
    scores = demo(c)["heads"]
    keys = ("induction", "previous", "head_name", "axis_head", "axis_score", "score")
    figure = head_scores_chart(scores, {key: t(f"retrieval.{key}") for key in keys}, style)
    return Section(figure, t("retrieval.scores_caption"), lambda: demo(c)["heads"])


# --- 3. the position scheme and training ------------------------------------------------------------------


def runs() -> dict[str, dict]:
    return cached.lm_runs()


@functools.partial(memo, max_entries=8)
def scheme_section(_value, style: Style) -> Section:
    labels, meta = run_names(), runs_shown()
    rows = [
        {"model": code, "name": labels[code], "step": point["step"], "gain": point["gain_bits_at_128"]}
        for code, info in meta.items()
        if code in labels  # a run this page does not know (an experiment's JSON in data/lm/runs/) is left out
        for point in info.get("progress", [])
        if "gain_bits_at_128" in point
    ]
    data = pd.DataFrame(rows, columns=["model", "name", "step", "gain"])
    shown = [code for code in RUN_STYLE if code in meta]
    text = {key: t(f"retrieval.{key}") for key in ("run", "axis_step", "axis_gain_128")}
    figure = progress_chart(
        data, [labels[c] for c in shown], [RUN_STYLE[c][0] for c in shown], [RUN_STYLE[c][1] for c in shown], text,
        style,
    )  # fmt: skip
    return Section(figure, scheme_caption(), lambda: data)


def _first_copying(info: dict) -> int | None:
    """The first checkpoint's step whose gain at distance 128 reached COPIES."""
    for point in info.get("progress", []):
        if point.get("gain_bits_at_128", -math.inf) >= COPIES:
            return int(point["step"])
    return None


def runs_shown() -> dict[str, dict]:
    """The runs the page knows, finished or stopped (a run still training has no held-out loss yet)."""
    labels = run_names()
    return {code: info for code, info in runs().items() if code in labels and info.get("status") != "running"}


def scheme_caption() -> str:
    """Each run: where it began to copy, its median gain at 64–192 (24 passages) where the run was measured so,
    else its last checkpoint's gain at distance 128 (8 passages), and its held-out loss."""
    labels, meta, table = run_names(), runs_shown(), curves()
    parts = []
    for code in RUN_ORDER:
        if code not in meta:
            continue
        info = meta[code]
        first = _first_copying(info)
        curve = table[table["model"] == code]
        key = "retrieval.run_copies" if first is not None else "retrieval.run_never"
        if code == LEARNED and first is None:
            key = "retrieval.learned_never"  # the position-scheme row, in the words of the issue that asked for it
        elif curve.empty:
            key += "_128"
        last = info.get("progress", [{}])[-1].get("gain_bits_at_128", math.nan)
        parts.append(t(key, name=labels[code], steps=info["steps"], first=first, copies=COPIES, gain=signed(last),
                       near=_near(curve) if not curve.empty else "", bits=f"{info['held_out_bits_per_char']:.2f}",
                       layers=_layers(code)))  # fmt: skip
    return t("retrieval.scheme_caption", runs=" ".join(parts), copies=COPIES)


def idea() -> str:
    return t("retrieval.idea", passages=PASSAGES)


def ready() -> bool:
    return cached.retrieval_ready()


GAIN = [Chart("retrieval-gain", gain_section, title="retrieval.gain_title")]
DEMO = [
    Chart("copies", copies_section, width="content", numbers=3),
    Chart("induction-map", head_map_section, title="retrieval.map_heading", width="content"),
    Chart("head-scores", head_scores_section),
]
SCHEME = [Chart("position-scheme", scheme_section, title="retrieval.scheme_title", intro="retrieval.scheme_intro")]
