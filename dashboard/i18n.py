"""User-visible strings in English and Korean, one TOML catalogue per language in locales/.

`t("rnn.title")` looks a dotted key up in the visitor's language (the sidebar selector,
bound to `?lang=`), falling back to English.  tests/test_i18n.py fails on any key that one
catalogue has and the other lacks.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import tomllib
from pathlib import Path

import streamlit as st

LANGUAGES = {"en": "English", "ko": "한국어"}
DEFAULT_LANGUAGE = "en"
LANGUAGE_KEY = "lang"  # session-state key and URL query parameter
_LOCALES = Path(__file__).with_name("locales")
_SPEAKING = threading.local()  # a language set for this thread by `speaking`, over the visitor's

# Every label the chart builders read (a dict passed to them), with the catalogue key it comes from.
LABEL_KEYS = {
    **{
        name: f"rnn.{name}"
        for name in (
            "axis_distance",
            "axis_log10",
            "series",
            "tooltip_value",
            "axis_re",
            "axis_im",
            "circle_unit",
            "circle_rho",
            "circle_norm",
            "axis_scale",
            "current_scale",
        )
    },
    "measured": "rnn.series_measured",
    "rho": "rnn.series_rho",
    "bound": "rnn.series_bound",
    "no_path": "common.no_path",
    "clip_raw": "rem.clip_raw",
    "clip_clipped": "rem.clip_clipped",
    "axis_total": "rem.axis_total",
}


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        out.update(_flatten(value, name + ".") if isinstance(value, dict) else {name: value})
    return out


@functools.cache
def catalog(lang: str) -> dict[str, str]:
    """Every key of one language, flattened to dotted names."""
    with open(_LOCALES / f"{lang}.toml", "rb") as f:
        return _flatten(tomllib.load(f))


def language() -> str:
    lang = getattr(_SPEAKING, "lang", None) or st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def chart_labels() -> dict[str, str]:
    """Every label the chart builders read (LABEL_KEYS), in the current language."""
    return {name: t(key) for name, key in LABEL_KEYS.items()}


@contextlib.contextmanager
def speaking(lang: str):
    """t() in language `lang` for this thread, whatever the visitor's (or when there is no visitor:
    a download's callable runs outside any script run, where session state is empty)."""
    before = getattr(_SPEAKING, "lang", None)
    _SPEAKING.lang = lang
    try:
        yield
    finally:
        _SPEAKING.lang = before


def t(key: str, **values) -> str:
    """The string `key` in the current language, with {placeholders} filled from `values`."""
    text = catalog(language()).get(key) or catalog(DEFAULT_LANGUAGE)[key]
    return text.format(**values) if values else text


def coded_labels(group: str, codes) -> dict:
    """{code: its label in the visitor's language} for a group of coded options (locale `choice.<group>_<code>`)."""
    return {code: t(f"choice.{group}_{code}") for code in codes}
