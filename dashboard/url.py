"""URL state: every control bound to the link, Reset to defaults, and the notice for a link's bad values.

- `bound(key, default)`: keyword arguments that bind a widget to the URL as `?key=` (Streamlit's
  `bind="query-params"`) and record its default for Reset.
- `choice_ui(...)`, `view_ui(...)`: a dropdown or segmented control of coded options.  Not bound widgets:
  binding writes the displayed label into the URL, which differs by language, so the URL is kept in step by
  hand with the code (links are the same in every language and equal to the CLI's flags).
- `kept_choice`, `keep`, `seen`: the frame's language and presenter mode, kept across page switches.
- Reset: the button's callback runs at the start of the next run, before any widget, and writes the
  recorded defaults back into session state; the widgets then show them, and Streamlit drops their
  parameters from the URL (a bound widget at its default is not written there).  One case needs a second
  run: a slider whose range follows another control (the truncation window's maximum is T) is a new widget
  when that control resets, and a new bound widget reads the still-stale URL rather than session state.
  `finish_run` sees the miss and reruns once with the defaults written again; in that rerun Streamlit (1.67)
  drops the stale parameter from the server's copy of the query string without telling the browser, so the
  rerun ends by sending the browser the server's query string (a throwaway parameter set and removed).

Every session-state key this module keeps for itself starts with PREFIX.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from .i18n import LANGUAGE_KEY, LANGUAGES, t

PREFIX = "_url."
REGISTRY_KEY = PREFIX + "defaults"  # {widget key: default} of the page drawn last
JUST_RESET_KEY = PREFIX + "just_reset"  # set by the reset: this run's URL still has the old values, not bad ones
PENDING_KEY = PREFIX + "reset_pending"  # the defaults just written, checked once the page has drawn
RETRY_KEY = PREFIX + "reset_retry"  # defaults to write again at the start of the next run
RESYNC_KEY = PREFIX + "reset_resync"  # the retry run: send the browser the server's query string at its end
REJECTED_KEY = PREFIX + "rejected"  # URL parameters a page dropped without drawing their control
KEPT = PREFIX + "kept."  # + key: a frame choice (language, presenter mode), kept across page switches
SEEN = PREFIX + "seen."  # + key: the URL's value for a frame choice when last read or written
IN_URL = PREFIX + "in_url."  # + key: the value of a coded choice's URL parameter last seen or written
SYNC_PARAM = "_sync"  # the throwaway query parameter
PRESENTER_KEY = "present"  # the presenter toggle's key and URL parameter
TRUTHY = ("1", "true", "yes", "on")
FALSY = ("0", "false", "no", "off", "")


# --- controls bound to the URL, and Reset ---------------------------------------------------------------


def remember(key: str, default) -> str:
    """Record `default` as the value "Reset to defaults" gives the widget `key`; returns the key."""
    st.session_state.setdefault(REGISTRY_KEY, {})[key] = default
    return key


def bound(key: str, default, keep: bool = False) -> dict:
    """Keyword arguments for a control bound to the URL as `?key=`, its default remembered.  `keep`: for a
    control a section may leave undrawn, whose value is kept for when it is drawn again."""
    return {"key": remember(key, default), "bind": "query-params", **({"persist_state": "page"} if keep else {})}


def page_defaults() -> dict:
    return dict(st.session_state.get(REGISTRY_KEY, {}))


def page_settings() -> dict:
    """{key: value} of every control the page has drawn so far in this run, by its URL key: the settings
    a chart is drawn at (its downloads say them)."""
    return {key: st.session_state.get(key, default) for key, default in page_defaults().items()}


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


def reject_url_key(key: str) -> None:
    """Note that the link's `key` was not valid for a control the page does not draw (url_notice_ui says so)."""
    st.session_state.setdefault(REJECTED_KEY, set()).add(key)


def drop_param(key: str) -> None:
    """Remove `key` from the URL; a parameter still bound to the widget drawn in the last run cannot be
    removed by hand, and that widget's binding keeps it in step instead."""
    try:
        del st.query_params[key]
    except StreamlitAPIException:
        pass


# --- coded choices: the code in the URL, the label in the visitor's language ------------------------------


def _from_url(key: str, codes: tuple) -> None:
    """Before the coded choice `key` is drawn: a link decides its value when its `?key=` changed since this
    session last saw it, or when the session has no value (a page switch drops it).  A bad code is dropped
    with a notice; without the parameter (the sidebar's links drop it) the session's value stays."""
    requested, seen = st.query_params.get(key), IN_URL + key
    if requested is not None and (requested != st.session_state.get(seen) or key not in st.session_state):
        st.session_state[seen] = requested
        if requested in codes:
            st.session_state[key] = requested
        else:
            reject_url_key(key)


