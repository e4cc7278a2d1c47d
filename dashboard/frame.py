"""The shared frame every page sits in: language and presenter mode, both bound to the URL."""

from __future__ import annotations

import streamlit as st

from .i18n import language_ui, t

PRESENTER_KEY = "present"
# Static CSS only (no user text is ever interpolated): larger type for a projector.
_PRESENTER_CSS = """<style>
[data-testid="stMain"] { font-size: 1.25rem; }
[data-testid="stMain"] h1 { font-size: 3rem; }
[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"] { font-size: 1.2rem; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 2.8rem; }
</style>"""


def frame_ui() -> bool:
    """Draw the sidebar's language selector and presenter toggle; returns presenter mode."""
    language_ui()
    present = st.sidebar.toggle(
        t("app.presenter"), key=PRESENTER_KEY, bind="query-params", help=t("app.presenter_help")
    )
    if present:
        st.html(_PRESENTER_CSS)
    return bool(present)


def presenter() -> bool:
    return bool(st.session_state.get(PRESENTER_KEY, False))
