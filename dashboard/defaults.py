"""Each page's control defaults, so "Reset to defaults" can put them back.

Every control is created with `**bound(key, default)`: that binds it to the URL under `key` and
records its default in this run's registry.  The reset button's callback runs at the start of
the next run, before any widget, and writes the recorded defaults back into session state: the
widgets then show them, and Streamlit drops their parameters from the URL (a bound widget at its
default is not written there).  Deleting the keys instead would not do: a bound widget without a
session value re-reads the old value from the URL (and bound parameters cannot be edited).

One case needs a second run: a slider whose range follows another control (the truncation
window's maximum is T) is a new widget when that control resets, and a new bound widget reads
the still-stale URL rather than session state.  `finish_run` sees the miss, and reruns once with
the defaults written again, now to an unchanged widget.  In that rerun Streamlit (1.67) drops the
stale parameter from the server's copy of the query string without telling the browser, so the
rerun ends by sending the browser the server's query string (a throwaway parameter set and removed).
"""

from __future__ import annotations

import streamlit as st

from .i18n import t

REGISTRY_KEY = "_page_defaults"  # session state: {widget key: default} of the page drawn last
JUST_RESET_KEY = "_just_reset"  # set by the reset: this run's URL still has the old values, not bad ones
PENDING_KEY = "_reset_pending"  # the defaults just written, checked once the page has drawn
RETRY_KEY = "_reset_retry"  # defaults to write again at the start of the next run
RESYNC_KEY = "_reset_resync"  # the retry run: send the browser the server's query string at its end
SYNC_PARAM = "_sync"  # the throwaway query parameter


def start_run() -> None:
    """Forget the last run's controls (the router calls this before the page draws its own)."""
    st.session_state[REGISTRY_KEY] = {}
    for key, value in st.session_state.pop(RETRY_KEY, {}).items():
        st.session_state[key] = value


def finish_run() -> None:
    """After the page has drawn: if a reset missed a control (see the module note), rerun once."""
    if st.session_state.pop(RESYNC_KEY, False):
        st.query_params[SYNC_PARAM] = "1"  # each write sends the whole query string
        del st.query_params[SYNC_PARAM]
    pending = st.session_state.pop(PENDING_KEY, None)
    if not pending:
        return
    missed = {key: value for key, value in pending.items() if st.session_state.get(key, value) != value}
    if missed:
        st.session_state[RETRY_KEY] = missed
        st.session_state[JUST_RESET_KEY] = st.session_state[RESYNC_KEY] = True
        st.rerun()


REJECTED_KEY = "_rejected_url"  # session state: URL parameters a page dropped without drawing their control


def reject_url_key(key: str) -> None:
    """Note that the link's `key` was not valid for a control the page does not draw (frame.url_notice_ui
    says so with the others)."""
    st.session_state.setdefault(REJECTED_KEY, set()).add(key)


def remember(key: str, default) -> str:
    """Record `default` as the value "Reset to defaults" gives the widget `key`; returns the key."""
    st.session_state.setdefault(REGISTRY_KEY, {})[key] = default
    return key


def bound(key: str, default) -> dict:
    """Keyword arguments for a control bound to the URL as `?key=`, its default remembered."""
    return {"key": remember(key, default), "bind": "query-params"}


def page_defaults() -> dict:
    return dict(st.session_state.get(REGISTRY_KEY, {}))


def page_settings() -> dict:
    """{key: value} of every control the page has drawn so far in this run, by its URL key: the settings
    a chart is drawn at (its downloads say them)."""
    return {key: st.session_state.get(key, default) for key, default in page_defaults().items()}


def reset_to_defaults() -> None:
    """The reset button's callback: every control of the page back to its default."""
    defaults = page_defaults()
    for key, value in defaults.items():
        st.session_state[key] = value
    st.session_state[PENDING_KEY] = defaults
    st.session_state[JUST_RESET_KEY] = True


def reset_ui() -> None:
    """A small "Reset to defaults" button (for pages with controls)."""
    st.button(
        t("app.reset"),
        on_click=reset_to_defaults,
        key="reset_defaults",
        help=t("app.reset_help"),
        icon=":material/restart_alt:",
        type="tertiary",
    )
