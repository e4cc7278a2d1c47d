"""Gradient Lab: the entry point.  A router only: page config, the shared frame, navigation."""

import streamlit as st

from core.threads import bounded_malloc, frozen_imports, one_thread_each
from dashboard import bytecache
from dashboard.frame import busy_notice, frame_ui, sidebar_state
from dashboard.i18n import t
from dashboard.sockets import send_at_once
from dashboard.talk import talk_ui
from dashboard.url import finish_run, url_notice_ui, url_snapshot

# The probes work on small arrays: one torch thread and one BLAS thread per server process avoid
# oversubscribing a shared server's cores (core/threads.py has the measurements).
one_thread_each()
bounded_malloc()  # glibc's malloc arenas capped and large blocks unmapped when freed (core/threads.py)
frozen_imports()  # the imports' objects out of the garbage collector's full passes, once (core/threads.py)
send_at_once()  # TCP_NODELAY: a reply's last messages not held 40 ms behind its chart (dashboard/sockets.py)
bytecache.on_busy = busy_notice  # a chart queued seconds behind other visitors' work says so (#37)
st.set_page_config(
    page_title="Gradient Lab", page_icon="assets/icon.png", layout="wide", initial_sidebar_state=sidebar_state()
)
link = url_snapshot()
frame_ui()
home = st.Page("pages/home.py", title=t("nav.home"), icon=":material/home:", url_path="index", default=True)
pages = [
    home,
    st.Page(
        "pages/vanishing_exploding.py",
        title=t("nav.rnn"),
        icon=":material/trending_down:",
        url_path="vanishing_exploding",
    ),
    st.Page("pages/depth.py", title=t("nav.depth"), icon=":material/layers:", url_path="depth"),
    st.Page("pages/remedies.py", title=t("nav.remedies"), icon=":material/healing:", url_path="remedies"),
    st.Page("pages/training.py", title=t("nav.training"), icon=":material/model_training:", url_path="training"),
    st.Page("pages/attention.py", title=t("nav.attention"), icon=":material/hub:", url_path="attention"),
    st.Page("pages/real_transformer.py", title=t("nav.real"), icon=":material/menu_book:", url_path="real_transformer"),
    st.Page("pages/real_text.py", title=t("nav.text"), icon=":material/auto_stories:", url_path="real_text"),
    st.Page("pages/retrieval.py", title=t("nav.retrieval"), icon=":material/content_copy:", url_path="retrieval"),
    st.Page(
        "pages/head_to_head.py", title=t("nav.head_to_head"), icon=":material/compare_arrows:", url_path="head_to_head"
    ),
    st.Page("pages/stability.py", title=t("nav.stability"), icon=":material/speed:", url_path="stability"),
    st.Page("pages/comeback.py", title=t("nav.comeback"), icon=":material/replay:", url_path="comeback"),
]


def home_by_name():
    """The home page lives at "/"; "/home" (a natural guess) opens it there, its query (language, ...) kept."""
    st.switch_page(home, query_params=st.query_params.to_dict())


page = st.navigation([*pages, st.Page(home_by_name, title=t("nav.home"), url_path="home", visibility="hidden")])
talk_ui()  # presenter mode: the talk's scene, its note, Previous and Next (dashboard/talk.py)
with bytecache.page_run():  # at most two pages' scripts at once on a server (dashboard/bytecache.py)
    page.run()
finish_run()  # a "Reset to defaults" that a control missed reruns once (dashboard/url.py)
url_notice_ui(link)
