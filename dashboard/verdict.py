"""The plain-words verdict on a probe: vanishing, stable or exploding, with the factor."""

from __future__ import annotations

import streamlit as st

from core.theory import Verdict

from .charts import pow10_label
from .i18n import t

_ALERT = {"vanishing": "info", "stable": "success", "exploding": "warning", "none": "warning"}


def verdict_text(v: Verdict, seq_len: int) -> str:
    """The sentence for verdict `v` over a sequence of `seq_len` words, in the current language."""
    if v.regime == "none":
        return t("rnn.verdict_none")
    if v.regime == "vanishing" and v.per_step == 0.0:
        return t("rnn.verdict_cut", distance=v.zero_from)
    ratio = pow10_label(v.log10_ratio)
    return t(f"rnn.verdict_{v.regime}", ratio=ratio, per_step=f"{v.per_step:.3g}", steps=seq_len - 1)


def verdict_ui(v: Verdict, seq_len: int, where=st) -> None:
    """The verdict as a coloured box, drawn in `where` (st, or a place a fragment fills)."""
    getattr(where, _ALERT[v.regime])(verdict_text(v, seq_len))
