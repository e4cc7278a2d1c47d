"""The shared frame every page sits in: language and presenter mode, both bound to the URL."""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st

from .i18n import language_ui, t

ROUTER = Path(__file__).resolve().parent.parent / "streamlit_app.py"
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


def require_router() -> None:
    """Call first in every page.  Streamlit's legacy `pages/` discovery may run a page file directly,
    skipping the router (no language, no presenter mode): on a freshly started server, the first
    visits to sub-page URLs do (PagesManager.uses_pages_directory is set from the folder's existence
    and cleared only by st.navigation).  Then run the router here, in this same run, so the widgets'
    events of this run are kept, and stop the direct run."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(ROUTER), run_name="__main__")
        st.stop()
