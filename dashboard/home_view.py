"""The home page's pieces: the story in six steps, each linked to the page that shows it, and
the lineage timeline."""

from __future__ import annotations

import altair as alt
import streamlit as st

from core.lineage import FAMILIES, lineage_frame

from .charts import Style, vega_config
from .i18n import t
from .slots import chart_ui

STEPS = (  # (story key, page that shows it live, the view it opens (URL parameters), icon)
    ("read", "pages/vanishing_exploding.py", {}, ":material/menu_book:"),
    ("same_w", "pages/vanishing_exploding.py", {}, ":material/repeat:"),
    ("vanish", "pages/vanishing_exploding.py", {"rnn_detail": "map"}, ":material/trending_down:"),
    ("remedies", "pages/remedies.py", {}, ":material/healing:"),
    ("attention", "pages/attention.py", {}, ":material/hub:"),
    ("positions", "pages/attention.py", {}, ":material/format_list_numbered:"),
)
FAMILY_COLORS = ("#7c3aed", "#059669", "#e07b00", "#1f5fbf", "#0891b2")
NOTES_LEFT_FROM = 2021  # papers from this year on have their note on the left of the point


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


def timeline_chart(style: Style) -> alt.LayerChart:
    """One row per paper, in date order, placed at its first public version; colour = architecture."""
    data = lineage_frame()
    data["family_label"] = [t(f"home.family_{f.replace('-', '_')}") for f in data["family"]]
    data["note"] = [t(f"home.note_{i}") for i in range(len(data))]  # core's notes are English
    labels = [t(f"home.family_{f.replace('-', '_')}") for f in FAMILIES]
    base = alt.Chart(data).encode(
        x=alt.X(
            "date:Q",
            title=t("home.axis_year"),
            scale=alt.Scale(domain=[2014, 2024.6], nice=False),
            axis=alt.Axis(format="d", tickCount=11),
        ),
        y=alt.Y(
            "name:N",
            title=None,
            sort=list(data.sort_values("date")["name"]),
            axis=alt.Axis(labelLimit=320, labelOverlap=False),
        ),
        color=alt.Color("family_label:N", title=None, scale=alt.Scale(domain=labels, range=list(FAMILY_COLORS))),
        tooltip=[
            alt.Tooltip("name:N", title=t("home.tt_model")),
            alt.Tooltip("year:Q", title=t("home.axis_year")),
            alt.Tooltip("family_label:N", title=t("home.tt_family")),
            alt.Tooltip("note:N", title=" "),
        ],
    )
    points = base.mark_circle(size=style.marker_size, opacity=0.95)
    size = style.note_font_size
    # notes to the right of the point, except near the axis's end, where they go to its left so none is clipped
    right = base.transform_filter(f"datum.date < {NOTES_LEFT_FROM}").mark_text(align="left", dx=10, fontSize=size)
    left = base.transform_filter(f"datum.date >= {NOTES_LEFT_FROM}").mark_text(align="right", dx=-10, fontSize=size)
    notes = [layer.encode(text=alt.Text("note:N")) for layer in (right, left)]
    return alt.layer(points, *notes, height=(style.row_height) * len(data), config=vega_config(style))


def timeline_ui(style: Style) -> None:
    st.subheader(t("home.timeline_title"))
    chart_ui(timeline_chart(style), "timeline", title=t("home.timeline_title"))
    st.caption(t("home.timeline_caption"))
