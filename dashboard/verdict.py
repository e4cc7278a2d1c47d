"""The plain-words verdict on a probe: vanishing, stable or exploding, with the factor."""

from __future__ import annotations

from core.theory import Verdict

from .charts.style import pow10_label
from .i18n import t

_ALERT = {"vanishing": "info", "stable": "success", "exploding": "warning", "none": "warning"}


def verdict_text(v: Verdict, seq_len: int, rho: float | None = None, nonlinearity: str | None = None) -> str:
    """The sentence for verdict `v` over a sequence of `seq_len` words, in the current language;
    given W's radius `rho` and the nonlinearity, a vanishing verdict at ρ > 1 says why."""
    if v.regime == "none":
        return t("rnn.verdict_none")
    if v.regime == "vanishing" and v.per_step == 0.0:
        return t("rnn.verdict_cut", distance=v.zero_from)
    ratio = pow10_label(v.log10_ratio)
    text = t(f"rnn.verdict_{v.regime}", ratio=ratio, per_step=f"{v.per_step:.3g}", steps=seq_len - 1)
    if v.regime == "vanishing" and rho is not None and rho > 1 and nonlinearity in ("tanh", "relu"):
        text += " " + t(f"rnn.verdict_despite_{nonlinearity}", rho=f"{rho:.3g}")
    return text


def verdict_alert(v: Verdict, seq_len: int, rho: float | None = None, nonlinearity: str | None = None) -> tuple:
    """The verdict as a coloured box over a chart: (kind, sentence), a Section's alert."""
    return _ALERT[v.regime], verdict_text(v, seq_len, rho, nonlinearity)
