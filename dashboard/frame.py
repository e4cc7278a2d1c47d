"""The shared frame every page sits in: language and presenter mode, both bound to the URL."""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st

from .charts.style import PROJECTOR, SCREEN, Style
from .i18n import DEFAULT_LANGUAGE, LANGUAGE_KEY, LANGUAGES, t
from .url import PRESENTER_KEY, TRUTHY, keep, kept_choice, reset_ui, seen, start_run

ROUTER = Path(__file__).resolve().parent.parent / "streamlit_app.py"
# Static CSS only (no user text is ever interpolated): larger type for a projector, and a compact head
# so that a page's main chart and its controls fit a 1280×720 screen (tests/test_browser.py measures it).
_PRESENTER_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 3.5rem; padding-bottom: 2rem; }
[data-testid="stMain"] { font-size: 1.25rem; }
[data-testid="stMain"] h1 { font-size: 2.3rem; padding: 0 0 0.25rem 0; }
[data-testid="stMain"] h3 { font-size: 1.6rem; padding: 0.25rem 0; }
[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"] { font-size: 1.2rem; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] p { font-size: 2.2rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.1rem; }
[data-testid="stSelectbox"] input, [data-testid="stTextInput"] input, [role="option"] { font-size: 1.15rem; }
[data-testid="stSliderThumbValue"] { font-size: 1.1rem; margin-bottom: 0.45rem; }
[data-testid="stSliderTickBar"] { font-size: 1rem; }
[data-testid="stTable"] th, [data-testid="stTable"] td { font-size: 1.15rem; }
[data-testid="stButtonGroup"] p { font-size: 1.1rem; }
</style>"""


def busy_notice() -> None:
    """Told by the shared caches (dashboard/bytecache.py: `on_busy`) when a visitor's chart has waited seconds for
    other visitors' work: a short notice instead of a page that seems frozen.  Not in a script run (a background
    thread, a download's callable): nobody to tell."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is not None:
        st.toast(t("app.busy"), icon=":material/hourglass_top:")


def sidebar_state() -> str:
    """Presenter mode starts with the sidebar collapsed (for st.set_page_config, before the frame)."""
    requested = st.session_state.get(PRESENTER_KEY)
    if requested is None:
        requested = st.query_params.get(PRESENTER_KEY, "").lower() in TRUTHY
    return "collapsed" if requested else "auto"


def frame_ui() -> bool:
    """Draw the sidebar's language selector and presenter toggle; returns presenter mode."""
    start_run()  # the page about to run registers its own controls' defaults
    language_ui()
    kept_choice(PRESENTER_KEY, lambda raw: raw.lower() in TRUTHY, False)  # ?present=1 (or true/yes/on)
    present = st.sidebar.toggle(
        t("app.presenter"), key=PRESENTER_KEY, help=t("app.presenter_help"), on_change=keep, args=(PRESENTER_KEY,)
    )
    if present:
        st.query_params[PRESENTER_KEY] = "1"
    else:
        st.query_params.pop(PRESENTER_KEY, None)
    seen(PRESENTER_KEY)
    if present:
        st.html(_PRESENTER_CSS)
    return bool(present)


def language_ui() -> str:
    """The sidebar language selector, kept in step with `?lang=` and across pages; returns the code.

    Not a `bind="query-params"` widget: binding would write the displayed name ("한국어") into the
    URL, while links use the code (`?lang=ko`).
    """
    kept_choice(LANGUAGE_KEY, lambda raw: raw if raw in LANGUAGES else DEFAULT_LANGUAGE, DEFAULT_LANGUAGE)
    if st.session_state[LANGUAGE_KEY] not in LANGUAGES:
        st.session_state[LANGUAGE_KEY] = DEFAULT_LANGUAGE
    lang = st.sidebar.selectbox(
        "Language · 언어",
        options=tuple(LANGUAGES),
        format_func=LANGUAGES.get,
        key=LANGUAGE_KEY,
        on_change=keep,
        args=(LANGUAGE_KEY,),
    )
    if lang == DEFAULT_LANGUAGE:
        st.query_params.pop(LANGUAGE_KEY, None)
    else:
        st.query_params[LANGUAGE_KEY] = lang
    seen(LANGUAGE_KEY)
    return lang


def head_ui(prefix: str, reset: bool = True, fold: bool = True) -> None:
    """Call first in every page: a page's title and introduction (`<prefix>.title`, `<prefix>.intro`), and
    its "Reset to defaults".  In presenter mode the introduction folds into an expander headed by its
    one-line lead (`<prefix>.lead`), so the chart and its controls are on the first screen (`fold=False`:
    the introduction stays open)."""
    require_router()
    st.title(t(f"{prefix}.title"))
    if not presenter() or not fold:
        st.markdown(t(f"{prefix}.intro"))
        if reset:
            reset_ui()
        return
    lead, button = st.columns([5, 1.4], vertical_alignment="center")
    with lead.expander(t(f"{prefix}.lead")):
        st.markdown(t(f"{prefix}.intro"))
    if reset:
        with button:
            reset_ui()


def lab_columns():
    """Where a lab's controls and its charts go: one under the other on a screen; side by side in
    presenter mode (controls left, charts right), so a slider and the chart it moves are seen together."""
    if presenter():
        return st.columns([1.3, 2.6], gap="medium")
    return st.container(), st.container()


def row(spec) -> list:
    """Columns for controls side by side (`spec` as for st.columns); in presenter mode, where the
    controls sit in a narrow column beside the chart, two to a row."""
    if not presenter():
        return st.columns(spec)
    count = spec if isinstance(spec, int) else len(spec)
    return [column for _ in range(0, count, 2) for column in st.columns(2)][:count]


def presenter() -> bool:
    return bool(st.session_state.get(PRESENTER_KEY, False))


def chart_style() -> Style:
    """The charts' sizes for this visitor: larger in presenter mode."""
    return PROJECTOR if presenter() else SCREEN


def require_router() -> None:
    """head_ui calls this first.  Streamlit's legacy `pages/` discovery may run a page file directly,
    skipping the router (no language, no presenter mode): on a freshly started server, the first
    visits to sub-page URLs do (PagesManager.uses_pages_directory is set from the folder's existence
    and cleared only by st.navigation).  Then run the router here, in this same run, so the widgets'
    events of this run are kept, and stop the direct run."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(ROUTER), run_name="__main__")
        st.stop()
