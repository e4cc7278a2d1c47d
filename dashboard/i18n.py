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
KEPT_LANGUAGE_KEY = "_lang_kept"  # the language chosen, kept across page switches
SEEN_LANGUAGE_KEY = "_lang_seen"  # the URL's ?lang= when last read or written: a different one is a new link
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


def language_ui() -> str:
    """The sidebar language selector, kept in step with `?lang=`; returns the language code.

    Not a `bind="query-params"` widget: binding would write the displayed name ("한국어") into the
    URL, while links use the code (`?lang=ko`).
    """
    requested = st.query_params.get(LANGUAGE_KEY)
    if requested is not None and requested != st.session_state.get(SEEN_LANGUAGE_KEY):  # a link decides
        st.session_state[SEEN_LANGUAGE_KEY] = requested
        st.session_state[KEPT_LANGUAGE_KEY] = requested if requested in LANGUAGES else DEFAULT_LANGUAGE
    # the kept choice, set on every run: a page switch drops a widget's own value (Streamlit 1.67)
    kept = st.session_state.get(KEPT_LANGUAGE_KEY, st.session_state.get(LANGUAGE_KEY, DEFAULT_LANGUAGE))
    st.session_state[LANGUAGE_KEY] = kept if kept in LANGUAGES else DEFAULT_LANGUAGE
    lang = st.sidebar.selectbox(
        "Language · 언어",
        options=tuple(LANGUAGES),
        format_func=LANGUAGES.get,
        key=LANGUAGE_KEY,
        on_change=_keep_language,
    )
    if lang == DEFAULT_LANGUAGE:
        st.query_params.pop(LANGUAGE_KEY, None)
    else:
        st.query_params[LANGUAGE_KEY] = lang
    st.session_state[SEEN_LANGUAGE_KEY] = st.query_params.get(LANGUAGE_KEY)
    return lang


def _keep_language() -> None:
    """The selector's callback: the visitor's choice is the one kept."""
    st.session_state[KEPT_LANGUAGE_KEY] = st.session_state[LANGUAGE_KEY]
