"""Why attention won: the story in order, each step linked to the page that shows it live."""

import streamlit as st

from dashboard import home_view as view
from dashboard.frame import chart_style, require_router
from dashboard.i18n import t

require_router()  # a fresh server's first visit may run this file directly; see dashboard/frame.py


def main():
    st.title(t("home.title"))
    st.markdown(t("home.intro"))
    view.story_ui()
    view.timeline_ui(chart_style())


main()
