"""Places that a fragment fills: a page's fixed text is drawn once, and a slider move re-sends only
what the move changes.

A fragment rerun re-sends every element the fragment draws, changed or not, and the browser
redraws each one (measured in docs/performance.md: about a millisecond per element per move).  So
a page draws its frame in the full run: headings, fixed captions, and an empty place (st.empty)
for each thing a slider changes; its fragment holds only the controls, and fills the places.
Streamlit's rule for this: a fragment must write to every outside place it fills on every full
run too (it reserves the place), so each place is filled on every run of its fragment.

A chart's download row is one of those places: its file names and the title of its images say
the settings the chart was drawn at, so each draw draws the row again.
"""

from __future__ import annotations

import streamlit as st

from . import export
from .defaults import page_settings
from .export import Chart, Table, export_ui


class ChartSlot:
    """A chart's place, its download row and its caption: a place for `draw(caption=...)` (caption
    None), fixed text (a str), or none at all (False).  `name` makes the file names and must be
    unique on a page; `title` heads the downloaded images (the chart's heading on the page)."""

    def __init__(self, name: str, width: str = "stretch", caption: str | bool | None = None, title: str = ""):
        self.name, self.width, self.title = name, width, title
        self.chart = st.empty()
        self.row = st.empty()
        self.caption = st.empty() if caption is None else None
        if isinstance(caption, str):
            st.caption(caption)

    def draw(self, chart: Chart, data: Table = None, caption: str = "", settings: dict | None = None) -> None:
        """Draw `chart` in the place, and its download row: the files of `chart` (and `data` for the CSV),
        headed by the page's settings, or by `settings` ({name: value}) where given (a finished job's)."""
        self.chart.vega_lite_chart(spec=export.vega_spec(chart), width=self.width)
        with self.row.container():
            export_ui(chart, self.name, data, self.title, page_settings() if settings is None else settings)
        if self.caption is None:
            return
        if caption:
            self.caption.caption(caption)
        else:
            self.caption.empty()

    def notice(self, text: str) -> None:
        """A warning in the chart's place, with no download row and no caption: the setting has no chart."""
        self.chart.warning(text)
        self.row.empty()
        if self.caption is not None:
            self.caption.empty()


def chart_ui(
    chart: Chart, name: str, data: Table = None, width: str = "stretch", title: str = "", settings: dict | None = None
) -> None:
    """Draw a chart that no fragment redraws, with its download row: the same draw as ChartSlot's.
    `name` makes the file names and must be unique on a page; `data` replaces the chart's own data in
    the CSV (e.g. every point of a thinned curve)."""
    ChartSlot(name, width, caption=False, title=title).draw(chart, data, settings=settings)
