"""The home page's pieces: the story in seven steps, each linked to the page that shows it, and
the lineage timeline."""

from __future__ import annotations

import streamlit as st

from core.lineage import FAMILIES

from . import cached
from .charts.style import Style
from .charts.timeline import timeline_chart
from .figure import Figure
from .i18n import t
from .lab import Chart, Section, charts_ui

STEPS = (  # (story key, page that shows it live, the view it opens (URL parameters), icon)
    ("read", "pages/vanishing_exploding.py", {}, ":material/menu_book:"),
    ("same_w", "pages/vanishing_exploding.py", {}, ":material/repeat:"),
    ("vanish", "pages/vanishing_exploding.py", {"rnn_detail": "map"}, ":material/trending_down:"),
    ("remedies", "pages/remedies.py", {}, ":material/healing:"),
    ("attention", "pages/attention.py", {}, ":material/hub:"),
    ("positions", "pages/attention.py", {}, ":material/format_list_numbered:"),
    ("comeback", "pages/comeback.py", {}, ":material/replay:"),
)


def story_ui() -> None:
    for number, (key, page, view, icon) in enumerate(STEPS, start=1):
        with st.container(border=True):
            st.markdown(f"**{number}. {t(f'home.step_{key}_title')}**  \n{t(f'home.step_{key}')}")
            st.page_link(page, label=t(f"home.link_{key}"), icon=icon, query_params=view or None)
    st.page_link("pages/depth.py", label=t("home.link_depth"), icon=":material/layers:")
    st.page_link("pages/training.py", label=t("home.link_training"), icon=":material/model_training:")
    st.page_link("pages/head_to_head.py", label=t("home.link_h2h"), icon=":material/compare_arrows:")
    st.page_link("pages/real_transformer.py", label=t("home.link_real"), icon=":material/menu_book:")
    st.page_link("pages/real_text.py", label=t("home.link_text"), icon=":material/auto_stories:")
    st.page_link("pages/retrieval.py", label=t("home.link_retrieval"), icon=":material/content_copy:")
    st.page_link("pages/stability.py", label=t("home.link_stability"), icon=":material/speed:")


def timeline_section(_value, style: Style) -> Section:
    """One row per paper, in date order, placed at its first public version; colour = architecture."""
    data = cached.lineage_frame()
    data["family_label"] = [t(f"home.family_{f.replace('-', '_')}") for f in data["family"]]
    data["note"] = [t(f"home.note_{i}") for i in range(len(data))]  # core's notes are English
    families = [t(f"home.family_{f.replace('-', '_')}") for f in FAMILIES]
    labels = {key: t(f"home.{key}") for key in ("axis_year", "tt_model", "tt_family")}
    figure = Figure.from_altair(timeline_chart(data, families, labels, style))
    return Section(figure, t("home.timeline_caption"))


TIMELINE = [Chart("timeline", timeline_section, title="home.timeline_title")]


def timeline_ui() -> None:
    charts_ui(None, TIMELINE)