def _to_url(key: str, value: str, default: str) -> None:
    """After the coded choice `key` is drawn: the link holds its code, or nothing at the default."""
    if value == default:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = value
    st.session_state[IN_URL + key] = st.query_params.get(key)


def choice_ui(where, label: str, labels: dict, default: str, key: str, help: str | None = None) -> str:
    """A dropdown of coded options (`labels`: code -> label in the visitor's language), in the URL as
    `?key=code` and put back by Reset.  `labels` is computed in the run because the widget may format its
    options later, outside the visitor's language."""
    codes = tuple(labels)
    remember(key, default)
    _from_url(key, codes)
    if st.session_state.get(key) not in codes:
        st.session_state[key] = default
    value = where.selectbox(label, codes, format_func=labels.get, key=key, help=help)
    _to_url(key, value, default)
    return value


def view_ui(label: str, labels: dict, key: str, where=st) -> str:
    """What a page shows, one of `labels` (code: label, the first the default), as a segmented control
    kept for the session, left alone by Reset, and in the URL as `?key=code` (kept in step by hand, as for
    choice_ui)."""
    codes = tuple(labels)
    _from_url(key, codes)
    value = (
        where.segmented_control(
            label,
            codes,
            default=None if key in st.session_state else codes[0],
            required=True,
            format_func=labels.get,
            key=key,
            persist_state="session",
        )
        or codes[0]
    )
    _to_url(key, value, codes[0])
    return value


# --- the frame's choices (language, presenter mode), kept across pages ----------------------------------


def kept_choice(key: str, from_url, default) -> None:
    """Before the frame's widget `key` is drawn, give it the choice kept for the session: Streamlit 1.67
    drops a widget's own value on a page switch, and the sidebar's links drop the query string.  A link
    whose `?key=` differs from the one this session last saw decides (from_url turns its text into a value)."""
    requested = st.query_params.get(key)
    if requested is not None and requested != st.session_state.get(SEEN + key):
        st.session_state[SEEN + key] = requested
        st.session_state[KEPT + key] = from_url(requested)
    st.session_state[key] = st.session_state.get(KEPT + key, st.session_state.get(key, default))


def keep(key: str) -> None:
    """A frame widget's callback: the visitor's choice is the one kept."""
    st.session_state[KEPT + key] = st.session_state[key]


def seen(key: str) -> None:
    """After the run has written `?key=`: that value is not a new link."""
    st.session_state[SEEN + key] = st.query_params.get(key)


# --- a link's values the page could not use -------------------------------------------------------------


def url_snapshot() -> dict[str, str]:
    """The query string as it arrived, before bound widgets drop values they cannot use.  Empty
    right after "Reset to defaults": the URL still holds the values the reset replaced."""
    if st.session_state.pop(JUST_RESET_KEY, False):
        return {}
    return {key: st.query_params.get(key) for key in st.query_params}


def _same(raw: str, value) -> bool:
    if isinstance(value, bool):
        return raw.lower() in (str(value).lower(), str(int(value)))
    if isinstance(value, (int, float)):
        try:
            return float(raw) == float(value)
        except ValueError:
            return False
    return raw == str(value)


def rejected_url_keys(snapshot: dict[str, str]) -> list[str]:
    """Parameters whose value the page's widgets (or the language selector) did not accept."""
    bad = []
    for key, raw in snapshot.items():
        if key == LANGUAGE_KEY:
            if raw not in LANGUAGES:
                bad.append(key)
        elif key == PRESENTER_KEY:
            if raw.lower() not in TRUTHY + FALSY:
                bad.append(key)
        elif key in st.session_state and not _same(raw, st.session_state[key]):
            bad.append(key)
    return bad


def url_notice_ui(snapshot: dict[str, str]) -> None:
    """A small notice naming each parameter that was not used as given; the link's value is never echoed.
    Where the page's control took another value (a seed of 1.5 becomes 1), the notice says which: that
    value is the control's own number, never text from the link."""
    dropped = st.session_state.pop(REJECTED_KEY, set())
    for key in dict.fromkeys([*rejected_url_keys(snapshot), *sorted(dropped)]):
        used = st.session_state.get(key) if key not in dropped else None
        if isinstance(used, (int, float)) and not isinstance(used, bool):
            st.toast(t("common.bad_url_used", param=key, value=f"{used:g}"), icon=":material/link_off:")
        else:
            st.toast(t("common.bad_url", param=key), icon=":material/link_off:")
